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
