"""The numba kernels compute exactly what their Python source says: an
encode + decode under NUMBA_DISABLE_JIT=1 gives the same bytes and pixels."""
import hashlib
import json
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
import hashlib, json, os, sys, warnings
warnings.simplefilter("error", RuntimeWarning)   # an integer overflow is an error, not a wrap
sys.path.insert(0, {repo!r})
import codec
from codec.common import deblock, predict, recon
from codec.common.constants import FORMAT_VERSION

modes, swing, transforms, edge_dirs = set(), [0], set(), set()
_add_inverse = recon.add_inverse
_predict, _cfl, _cccm = predict.predict, predict.predict_cfl, predict.predict_cccm
_segment = deblock._filter_segment
from codec.dec import decoder
_apply_eo = decoder.apply_edge_offset

def predict_(ref, n, log2n, mode, pred, pt, main):
    modes.add(int(mode))
    return _predict(ref, n, log2n, mode, pred, pt, main)

def cfl_(lrec, rec, x, y, n, cshift, k, avail, pred):
    modes.add(35 + int(k))
    return _cfl(lrec, rec, x, y, n, cshift, k, avail, pred)

def cccm_(lrec, rec, x, y, n, cshift, avail, pred, m):
    modes.add(41)
    return _cccm(lrec, rec, x, y, n, cshift, avail, pred, m)

def segment_(s, base, stride, step, beta, tc, strong_ok):
    for li in range(4):
        b = base + li * step
        swing[0] = max(swing[0], abs(int(s[b]) - int(s[b - stride])))
    return _segment(s, base, stride, step, beta, tc, strong_ok)

def apply_eo_(rec, table, choice, ctu):
    edge_dirs.update(int(c) - 1 for c in choice.ravel() if c)
    return _apply_eo(rec, table, choice, ctu)

def add_inverse_(coef, nv, nu, n, sc, tr, *rest):
    transforms.add((int(n), int(tr)))
    return _add_inverse(coef, nv, nu, n, sc, tr, *rest)

# without JIT the kernels are Python functions that look their callees up by name
predict.predict, predict.predict_cfl, predict.predict_cccm = predict_, cfl_, cccm_
recon.add_inverse = add_inverse_
deblock._filter_segment = segment_
decoder.apply_edge_offset = apply_eo_
data = os.path.join({repo!r}, "tests", "data")
hashes = {{}}
for name, entry in sorted(json.load(open(os.path.join(data, "streams.json"))).items()):
    if entry["version"] == FORMAT_VERSION:
        out = codec.decode(open(os.path.join(data, name), "rb").read())
        hashes[name] = hashlib.sha256(out.tobytes()).hexdigest() == entry["sha256"]
print(json.dumps(dict(hashes=hashes, modes=sorted(modes), swing=swing[0],
                      transforms=sorted(transforms), edge_dirs=sorted(edge_dirs))))
"""


def test_stored_streams_decode_to_their_hashes_without_jit():
    """Every stored stream decodes to its pixel hash with numpy's scalar
    arithmetic in place of numba's, with integer overflow warnings as errors:
    no result depends on numba widening int8/int16/uint8 values implicitly
    (numpy scalars keep their width), so the integer arithmetic is explicit
    wherever the two could differ, as the CLIC 2019 runtime's numba 0.53 and
    the current numba must agree.  The streams reach every intra mode, both
    transforms at 8x8 and 16x16 (each size's own and the other one, format
    10), a full-swing deblocking edge (where 9 * (q0 - p0) leaves int16)
    and the edge offsets of every direction (format 11)."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    r = subprocess.run([sys.executable, "-c", STORED.format(repo=repo)], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(res["hashes"]) >= 9 and all(res["hashes"].values()), res["hashes"]
    assert res["modes"] == list(range(42))          # planar, DC, 33 angles, 6 CfL, CCCM
    assert 9 * res["swing"] > 32767
    assert {(8, 0), (8, 1), (16, 0), (16, 1)} <= {tuple(t) for t in res["transforms"]}
    assert res["edge_dirs"] == [0, 1, 2, 3]
