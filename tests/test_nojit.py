"""The numba kernels compute exactly what their Python source says: an
encode + decode under NUMBA_DISABLE_JIT=1 gives the same bytes and pixels."""
import hashlib
import os
import subprocess
import sys

import codec
from conftest import synthetic_image

SCRIPT = r"""
import hashlib, sys
sys.path.insert(0, {tests!r})
import codec
from conftest import synthetic_image
img = synthetic_image(12, 10, seed=8)
data = codec.encode(img, config=codec.EncoderConfig(quality=70, chroma="420"))
out = codec.decode(data)
print(hashlib.sha256(data).hexdigest(), hashlib.sha256(out.tobytes()).hexdigest())
"""


def test_pure_python_run_matches_numba():
    tests = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(tests=tests)], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    img = synthetic_image(12, 10, seed=8)
    data = codec.encode(img, config=codec.EncoderConfig(quality=70, chroma="420"))
    out = codec.decode(data)
    expect = f"{hashlib.sha256(data).hexdigest()} {hashlib.sha256(out.tobytes()).hexdigest()}"
    assert r.stdout.strip() == expect


STORED = r"""
import hashlib, json, os, sys
sys.path.insert(0, {repo!r})
import codec
from codec.common.constants import FORMAT_VERSION
data = os.path.join({repo!r}, "tests", "data")
for name, entry in sorted(json.load(open(os.path.join(data, "streams.json"))).items()):
    if entry["version"] == FORMAT_VERSION:
        out = codec.decode(open(os.path.join(data, name), "rb").read())
        print(name, hashlib.sha256(out.tobytes()).hexdigest() == entry["sha256"])
"""


def test_stored_streams_decode_to_their_hashes_without_jit():
    """Every stored stream decodes to its pixel hash with numpy's scalar
    arithmetic in place of numba's: no result depends on numba widening
    int8/int16/uint8 values implicitly (numpy scalars keep their width), so
    the integer arithmetic is explicit wherever the two could differ, as the
    CLIC 2019 runtime's numba 0.53 and the current numba must agree."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    r = subprocess.run([sys.executable, "-c", STORED.format(repo=repo)], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    results = dict(l.split() for l in lines if l.strip())
    assert len(results) >= 8 and set(results.values()) == {"True"}, results
