"""Quantiser tables shared by encoder and decoder (all integer).

A plane's step index q (header) gives a base step in internal sample units;
each frequency (u, v) of an n x n block has a weight w (16 = neutral), and
its reconstruction is level * scale with scale = (step * w + 8) >> 4.
The weight grows linearly with radial frequency at a slope signalled in the
header (0 = flat, best for PSNR); see `weight_matrix`.
"""
import numpy as np

from ..jit import inline_kernel, kernel
from .scan import SCAN_X, SCAN_Y
from .shapes import SHAPE_H, SHAPE_W
from .constants import (QDELTA_MAX, LOG2_MIN_BLOCK, MAX_BLOCK, NUM_QIDX, NUM_SHAPES, QSTEP_BASE,
                        QSTEP_PER_OCTAVE, WEIGHT_UNIT)

QSTEP = np.array([int(round(QSTEP_BASE * 2.0 ** (q / QSTEP_PER_OCTAVE))) for q in range(NUM_QIDX)],
                 dtype=np.int64)
MAX_WEIGHT_SLOPE = 31


def weight_matrix(slope):
    """w[shape_class, v, u] = 16 + slope * (u / (w - 1) + v / (h - 1)) / 2
    for a w x h block (squares: 16 + slope * (u + v) / (2 (n - 1))), so the
    highest frequency of every block shape gets the same weight; int64."""
    w = np.full((NUM_SHAPES, MAX_BLOCK, MAX_BLOCK), WEIGHT_UNIT, dtype=np.int64)
    for s in range(NUM_SHAPES):
        bw, bh = SHAPE_W[s], SHAPE_H[s]
        u = np.arange(bw, dtype=np.int64)[None, :]
        v = np.arange(bh, dtype=np.int64)[:, None]
        den = (bw - 1) * (bh - 1)
        w[s, :bh, :bw] = WEIGHT_UNIT + (slope * (u * (bh - 1) + v * (bw - 1)) + den) // (2 * den)
    return w


# Dependent quantisation (header flag dep_quant): two quantisers share the
# step scale s of a position: Q0 reconstructs level k as 2k*s, Q1 as
# (2k - sgn k)*s.  A 4-state machine, run over a block in coding order
# (reverse scan, state 0 at the last position), picks the quantiser: states
# 0, 1 use Q0, states 2, 3 Q1; the next state is DEPQ_NEXT[state, |k| & 1].
DEPQ_NEXT = np.array([[0, 2], [2, 0], [1, 3], [3, 1]], dtype=np.int64)


@inline_kernel
def depq_level(k, state):
    """The reconstruction of level k in units of its step scale: Q0 (states
    0, 1) 2k, Q1 (states 2, 3) 2k - sgn k."""
    m = 2 * k
    if state > 1:
        m += -1 if k > 0 else 1
    return m


@inline_kernel
def depq_qset(state):
    """The significance context set of a dependent-quantisation state."""
    return max(0, state - 1)


@kernel
def dequantise(lv, scl, n, sc, dep, out):
    """out[:h,:w] = the transform coefficients of levels lv (int64) of a
    block of shape class sc (w x h; n = w, unused): lv * scl, or with
    dependent quantisation (dep) the state-machine reconstruction."""
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    if not dep:
        for v in range(h):
            for u in range(w):
                out[v, u] = lv[v, u] * scl[v, u]
        return
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    for v in range(h):
        orow = out[v, :w]
        for u in range(w):
            orow[u] = 0
    # zeros after the last level keep state 0 (DEPQ_NEXT[0, 0] = 0): the
    # state machine starts at the last level, found by a cheap backward scan
    # over the shape's w * h positions (a split half is not n x n)
    last = w * h - 1
    while last >= 0 and lv[sy[last], sx[last]] == 0:
        last -= 1
    s = 0
    for i in range(last, -1, -1):
        u = sx[i]
        v = sy[i]
        k = np.int64(lv[v, u])
        if k == 0:
            s = DEPQ_NEXT[s, 0]
            continue
        out[v, u] = depq_level(k, s) * scl[v, u]
        s = DEPQ_NEXT[s, (k if k > 0 else -k) & 1]


@kernel
def qdelta_limits(qbase, nplanes):
    """(lo, hi): the quantiser deltas allowed with base step indices
    qbase[:nplanes]: |qdelta| <= QDELTA_MAX and every plane's base + qdelta on the table."""
    lo = -QDELTA_MAX
    hi = QDELTA_MAX
    for p in range(nplanes):
        lo = max(lo, -qbase[p])
        hi = min(hi, NUM_QIDX - 1 - qbase[p])
    return lo, hi


@kernel
def fill_scales(wmat, qidx, out):
    """out[s, v, u] = (QSTEP[qidx] * wmat[s, v, u] + 8) >> 4: the scales of
    step index qidx, for every shape class s (out: NUM_SHAPES x MAX_BLOCK x
    MAX_BLOCK, as wmat)."""
    step = QSTEP[qidx]
    for s in range(NUM_SHAPES):
        for v in range(SHAPE_H[s]):
            for u in range(SHAPE_W[s]):
                out[s, v, u] = (step * wmat[s, v, u] + WEIGHT_UNIT // 2) // WEIGHT_UNIT


@kernel
def set_ctu_step(qmap, scales, last, p, wmat, q, x0, y0, lg):
    """A CTU of plane p at (x0, y0), size 2**lg, is coded with step index q:
    record q in the unit map and make scales[p] the dequantisation scales of
    q (recomputed only when q differs from the plane's last one, last[p])."""
    if q != last[p]:
        fill_scales(wmat, q, scales[p])
        last[p] = q
    hu, wu = qmap.shape
    u0 = y0 >> LOG2_MIN_BLOCK
    v0 = x0 >> LOG2_MIN_BLOCK
    nu = 1 << (lg - LOG2_MIN_BLOCK)
    for j in range(u0, min(u0 + nu, hu)):
        for i in range(v0, min(v0 + nu, wu)):
            qmap[j, i] = q
