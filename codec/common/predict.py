"""Intra prediction from reconstructed neighbours (shared).

Modes: 0 planar, 1 DC, 2..34 angular with the displacement per row/column
in 1/32 sample given by ANGLE (HEVC's angle set; modes 2..17 predict from
the left column, 18..34 from the top row).  Luma references of blocks >= 8
are smoothed [1 2 1] unless the mode is DC or (near) pure H/V; luma blocks
smaller than 32 get HEVC-style edge filters for DC, H and V.

Availability follows coding order: CTUs in raster order, blocks inside a CTU
in z-order, so a 4x4 unit is available iff it precedes the current block's
first unit.  Reference samples: 2n on the left (incl. below-left), the
corner, 2n on top (incl. above-right); missing ones are copied from the
nearest available one (all mid-grey if none is).
"""
import numpy as np

from .constants import (CFL2_MIN_PAIRS, CFL_SIDE_LEFT, CFL_SIDE_TOP, LOG2_MIN_BLOCK, MODE_CFL,
                        MODE_DC, MODE_H, MODE_PLANAR, MODE_V, SAMPLE_MAX, SAMPLE_MID)
from ..jit import inline_kernel, kernel


@kernel
def _morton(x, y):
    r = 0
    for b in range(8):
        r |= ((x >> b) & 1) << (2 * b)
        r |= ((y >> b) & 1) << (2 * b + 1)
    return r


@kernel
def unit_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2):
    """Is 4x4 unit (ux, uy) decoded before the block whose first unit is (cux, cuy)?"""
    if ux < 0 or uy < 0 or ux >= wu or uy >= hu:
        return False
    cy = uy >> ctu_ulog2
    ky = cuy >> ctu_ulog2
    if cy != ky:
        return cy < ky
    cx = ux >> ctu_ulog2
    kx = cux >> ctu_ulog2
    if cx != kx:
        return cx < kx
    m = (1 << ctu_ulog2) - 1
    return _morton(ux & m, uy & m) < _morton(cux & m, cuy & m)


@inline_kernel
def _outer_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map):
    """Below-left / above-right unit (ux, uy) of the block at unit (cux, cuy):
    decoded before it?"""
    if by_map:
        return 0 <= ux < wu and 0 <= uy < hu and decoded[uy, ux] != 0
    return unit_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2)


@inline_kernel
def _build_refs(rec, x, y, n, ctu_ulog2, ref, avail, decoded, by_map):
    """Fill ref[0:4n+1] = left (bottom to top), corner, top (left to right).
    Availability is decided per 4x4 unit (blocks are unit-aligned).  The
    units beside the block (left, top, corner) precede it in coding order
    whenever they are in the plane (a leaf is aligned to its size, and the
    aligned same-size squares to its left and above come first in z-order
    and in raster CTU order), so only the below-left and above-right units
    need a test: unit_available's z-order rule, or (by_map) the decoder's
    map of decoded units, `decoded` (nonzero where a leaf was decoded; exact
    for any tree: a unit is available when it was decoded before)."""
    h, w = rec.shape
    wu = w >> LOG2_MIN_BLOCK
    hu = h >> LOG2_MIN_BLOCK
    cux = x >> LOG2_MIN_BLOCK
    cuy = y >> LOG2_MIN_BLOCK
    n2 = 2 * n
    nu = n >> LOG2_MIN_BLOCK
    nu2 = n2 >> LOG2_MIN_BLOCK
    unit = 1 << LOG2_MIN_BLOCK
    any_av = False
    for j in range(nu2):                       # left units, top to bottom
        if j < nu:
            a = cux > 0 and cuy + j < hu
        else:
            a = _outer_available(cux - 1, cuy + j, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map)
        for t in range(unit):
            k = n2 - 1 - (j * unit + t)
            avail[k] = a
            if a:
                ref[k] = rec[y + j * unit + t, x - 1]
        any_av = any_av or a
    a = cux > 0 and cuy > 0
    avail[n2] = a
    if a:
        ref[n2] = rec[y - 1, x - 1]
        any_av = True
    for j in range(nu2):                       # top units, left to right
        if j < nu:
            a = cuy > 0 and cux + j < wu
        else:
            a = _outer_available(cux + j, cuy - 1, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map)
        for t in range(unit):
            k = n2 + 1 + j * unit + t
            avail[k] = a
            if a:
                ref[k] = rec[y - 1, x + j * unit + t]
        any_av = any_av or a
    total = 2 * n2 + 1
    if not any_av:
        for k in range(total):
            ref[k] = SAMPLE_MID
        return
    first = 0
    while not avail[first]:
        first += 1
    for k in range(first):
        ref[k] = ref[first]
    for k in range(first + 1, total):
        if not avail[k]:
            ref[k] = ref[k - 1]


# build_refs' stand-in for the decoded-units map when the z-order rule decides
_NO_MAP = np.zeros((1, 1), np.int8)


@kernel
def build_refs(rec, x, y, n, ctu_ulog2, ref, avail):
    """Fill ref[0:4n+1] = left (bottom to top), corner, top (left to right),
    availability by the z-order rule (the encoder's search, whose maps hold
    candidates as well as decisions)."""
    _build_refs(rec, x, y, n, ctu_ulog2, ref, avail, _NO_MAP, False)


@kernel
def build_refs_decoded(rec, smap, x, y, n, ctu_ulog2, ref, avail):
    """build_refs for the decoder, availability from its leaf-size map smap
    (zero until a leaf is decoded): one load instead of the z-order
    computation, the same answer for a valid stream (decode 0-2 % faster,
    tools.decode_ab)."""
    _build_refs(rec, x, y, n, ctu_ulog2, ref, avail, smap, True)


ANGLE = np.array([0, 0, 32, 26, 21, 17, 13, 9, 5, 2, 0, -2, -5, -9, -13, -17, -21, -26,
                  -32, -26, -21, -17, -13, -9, -5, -2, 0, 2, 5, 9, 13, 17, 21, 26, 32],
                 dtype=np.int64)
# round(8192 / angle) for the negative angles, indexed by -angle
INV_ANGLE = np.zeros(33, dtype=np.int64)
for _a, _v in ((2, 4096), (5, 1638), (9, 910), (13, 630), (17, 482), (21, 390), (26, 315),
               (32, 256)):
    INV_ANGLE[_a] = _v
# smoothing applies when min(|mode-H|, |mode-V|) exceeds this, per size class (99 = never)
_SMOOTH_THRESH = np.array([99, 7, 1, 0, 0], dtype=np.int64)


@inline_kernel
def use_smoothing(mode, n_log2, pt):
    if pt != 0 or mode == MODE_DC:
        return False
    sc = n_log2 - LOG2_MIN_BLOCK
    if mode == MODE_PLANAR:
        return sc >= 1
    d = min(abs(mode - MODE_H), abs(mode - MODE_V))
    return d > _SMOOTH_THRESH[sc]


@kernel
def smooth_refs(ref, n, out):
    """[1 2 1] filter along left-bottom -> corner -> top-right; ends kept."""
    total = 4 * n + 1
    out[0] = ref[0]
    out[total - 1] = ref[total - 1]
    for k in range(1, total - 1):
        out[k] = (ref[k - 1] + 2 * ref[k] + ref[k + 1] + 2) >> 2


@inline_kernel
def _clip(v):
    return 0 if v < 0 else (SAMPLE_MAX if v > SAMPLE_MAX else v)


@kernel
def predict(ref, n, log2n, mode, pred, pt, main):
    """pred[:n,:n] from refs built by build_refs (already smoothed if the mode
    wants it).  main: int64 scratch of >= 3n+1 for angular modes."""
    n2 = 2 * n
    # left[k] = ref[n2 - 1 - k], corner = ref[n2], top[k] = ref[n2 + 1 + k]
    if mode == MODE_DC:
        s = 0
        for k in range(n):
            s += ref[n2 - 1 - k] + ref[n2 + 1 + k]
        dc = (s + n) >> (log2n + 1)
        for yy in range(n):
            prow = pred[yy, :n]
            for xx in range(n):
                prow[xx] = dc
        if pt == 0 and n < 32:
            pred[0, 0] = (ref[n2 - 1] + 2 * dc + ref[n2 + 1] + 2) >> 2
            for k in range(1, n):
                pred[0, k] = (ref[n2 + 1 + k] + 3 * dc + 2) >> 2
                pred[k, 0] = (ref[n2 - 1 - k] + 3 * dc + 2) >> 2
        return
    if mode == MODE_PLANAR:
        tr = ref[n2 + 1 + n]
        bl = ref[n2 - 1 - n]
        top = ref[n2 + 1:n2 + 1 + n]
        for yy in range(n):
            lf = ref[n2 - 1 - yy]
            prow = pred[yy, :n]
            for xx in range(n):
                prow[xx] = ((n - 1 - xx) * lf + (xx + 1) * tr + (n - 1 - yy) * top[xx]
                            + (yy + 1) * bl + n) >> (log2n + 1)
        return
    angle = ANGLE[mode]
    vertical = mode >= 18
    # main reference: main[n + k] = corner (k = 0), then the top row (vertical
    # modes) or left column (horizontal) for k = 1..2n; k < 0 projects the other side.
    corner = ref[n2]
    main[n] = corner
    for k in range(1, n2 + 1):
        if vertical:
            main[n + k] = ref[n2 + k]              # top[k - 1]
        else:
            main[n + k] = ref[n2 - k]              # left[k - 1]
    if angle < 0:
        last = (n * angle) >> 5
        if last < -1:
            inv = INV_ANGLE[-angle]
            for k in range(last, 0):
                j = -1 + ((-k * inv + 128) >> 8)    # index into the side reference (k < 0)
                if vertical:
                    main[n + k] = corner if j < 0 else ref[n2 - 1 - j]      # left[j]
                else:
                    main[n + k] = corner if j < 0 else ref[n2 + 1 + j]      # top[j]
    for a in range(n):                              # a: row (vertical) or column
        pos = (a + 1) * angle
        idx = pos >> 5
        fact = pos & 31
        o = n + idx + 1             # >= 1: idx >= -(a + 1) for angles >= -32
        # rows through views indexed from 0 (no negative-index handling: they vectorise)
        src = main[o:o + n + 1]
        if vertical:
            prow = pred[a, :n]
            if fact:
                for b in range(n):
                    prow[b] = ((32 - fact) * src[b] + fact * src[b + 1] + 16) >> 5
            else:
                for b in range(n):
                    prow[b] = src[b]
        else:
            if fact:
                for b in range(n):
                    pred[b, a] = ((32 - fact) * src[b] + fact * src[b + 1] + 16) >> 5
            else:
                for b in range(n):
                    pred[b, a] = src[b]
    if pt == 0 and n < 32:
        if mode == MODE_V:
            for yy in range(n):
                pred[yy, 0] = _clip(ref[n2 + 1] + ((ref[n2 - 1 - yy] - corner) >> 1))
        elif mode == MODE_H:
            for xx in range(n):
                pred[0, xx] = _clip(ref[n2 - 1] + ((ref[n2 + 1 + xx] - corner) >> 1))


@kernel
def mpm_list(a, b, out):
    """Three most probable modes from the left (a) and top (b) neighbour modes."""
    if a == b:
        if a < 2:
            out[0] = MODE_PLANAR
            out[1] = MODE_DC
            out[2] = MODE_V
        else:
            out[0] = a
            out[1] = 2 + ((a + 29) % 32)
            out[2] = 2 + ((a - 2 + 1) % 32)
    else:
        out[0] = a
        out[1] = b
        if a != MODE_PLANAR and b != MODE_PLANAR:
            out[2] = MODE_PLANAR
        elif a != MODE_DC and b != MODE_DC:
            out[2] = MODE_DC
        else:
            out[2] = MODE_V


@inline_kernel
def predict_mode(ref, fref, n, log2n, mode, pred, pt, main):
    """Prediction with the normative reference smoothing decision."""
    if use_smoothing(mode, log2n, pt):
        smooth_refs(ref, n, fref)
        predict(fref, n, log2n, mode, pred, pt, main)
    else:
        predict(ref, n, log2n, mode, pred, pt, main)


@kernel
def mode_candidates(mmap, ux, uy, pt, lmmap, cshift, out):
    """The 3 MPMs of a block whose first unit is (ux, uy).  Luma: from the left
    and top neighbours' modes (DC where absent).  Chroma: the co-located luma
    mode (DM) first, then the neighbour-derived list without repeats."""
    # int64 before any arithmetic on them (the map is int8; mpm_list adds to them)
    a = np.int64(mmap[uy, ux - 1]) if ux > 0 else np.int64(MODE_DC)
    b = np.int64(mmap[uy - 1, ux]) if uy > 0 else np.int64(MODE_DC)
    if a >= MODE_CFL:               # either CfL mode counts as DC
        a = MODE_DC
    if b >= MODE_CFL:
        b = MODE_DC
    if pt == 0:
        mpm_list(a, b, out)
        return
    mpm_list(a, b, out)
    t0 = out[0]
    t1 = out[1]
    t2 = out[2]
    lh, lw = lmmap.shape
    dm = lmmap[min(uy << cshift, lh - 1), min(ux << cshift, lw - 1)]
    # DM first, then the neighbour list without it (no allocation: runs per leaf)
    out[0] = dm
    if t0 == dm:
        out[1] = t1
        out[2] = t2
    elif t1 == dm:
        out[1] = t0
        out[2] = t2
    else:
        out[1] = t0
        out[2] = t1


CFL_SHIFT = 14
CFL_MAX_ALPHA = 4 << CFL_SHIFT


@kernel
def _luma_at(lrec, cx, cy, cshift):
    """Luma reconstruction co-located with chroma sample (cx, cy): the 2x2
    mean in 4:2:0 (cshift = 1), the sample itself in 4:4:4; edges repeated."""
    lh, lw = lrec.shape
    if cshift == 0:
        return np.int64(lrec[min(cy, lh - 1), min(cx, lw - 1)])
    x0 = min(2 * cx, lw - 1)
    x1 = min(2 * cx + 1, lw - 1)
    y0 = min(2 * cy, lh - 1)
    y1 = min(2 * cy + 1, lh - 1)
    return (np.int64(lrec[y0, x0]) + lrec[y0, x1] + lrec[y1, x0] + lrec[y1, x1] + 2) >> 2


@inline_kernel
def _cfl_sums(lrec, rec, x, y, n, cshift, nl, nt, avail, thr):
    """Sums over the training pairs (L, C) whose L <= thr: count, L, C, L*L,
    L*C.  The pairs: the first nl chroma samples of the column left of the
    block (downwards) and the first nt of the row above it (rightwards),
    those build_refs found available (avail, per 4x4 unit), each with its
    co-located luma."""
    cnt = np.int64(0)
    sl = np.int64(0)
    sc = np.int64(0)
    sll = np.int64(0)
    slc = np.int64(0)
    n2 = 2 * n
    unit = 1 << LOG2_MIN_BLOCK
    # availability is per 4x4 unit: one test per unit (avail at its first sample)
    for j0 in range(0, nl, unit):
        if avail[n2 - 1 - j0]:
            for j in range(j0, j0 + unit):
                lv = _luma_at(lrec, x - 1, y + j, cshift)
                if lv <= thr:
                    cv = np.int64(rec[y + j, x - 1])
                    cnt += 1
                    sl += lv
                    sc += cv
                    sll += lv * lv
                    slc += lv * cv
    for i0 in range(0, nt, unit):
        if avail[n2 + 1 + i0]:
            for i in range(i0, i0 + unit):
                lv = _luma_at(lrec, x + i, y - 1, cshift)
                if lv <= thr:
                    cv = np.int64(rec[y - 1, x + i])
                    cnt += 1
                    sl += lv
                    sc += cv
                    sll += lv * lv
                    slc += lv * cv
    return cnt, sl, sc, sll, slc


@inline_kernel
def _cfl_fit(cnt, sl, sc, sll, slc):
    """Integer least-squares (alpha, beta) in units of 2^-CFL_SHIFT."""
    alpha = np.int64(0)
    if cnt == 0:
        return alpha, np.int64(SAMPLE_MID) << CFL_SHIFT
    den = cnt * sll - sl * sl
    if den > 0:
        alpha = ((cnt * slc - sl * sc) << CFL_SHIFT) // den
        alpha = max(-CFL_MAX_ALPHA, min(CFL_MAX_ALPHA, alpha))
    return alpha, ((sc << CFL_SHIFT) - alpha * sl) // cnt


@kernel
def predict_cfl(lrec, rec, x, y, n, cshift, k, avail, pred):
    """Chroma-from-luma mode MODE_CFL + k: pred = alpha * L' + beta, (alpha,
    beta) the integer least-squares fit of the available chroma neighbours
    on their co-located luma L' (avail from build_refs).  The neighbours by
    side = k >> 1: the n left and the n above (0), the 2n left and below-left
    (CFL_SIDE_LEFT), the 2n above and above-right (CFL_SIDE_TOP).  two =
    k & 1: one fit for the pairs with L' at most the pairs' mean (floored)
    and one for the rest, each sample predicted by the fit of its side; one
    fit if either side has fewer than CFL2_MIN_PAIRS pairs (an edge or a
    flat neighbourhood)."""
    side = k >> 1
    two = k & 1
    nl = 0 if side == CFL_SIDE_TOP else (2 * n if side == CFL_SIDE_LEFT else n)
    nt = 0 if side == CFL_SIDE_LEFT else (2 * n if side == CFL_SIDE_TOP else n)
    top = np.int64(SAMPLE_MAX)     # no L' above it: every pair and sample on the first side
    cnt, sl, sc, sll, slc = _cfl_sums(lrec, rec, x, y, n, cshift, nl, nt, avail, top)
    a0, b0 = _cfl_fit(cnt, sl, sc, sll, slc)
    a1 = a0
    b1 = b0
    thr = top
    if two and cnt > 0:
        mean = sl // cnt
        c0, l0s, s0, ll0, lc0 = _cfl_sums(lrec, rec, x, y, n, cshift, nl, nt, avail, mean)
        if c0 >= CFL2_MIN_PAIRS and cnt - c0 >= CFL2_MIN_PAIRS:
            a0, b0 = _cfl_fit(c0, l0s, s0, ll0, lc0)
            a1, b1 = _cfl_fit(cnt - c0, sl - l0s, sc - s0, sll - ll0, slc - lc0)
            thr = mean
    rnd = np.int64(1) << (CFL_SHIFT - 1)
    # the second model as a difference switched on by (L' > thr): the same
    # values as choosing (a1, b1) per sample, without a branch (with one
    # model da = db = 0)
    da = a1 - a0
    db = b1 - b0
    lh, lw = lrec.shape
    if ((x + n) << cshift) > lw or ((y + n) << cshift) > lh:
        # the co-located luma crosses the plane's edge: clamped reads
        for yy in range(n):
            for xx in range(n):
                lv = _luma_at(lrec, x + xx, y + yy, cshift)
                v = (a0 * lv + b0 + (lv > thr) * (da * lv + db) + rnd) >> CFL_SHIFT
                pred[yy, xx] = 0 if v < 0 else (SAMPLE_MAX if v > SAMPLE_MAX else v)
        return
    # inside the plane: _luma_at without its clamps, through row views
    for yy in range(n):
        prow = pred[yy, :n]
        if cshift == 0:
            l0 = lrec[y + yy, x:x + n]
            for xx in range(n):
                lv = np.int64(l0[xx])
                v = (a0 * lv + b0 + (lv > thr) * (da * lv + db) + rnd) >> CFL_SHIFT
                prow[xx] = min(max(v, 0), SAMPLE_MAX)
        else:
            l0 = lrec[2 * (y + yy), 2 * x:2 * (x + n)]
            l1 = lrec[2 * (y + yy) + 1, 2 * x:2 * (x + n)]
            for xx in range(n):
                lv = (np.int64(l0[2 * xx]) + l0[2 * xx + 1] + l1[2 * xx] + l1[2 * xx + 1] + 2) >> 2
                v = (a0 * lv + b0 + (lv > thr) * (da * lv + db) + rnd) >> CFL_SHIFT
                prow[xx] = min(max(v, 0), SAMPLE_MAX)


@inline_kernel
def predict_any(mode, ref, fref, n, log2n, pred, pt, main, avail, lrec, rec, x, y, cshift):
    """Prediction of any mode (CfL reads the co-located luma reconstruction)."""
    if mode >= MODE_CFL:
        predict_cfl(lrec, rec, x, y, n, cshift, np.int64(mode) - MODE_CFL, avail, pred)
    else:
        predict_mode(ref, fref, n, log2n, mode, pred, pt, main)
