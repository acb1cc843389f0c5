"""Deblocking filter (shared, normative, integer), applied to each
reconstructed plane before colour conversion.

Edges are the leaf boundaries on the 4x4 grid (from smap).  All vertical
edges of a plane are filtered first (left to right, top to bottom), then all
horizontal ones.  Per 4-sample edge segment, with p0..p3 / q0..q3 the samples
on either side and d the second-derivative activity of lines 0 and 3:
  * no filtering if d >= beta;
  * strong filter (3 samples a side, both blocks >= 8) on flat segments with
    a small step across the edge;
  * otherwise the normal filter: delta = (9(q0-p0) - 3(q1-p1) + 8) >> 4,
    skipped if |delta| >= 10 tc, clipped to +-tc; p1/q1 follow with half
    the clip on smooth sides.
beta and tc scale with the quantiser step (the mean of the steps of the two
sides, from the per-unit step-index map); the header's level (1..7) picks
the scale, 0 switches the filter off.
"""
import numpy as np

from .constants import LOG2_MIN_BLOCK, MAX_DEBLOCK_LEVEL, SAMPLE_MAX
from ..jit import inline_kernel, kernel, plane_kernel
from .quant import QSTEP

# beta = step * BETA_NUM[level] >> 6, tc = step * TC_NUM[level] >> 6 (level 0 unused)
BETA_NUM = np.array([0, 23, 32, 45, 64, 90, 128, 181], dtype=np.int64)
TC_NUM = np.array([0, 3, 5, 7, 10, 14, 19, 27], dtype=np.int64)
assert BETA_NUM.shape[0] == MAX_DEBLOCK_LEVEL + 1


@kernel
def _clip3(lo, hi, v):
    return lo if v < lo else (hi if v > hi else v)


@inline_kernel
def _at(s, i):
    """Sample i of the flat int16 plane, widened: every filter sum below is
    int64 (numba widens int16 arithmetic, numpy scalars would wrap), so the
    arithmetic is the same whatever runs it.  Unsigned index: see _put."""
    return np.int64(s[np.uint64(i)])


@inline_kernel
def _put(s, i, v):
    """s[i] = v.  Indices here are never negative (edges start at the second
    4x4 unit, and a segment reaches 4 samples back), and as unsigned numbers
    numba skips its negative-index handling on every access (deblocking
    22-30 % faster, measured)."""
    s[np.uint64(i)] = v


@inline_kernel
def _activity(s, b, stride):
    """|second difference| of the 3 samples from b outwards, b + k * stride."""
    return abs(_at(s, b) - 2 * _at(s, b + stride) + _at(s, b + 2 * stride))


@kernel
def _filter_segment(s, base, stride, step, beta, tc, strong_ok):
    """Filter 4 lines across one edge.  s is the flat plane, base the index
    of q0 on line 0, stride the offset across the edge (1 or width), step
    the offset along the edge."""
    b0 = base
    b3 = base + 3 * step
    act_p = _activity(s, b0 - stride, -stride) + _activity(s, b3 - stride, -stride)
    act_q = _activity(s, b0, stride) + _activity(s, b3, stride)
    if act_p + act_q >= beta:
        return
    strong = False
    if strong_ok:
        strong = True
        for li in (0, 3):
            b = base + li * step
            p0 = _at(s, b - stride)
            p3 = _at(s, b - 4 * stride)
            q0 = _at(s, b)
            q3 = _at(s, b + 3 * stride)
            d = _activity(s, b - stride, -stride) + _activity(s, b, stride)
            if not (2 * d < (beta >> 2) and abs(p3 - p0) + abs(q0 - q3) < (beta >> 3)
                    and abs(p0 - q0) < ((5 * tc + 1) >> 1)):
                strong = False
    for li in range(4):
        b = base + li * step
        p0 = _at(s, b - stride)
        p1 = _at(s, b - 2 * stride)
        p2 = _at(s, b - 3 * stride)
        q0 = _at(s, b)
        q1 = _at(s, b + stride)
        q2 = _at(s, b + 2 * stride)
        if strong:
            p3 = _at(s, b - 4 * stride)
            q3 = _at(s, b + 3 * stride)
            t2 = 2 * tc
            _put(s, b - stride,
                 _clip3(p0 - t2, p0 + t2, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3))
            _put(s, b - 2 * stride, _clip3(p1 - t2, p1 + t2, (p2 + p1 + p0 + q0 + 2) >> 2))
            _put(s, b - 3 * stride,
                 _clip3(p2 - t2, p2 + t2, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3))
            _put(s, b, _clip3(q0 - t2, q0 + t2, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3))
            _put(s, b + stride, _clip3(q1 - t2, q1 + t2, (p0 + q0 + q1 + q2 + 2) >> 2))
            _put(s, b + 2 * stride,
                 _clip3(q2 - t2, q2 + t2, (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3))
            continue
        delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4
        if abs(delta) >= 10 * tc:
            continue
        delta = _clip3(-tc, tc, delta)
        _put(s, b - stride, _clip3(0, SAMPLE_MAX, p0 + delta))
        _put(s, b, _clip3(0, SAMPLE_MAX, q0 - delta))
        th = tc >> 1
        side = (beta + (beta >> 1)) >> 3
        if act_p < side:
            delta_p1 = _clip3(-th, th, ((((p2 + p0 + 1) >> 1) - p1 + delta) >> 1))
            _put(s, b - 2 * stride, _clip3(0, SAMPLE_MAX, p1 + delta_p1))
        if act_q < side:
            delta_q1 = _clip3(-th, th, ((((q2 + q0 + 1) >> 1) - q1 - delta) >> 1))
            _put(s, b + stride, _clip3(0, SAMPLE_MAX, q1 + delta_q1))


@kernel
def _leaf_edge(smap, ux, uy, vertical):
    """Is there a leaf boundary on the left (vertical) / top edge of unit (ux, uy)?"""
    v = np.int64(smap[uy, ux])
    # the leaf's log2 width (vertical edges) or height in units (planes.leaf_code)
    sz = (v & 15 if vertical else v >> 4) - LOG2_MIN_BLOCK
    pos = ux if vertical else uy
    return (pos & ((1 << sz) - 1)) == 0


@kernel
def _edge_filter(s, base, stride, step, qa, qb, level, strong_ok, dep):
    """One segment with the thresholds of the mean step of its two sides
    (doubled with dependent quantisation, where each quantiser's levels are
    two scale units apart)."""
    qs = (QSTEP[qa] + QSTEP[qb] + 1) >> 1
    if dep:
        qs <<= 1
    tc = (qs * TC_NUM[level]) >> 6
    if tc > 0:
        _filter_segment(s, base, stride, step, (qs * BETA_NUM[level]) >> 6, tc, strong_ok)


@plane_kernel
def deblock_plane(rec, smap, qmap, level, dep):
    """Filter a reconstructed plane (int16, padded) in place; qmap: the step
    index of every 4x4 unit; dep: dependent quantisation."""
    if level <= 0:
        return
    h, w = rec.shape
    s = rec.reshape(h * w)
    hu = h >> LOG2_MIN_BLOCK
    wu = w >> LOG2_MIN_BLOCK
    for uy in range(hu):
        for ux in range(1, wu):
            if not _leaf_edge(smap, ux, uy, True):
                continue
            strong_ok = (np.int64(smap[uy, ux]) & 15) > LOG2_MIN_BLOCK and \
                (np.int64(smap[uy, ux - 1]) & 15) > LOG2_MIN_BLOCK
            _edge_filter(s, (uy << LOG2_MIN_BLOCK) * w + (ux << LOG2_MIN_BLOCK), 1, w,
                         qmap[uy, ux - 1], qmap[uy, ux], level, strong_ok, dep)
    for uy in range(1, hu):
        for ux in range(wu):
            if not _leaf_edge(smap, ux, uy, False):
                continue
            strong_ok = (np.int64(smap[uy, ux]) >> 4) > LOG2_MIN_BLOCK and \
                (np.int64(smap[uy - 1, ux]) >> 4) > LOG2_MIN_BLOCK
            _edge_filter(s, (uy << LOG2_MIN_BLOCK) * w + (ux << LOG2_MIN_BLOCK), w, 1,
                         qmap[uy - 1, ux], qmap[uy, ux], level, strong_ok, dep)
