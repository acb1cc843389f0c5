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

from .constants import (ANGULAR_CUBIC, CCCM_FRAC, CCCM_INPUTS, CCCM_L_MAX, CCCM_MAX_TEMPLATE,
                        CCCM_MIN_SAMPLES, CCCM_NORM_BITS, CCCM_RIDGE_SHIFT, CCCM_W_MAX, CCCM_Z_MAX,
                        CFL2_MIN_PAIRS, CFL_SIDE_LEFT, CFL_SIDE_TOP, LOG2_MIN_BLOCK, MAX_BLOCK,
                        MODE_CCCM, MODE_CFL, MODE_DC, MODE_H, MODE_PLANAR, MODE_V, SAMPLE_MAX,
                        SAMPLE_MID)
from .shapes import SHAPE_LH, SHAPE_LW
from ..jit import inline_kernel, kernel


@inline_kernel
def _narrow(v):
    """v, known to lie in int32's range (a sample, a weight), as an int64 the
    compiler knows to fit in 32 bits: the product of two such compiles to the
    32 x 32 -> 64-bit vector multiply instead of the slower 64 x 64-bit one.
    The value and the int64 arithmetic that uses it are unchanged, with numba
    or without (a plain np.int32 would overflow in NumPy's scalar rules)."""
    return np.int64(np.int32(v))


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
def _outer_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map, node):
    """Below-left / above-right unit (ux, uy) of the block at unit (cux, cuy):
    decoded before it?  node (units x0, y0, x1, y1): inside it the map
    decides, outside the z-order rule (the encoder's parts of a split node)."""
    if by_map:
        return 0 <= ux < wu and 0 <= uy < hu and decoded[uy, ux] != 0
    if node[0] <= ux < node[2] and node[1] <= uy < node[3]:
        return decoded[uy, ux] != 0
    return unit_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2)


@inline_kernel
def _build_refs(rec, x, y, w, h, ctu_ulog2, ref, avail, decoded, by_map, node):
    """Fill ref[0:2(w+h)+1] = left (w + h samples, bottom to top), corner,
    top (w + h, left to right) for a w x h block (squares: 2n each side).
    Availability is decided per 4x4 unit (blocks are unit-aligned).  The
    units beside the block (left, top, corner) precede it in coding order
    whenever they are in the plane (a leaf is aligned to its size, and the
    aligned same-size squares to its left and above come first in z-order
    and in raster CTU order), so only the below-left and above-right units
    need a test: unit_available's z-order rule, or (by_map) the decoder's
    map of decoded units, `decoded` (nonzero where a leaf was decoded; exact
    for any tree: a unit is available when it was decoded before)."""
    ph, pw = rec.shape
    wu = pw >> LOG2_MIN_BLOCK
    hu = ph >> LOG2_MIN_BLOCK
    cux = x >> LOG2_MIN_BLOCK
    cuy = y >> LOG2_MIN_BLOCK
    n2 = w + h
    nuw = w >> LOG2_MIN_BLOCK
    nuh = h >> LOG2_MIN_BLOCK
    nu2 = n2 >> LOG2_MIN_BLOCK
    unit = 1 << LOG2_MIN_BLOCK
    any_av = False
    for j in range(nu2):                       # left units, top to bottom
        if j < nuh:
            a = cux > 0 and cuy + j < hu
        else:
            a = _outer_available(cux - 1, cuy + j, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map,
                                   node)
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
        if j < nuw:
            a = cuy > 0 and cux + j < wu
        else:
            a = _outer_available(cux + j, cuy - 1, cux, cuy, wu, hu, ctu_ulog2, decoded, by_map,
                                   node)
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
_NO_NODE = np.zeros(4, np.int64)


@kernel
def build_refs(rec, x, y, n, ctu_ulog2, ref, avail):
    """Fill ref[0:4n+1] = left (bottom to top), corner, top (left to right),
    availability by the z-order rule (the encoder's search, whose maps hold
    candidates as well as decisions)."""
    _build_refs(rec, x, y, n, n, ctu_ulog2, ref, avail, _NO_MAP, False, _NO_NODE)


@kernel
def build_refs_wh(rec, x, y, w, h, ctu_ulog2, ref, avail):
    """build_refs for a w x h block (a split half)."""
    _build_refs(rec, x, y, w, h, ctu_ulog2, ref, avail, _NO_MAP, False, _NO_NODE)


@kernel
def build_refs_node_wh(rec, smap, x, y, w, h, ctu_ulog2, ref, avail, node):
    """build_refs_wh for the encoder's parts of a split node: inside the node
    (units node[0]:node[2] x node[1]:node[3]) a unit is available when smap
    holds a leaf there (the search clears the node's units before each
    layout), elsewhere by the z-order rule."""
    _build_refs(rec, x, y, w, h, ctu_ulog2, ref, avail, smap, False, node)


@kernel
def build_refs_decoded(rec, smap, x, y, n, ctu_ulog2, ref, avail):
    """build_refs for the decoder, availability from its leaf-size map smap
    (zero until a leaf is decoded): one load instead of the z-order
    computation, the same answer for a valid stream (decode 0-2 % faster,
    tools.decode_ab)."""
    _build_refs(rec, x, y, n, n, ctu_ulog2, ref, avail, smap, True, _NO_NODE)


@kernel
def build_refs_decoded_wh(rec, smap, x, y, w, h, ctu_ulog2, ref, avail):
    """build_refs_decoded for a w x h block (a split half)."""
    _build_refs(rec, x, y, w, h, ctu_ulog2, ref, avail, smap, True, _NO_NODE)


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
    smooth_refs_len(ref, 4 * n + 1, out)


@kernel
def smooth_refs_len(ref, total, out):
    """smooth_refs over ref[:total]."""
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
    wants it).  main: int64 scratch of >= 3n+2 for angular modes."""
    predict_wh(ref, n, n, log2n, log2n, mode, pred, pt, main)


@inline_kernel
def _blend_line(out, src, nlen, fact):
    """One line of an angular mode: out[b] = the blend of src[b] and src[b + 1]
    by fact / 32, b < nlen.  The factors go through _narrow, as in planar:
    vertical modes 30-40 % faster from 8x8.  (A helper rather than one
    variable for the line: pred's rows or columns and main may differ in type.)"""
    if fact:
        f0 = _narrow(32 - fact)
        f1 = _narrow(fact)
        for b in range(nlen):
            out[b] = (f0 * _narrow(src[b]) + f1 * _narrow(src[b + 1]) + 16) >> 5
    else:
        for b in range(nlen):
            out[b] = src[b]


# ANGULAR_CUBIC as an array the kernels index (a global array: a constant to numba)
_CUBIC = np.array(ANGULAR_CUBIC, dtype=np.int64)


@inline_kernel
def _cubic_line(out, src, nlen, fact):
    """One line of a luma angular mode (format 18): out[b] = the four samples
    src[b .. b + 3] weighed by row fact of ANGULAR_CUBIC (in 1/64, rounded,
    clipped to the sample range: the outer taps are negative), b < nlen.
    src starts one sample before _blend_line's."""
    if fact:
        c0 = _narrow(_CUBIC[fact, 0])
        c1 = _narrow(_CUBIC[fact, 1])
        c2 = _narrow(_CUBIC[fact, 2])
        c3 = _narrow(_CUBIC[fact, 3])
        for b in range(nlen):
            v = (c0 * _narrow(src[b]) + c1 * _narrow(src[b + 1]) + c2 * _narrow(src[b + 2])
                 + c3 * _narrow(src[b + 3]) + 32) >> 6
            out[b] = _clip(v)
    else:
        for b in range(nlen):
            out[b] = src[b + 1]


@inline_kernel
def _angular_line(out, main, o, nlen, fact, cubic):
    """One line of an angular mode from main[o] on: four taps (luma) or the
    two-sample blend.  The sources are views indexed from 0 (no negative-index
    handling: the loops vectorise)."""
    if cubic:
        _cubic_line(out, main[o - 1:o + nlen + 2], nlen, fact)
    else:
        _blend_line(out, main[o:o + nlen + 1], nlen, fact)


@kernel
def predict_wh(ref, w, h, lw, lh, mode, pred, pt, main):
    """pred[:h, :w] of a w x h block (w = 2**lw, h = 2**lh) from refs of
    w + h samples a side (build_refs_wh).  Squares as always; a split half
    (format 13): DC from its long side, planar weighted by both sizes, the
    angular modes along the same angles over the longer reference."""
    n2 = w + h
    # left[k] = ref[n2 - 1 - k], corner = ref[n2], top[k] = ref[n2 + 1 + k]
    if mode == MODE_DC:
        s = 0
        if w == h:
            for k in range(w):
                s += ref[n2 - 1 - k] + ref[n2 + 1 + k]
            dc = (s + w) >> (lw + 1)
        elif w > h:
            for k in range(w):
                s += ref[n2 + 1 + k]
            dc = (s + (w >> 1)) >> lw
        else:
            for k in range(h):
                s += ref[n2 - 1 - k]
            dc = (s + (h >> 1)) >> lh
        for yy in range(h):
            prow = pred[yy, :w]
            for xx in range(w):
                prow[xx] = dc
        if pt == 0 and w < 32 and h < 32:
            pred[0, 0] = (ref[n2 - 1] + 2 * dc + ref[n2 + 1] + 2) >> 2
            for k in range(1, w):
                pred[0, k] = (ref[n2 + 1 + k] + 3 * dc + 2) >> 2
            for k in range(1, h):
                pred[k, 0] = (ref[n2 - 1 - k] + 3 * dc + 2) >> 2
        return
    if mode == MODE_PLANAR:
        # the factors through _narrow (samples <= SAMPLE_MAX, weights <= 64):
        # about 15 % faster from 8x8
        tr = _narrow(ref[n2 + 1 + w])
        bl = ref[n2 - 1 - h]
        top = ref[n2 + 1:n2 + 1 + w]
        sh = lw + lh + 1
        rnd = w * h
        for yy in range(h):
            lf = _narrow(ref[n2 - 1 - yy])
            a = _narrow(h - 1 - yy)
            c = (yy + 1) * bl
            prow = pred[yy, :w]
            for xx in range(w):
                # squares: the sum times n, exactly ((a + n) >> (log2n + 1) as before)
                prow[xx] = (((a * _narrow(top[xx]) + c) << lw) +
                            ((_narrow(w - 1 - xx) * lf + _narrow(xx + 1) * tr) << lh)
                            + rnd) >> sh
        return
    angle = ANGLE[mode]
    vertical = mode >= 18
    cubic = pt == 0         # luma: four taps, reading one sample more at either end
    # the lines predicted (rows for vertical modes, columns for horizontal) and their length
    nlines = h if vertical else w
    nlen = w if vertical else h
    # main reference: main[nlines + k] = corner (k = 0), then the top row
    # (vertical modes) or left column (horizontal) for k = 1..w+h; k < 0
    # projects the other side.
    corner = ref[n2]
    main[nlines] = corner
    for k in range(1, n2 + 1):
        if vertical:
            main[nlines + k] = ref[n2 + k]              # top[k - 1]
        else:
            main[nlines + k] = ref[n2 - k]              # left[k - 1]
    if cubic:
        # the last line's fourth tap one past the reference: its last sample again
        main[nlines + n2 + 1] = main[nlines + n2]
    if angle < 0:
        last = (nlines * angle) >> 5
        # four taps read main[nlines + last] also when last is -1 (two taps need
        # the projection only below -1); side indices stop at its last sample
        if cubic or last < -1:
            inv = INV_ANGLE[-angle]
            for k in range(last, 0):
                j = min(-1 + ((-k * inv + 128) >> 8), n2 - 1)   # the side's index (k < 0)
                if vertical:
                    main[nlines + k] = corner if j < 0 else ref[n2 - 1 - j]      # left[j]
                else:
                    main[nlines + k] = corner if j < 0 else ref[n2 + 1 + j]      # top[j]
    # Horizontal modes predict columns; written straight into pred they are
    # stores down a column that do not vectorise.  From 8 samples a column
    # (and with a work array large enough) they go to main's tail as rows,
    # then into pred by a transposing copy: 1.5-2x faster at 8x8 to 32x32
    # (at 4 samples the copy costs more than it saves).
    transposed = not vertical and nlen >= 8 and main.shape[0] >= MAIN_WORK
    for a in range(nlines):                         # a: row (vertical) or column
        pos = (a + 1) * angle
        idx = pos >> 5
        fact = pos & 31
        o = nlines + idx + 1        # >= 1: idx >= -(a + 1) for angles >= -32
        if vertical:
            _angular_line(pred[a, :nlen], main, o, nlen, fact, cubic)
        elif transposed:
            _angular_line(main[_MAIN_T + a * nlen:_MAIN_T + (a + 1) * nlen], main, o, nlen, fact,
                          cubic)
        else:
            _angular_line(pred[:nlen, a], main, o, nlen, fact, cubic)
    if transposed:
        for b in range(nlen):
            prow = pred[b, :nlines]
            col = main[_MAIN_T + b:_MAIN_T + nlines * nlen]
            for a in range(nlines):
                prow[a] = col[a * nlen]
    if pt == 0 and w < 32 and h < 32:
        if mode == MODE_V:
            for yy in range(h):
                pred[yy, 0] = _clip(ref[n2 + 1] + ((ref[n2 - 1 - yy] - corner) >> 1))
        elif mode == MODE_H:
            for xx in range(w):
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
def predict_half(ref, fref, sc, mode, pred, main):
    """predict_mode for a luma split half of shape class sc (format 13)."""
    lw = SHAPE_LW[sc]
    lh = SHAPE_LH[sc]
    w = 1 << lw
    h = 1 << lh
    if use_smoothing(mode, (lw + lh) >> 1, 0):
        smooth_refs_len(ref, 2 * (w + h) + 1, fref)
        predict_wh(fref, w, h, lw, lh, mode, pred, 0, main)
    else:
        predict_wh(ref, w, h, lw, lh, mode, pred, 0, main)


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
    # inside the plane: _luma_at without its clamps, through row views; the
    # slopes (|alpha| <= CFL_MAX_ALPHA, so |da| < 2**18) and L' through _narrow
    a0s = _narrow(a0)
    das = _narrow(da)
    for yy in range(n):
        prow = pred[yy, :n]
        if cshift == 0:
            l0 = lrec[y + yy, x:x + n]
            for xx in range(n):
                lv = _narrow(l0[xx])
                v = (a0s * lv + b0 + (lv > thr) * (das * lv + db) + rnd) >> CFL_SHIFT
                prow[xx] = min(max(v, 0), SAMPLE_MAX)
        else:
            l0 = lrec[2 * (y + yy), 2 * x:2 * (x + n)]
            l1 = lrec[2 * (y + yy) + 1, 2 * x:2 * (x + n)]
            for xx in range(n):
                lv = _narrow((np.int64(l0[2 * xx]) + l0[2 * xx + 1] + l1[2 * xx]
                               + l1[2 * xx + 1] + 2) >> 2)
                v = (a0s * lv + b0 + (lv > thr) * (das * lv + db) + rnd) >> CFL_SHIFT
                prow[xx] = min(max(v, 0), SAMPLE_MAX)


# --- the cross-component filter (CCCM, mode 41; FORMAT.md 5.6) ----------------
# Work slots in the caller's int64 work array (`main`, the angular main
# reference, free while a cross-component mode predicts): the template sums
# and the solve, then the template's inputs and chroma as seven columns
# (_M_F + k * CCCM_MAX_TEMPLATE), then a band of co-located luma (_M_P).
_M_S, _M_B, _M_A, _M_L, _M_D, _M_W, _M_E = 0, 6, 12, 48, 84, 90, 96
_M_CNT, _M_SC, _M_SCC = 102, 103, 104
_M_F = 112
_M_P = _M_F + (CCCM_INPUTS + 1) * CCCM_MAX_TEMPLATE
_BAND_W = 4 * MAX_BLOCK          # a template band's line: up to 2 * MAX_BLOCK + 6 samples
_PRED_W = MAX_BLOCK + 8          # a line of the block's luma: up to MAX_BLOCK + 2 samples
CCCM_SCRATCH = _M_P + (4 + 2) * _BAND_W
# The angular modes' use of main: the main reference in [0, MAIN_REF_LEN)
# (a line's reach of w + h on either side of the corner, one more sample at
# the end for the luma modes' fourth tap), a horizontal mode's columns as rows
# from _MAIN_T (predict_wh).
MAIN_REF_LEN = 3 * MAX_BLOCK + 2
_MAIN_T = 4 * MAX_BLOCK
MAIN_WORK = _MAIN_T + MAX_BLOCK * MAX_BLOCK


@inline_kernel
def _lum(lrec, cx, cy, cshift, clamp):
    """L' at chroma (cx, cy) with the low edges clamped too (the high ones
    are clamped by _luma_at); clamp False: the caller checked that every
    read is inside the plane, and the clamps are skipped."""
    if clamp:
        return _luma_at(lrec, max(cx, 0), max(cy, 0), cshift)
    if cshift == 0:
        return np.int64(lrec[cy, cx])
    r0 = lrec[2 * cy]
    r1 = lrec[2 * cy + 1]
    return (np.int64(r0[2 * cx]) + r0[2 * cx + 1] + r1[2 * cx] + r1[2 * cx + 1] + 2) >> 2


@inline_kernel
def _inside(lrec, x0, y0, x1, y1, cshift):
    """Every luma read for the chroma samples x0..x1, y0..y1 is in the plane."""
    lh, lw = lrec.shape
    return x0 >= 0 and y0 >= 0 and ((x1 + 1) << cshift) <= lw and ((y1 + 1) << cshift) <= lh


@inline_kernel
def _cccm_inputs(c, nn, ss, ww, ee):
    """The filter's inputs from the co-located luma c and its neighbours
    above, below, left and right: c, the Laplacian, the vertical,
    horizontal and cross differences, c^2.  Mutually near-uncorrelated (the
    five samples themselves are not), so the normal equations stay well
    conditioned and the ridge can be small."""
    return (c, nn + ss + ww + ee - 4 * c, nn - ss, ww - ee, nn + ss - ww - ee,
            (c * c + SAMPLE_MID) >> 12)


@inline_kernel
def _luma_row(lrec, cx0, cy, cnt, cshift, clamp, out):
    """out[i] = L' at chroma (cx0 + i, cy), i < cnt."""
    if clamp:
        for i in range(cnt):
            out[i] = _lum(lrec, cx0 + i, cy, cshift, True)
    elif cshift == 0:
        src = lrec[cy, cx0:cx0 + cnt]
        for i in range(cnt):
            out[i] = src[i]
    else:
        r0 = lrec[2 * cy, 2 * cx0:2 * cx0 + 2 * cnt]
        r1 = lrec[2 * cy + 1, 2 * cx0:2 * cx0 + 2 * cnt]
        for i in range(cnt):
            out[i] = (np.int64(r0[2 * i]) + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1] + 2) >> 2


@inline_kernel
def _template_line(c0, nn, ss, ww, ee, chroma, cnt, m, t):
    """The inputs and chroma of cnt template samples along a row or a column
    into m's columns from index t: c0[i] the co-located luma of sample i,
    nn, ss, ww, ee its neighbours above, below, left and right.  Every array
    is read and written through a view indexed from 0, so the loop has no
    negative-index handling."""
    o0 = m[_M_F + t:_M_F + t + cnt]
    o1 = m[_M_F + CCCM_MAX_TEMPLATE + t:_M_F + CCCM_MAX_TEMPLATE + t + cnt]
    o2 = m[_M_F + 2 * CCCM_MAX_TEMPLATE + t:_M_F + 2 * CCCM_MAX_TEMPLATE + t + cnt]
    o3 = m[_M_F + 3 * CCCM_MAX_TEMPLATE + t:_M_F + 3 * CCCM_MAX_TEMPLATE + t + cnt]
    o4 = m[_M_F + 4 * CCCM_MAX_TEMPLATE + t:_M_F + 4 * CCCM_MAX_TEMPLATE + t + cnt]
    o5 = m[_M_F + 5 * CCCM_MAX_TEMPLATE + t:_M_F + 5 * CCCM_MAX_TEMPLATE + t + cnt]
    oc = m[_M_F + 6 * CCCM_MAX_TEMPLATE + t:_M_F + 6 * CCCM_MAX_TEMPLATE + t + cnt]
    for i in range(cnt):
        f0, f1, f2, f3, f4, f5 = _cccm_inputs(c0[i], nn[i], ss[i], ww[i], ee[i])
        o0[i] = f0
        o1[i] = f1
        o2[i] = f2
        o3[i] = f3
        o4[i] = f4
        o5[i] = f5
        oc[i] = chroma[i]


@inline_kernel
def _luma_col(lrec, cx, cy0, cnt, cshift, clamp, out):
    """out[i] = L' at chroma (cx, cy0 + i), i < cnt."""
    if clamp:
        for i in range(cnt):
            out[i] = _lum(lrec, cx, cy0 + i, cshift, True)
    elif cshift == 0:
        for i in range(cnt):
            out[i] = lrec[cy0 + i, cx]
    else:
        for i in range(cnt):
            r0 = lrec[2 * (cy0 + i)]
            r1 = lrec[2 * (cy0 + i) + 1]
            out[i] = (np.int64(r0[2 * cx]) + r0[2 * cx + 1] + r1[2 * cx] + r1[2 * cx + 1] + 2) >> 2


@inline_kernel
def _unit_ok(avail, n2, k):
    """Template unit k is available: k = -1 the corner, else the k-th 4x4 unit
    above / above-right."""
    return avail[n2] if k < 0 else avail[n2 + 1 + (k << LOG2_MIN_BLOCK)]


@kernel
def _cccm_gather(lrec, rec, x, y, n, cshift, avail, m):
    """The template's samples into m's columns (_M_F: the six inputs, then
    the chroma sample) and their number (returned).  The template: every
    sample of the available 4x4 units above (and above-right), left (and
    below-left) and at the corner.  Each run of available units is one band:
    its co-located luma with a ring of one is computed once (_M_P: a line of
    _BAND_W per luma row above, per luma column left), then the inputs line
    by line."""
    n2 = 2 * n
    nut = n2 >> LOG2_MIN_BLOCK
    unit = 1 << LOG2_MIN_BLOCK
    clamp = not _inside(lrec, x - unit - 1, y - unit - 1, x + n2, y + n2, cshift)
    t = 0
    k = -1                                  # the corner (-1), then the units above
    while k < nut:
        if not _unit_ok(avail, n2, k):
            k += 1
            continue
        k_end = k + 1
        while k_end < nut and _unit_ok(avail, n2, k_end):
            k_end += 1
        xs = x + unit * k
        cnt = unit * (k_end - k)
        for r in range(unit + 2):           # luma rows y - unit - 1 .. y
            _luma_row(lrec, xs - 1, y - unit - 1 + r, cnt + 2, cshift, clamp,
                      m[_M_P + _BAND_W * r:_M_P + _BAND_W * (r + 1)])
        for r in range(unit):
            b = _M_P + _BAND_W * (r + 1)
            _template_line(m[b + 1:b + 1 + cnt], m[b - _BAND_W + 1:b - _BAND_W + 1 + cnt],
                           m[b + _BAND_W + 1:b + _BAND_W + 1 + cnt], m[b:b + cnt],
                           m[b + 2:b + 2 + cnt], rec[y - unit + r, xs:xs + cnt], cnt, m, t)
            t += cnt
        k = k_end
    k = 0                                   # the units left, top to bottom
    while k < nut:
        if not avail[n2 - 1 - unit * k]:
            k += 1
            continue
        k_end = k + 1
        while k_end < nut and avail[n2 - 1 - unit * k_end]:
            k_end += 1
        ys = y + unit * k
        rows = unit * (k_end - k)
        for j in range(unit + 2):           # luma columns x - unit - 1 .. x, rows ys - 1 ..
            _luma_col(lrec, x - unit - 1 + j, ys - 1, rows + 2, cshift, clamp,
                      m[_M_P + _BAND_W * j:_M_P + _BAND_W * (j + 1)])
        for j in range(unit):               # the template's columns
            b = _M_P + _BAND_W * (j + 1)
            _template_line(m[b + 1:b + 1 + rows], m[b:b + rows], m[b + 2:b + 2 + rows],
                           m[b - _BAND_W + 1:b - _BAND_W + 1 + rows],
                           m[b + _BAND_W + 1:b + _BAND_W + 1 + rows],
                           rec[ys:ys + rows, x - unit + j], rows, m, t)
            t += rows
        k = k_end
    return t


@inline_kernel
def _row_sums(fi, f0, f1, f2, f3, f4, f5, cnt, last):
    """(sum of fi, sum fi f0, ..., sum fi f_last) over cnt samples (the
    products beyond `last` are left at 0): one pass per row of the normal
    equations, its sums in locals (integer sums: exact in any order; the
    pass vectorises, its tests of `last` hoisted out by the compiler)."""
    s = np.int64(0)
    p0 = np.int64(0)
    p1 = np.int64(0)
    p2 = np.int64(0)
    p3 = np.int64(0)
    p4 = np.int64(0)
    p5 = np.int64(0)
    for t in range(cnt):
        # the factors through _narrow: every input is below 2**15 in magnitude
        v = _narrow(fi[t])
        s += v
        p0 += v * _narrow(f0[t])
        if last >= 1:
            p1 += v * _narrow(f1[t])
        if last >= 2:
            p2 += v * _narrow(f2[t])
        if last >= 3:
            p3 += v * _narrow(f3[t])
        if last >= 4:
            p4 += v * _narrow(f4[t])
        if last >= 5:
            p5 += v * _narrow(f5[t])
    return s, p0, p1, p2, p3, p4, p5


@kernel
def _cccm_sums(lrec, rec, x, y, n, cshift, avail, m):
    """The template's sums into m: count, sum C, sum C^2, sum f_i, sum f_i C
    and sum f_i f_j (j <= i), from the gathered columns, a pass per row."""
    cnt = _cccm_gather(lrec, rec, x, y, n, cshift, avail, m)
    m[_M_CNT] = cnt
    f0 = m[_M_F:_M_F + cnt]
    f1 = m[_M_F + CCCM_MAX_TEMPLATE:_M_F + CCCM_MAX_TEMPLATE + cnt]
    f2 = m[_M_F + 2 * CCCM_MAX_TEMPLATE:_M_F + 2 * CCCM_MAX_TEMPLATE + cnt]
    f3 = m[_M_F + 3 * CCCM_MAX_TEMPLATE:_M_F + 3 * CCCM_MAX_TEMPLATE + cnt]
    f4 = m[_M_F + 4 * CCCM_MAX_TEMPLATE:_M_F + 4 * CCCM_MAX_TEMPLATE + cnt]
    f5 = m[_M_F + 5 * CCCM_MAX_TEMPLATE:_M_F + 5 * CCCM_MAX_TEMPLATE + cnt]
    fc = m[_M_F + 6 * CCCM_MAX_TEMPLATE:_M_F + 6 * CCCM_MAX_TEMPLATE + cnt]
    # the chroma row: sum C, then C f_0 .. C f_5 (the b_i), C C last
    sc, b0, b1, b2, b3, b4, b5 = _row_sums(fc, f0, f1, f2, f3, f4, f5, cnt, 5)
    m[_M_SC] = sc
    m[_M_B] = b0
    m[_M_B + 1] = b1
    m[_M_B + 2] = b2
    m[_M_B + 3] = b3
    m[_M_B + 4] = b4
    m[_M_B + 5] = b5
    m[_M_SCC] = _row_sums(fc, fc, f0, f0, f0, f0, f0, cnt, 0)[1]
    for i in range(CCCM_INPUTS):
        fi = m[_M_F + i * CCCM_MAX_TEMPLATE:_M_F + i * CCCM_MAX_TEMPLATE + cnt]
        si, a0, a1, a2, a3, a4, a5 = _row_sums(fi, f0, f1, f2, f3, f4, f5, cnt, i)
        m[_M_S + i] = si
        r = _M_A + CCCM_INPUTS * i
        m[r] = a0
        if i >= 1:
            m[r + 1] = a1
        if i >= 2:
            m[r + 2] = a2
        if i >= 3:
            m[r + 3] = a3
        if i >= 4:
            m[r + 4] = a4
        if i >= 5:
            m[r + 5] = a5


@inline_kernel
def _bits(v):
    """The number of binary digits of v >= 0 (0 for 0)."""
    r = 0
    while v > 0:
        v >>= 1
        r += 1
    return r


@inline_kernel
def _shift(v, k):
    return v >> k if k >= 0 else v << -k


@kernel
def _cccm_solve(m):
    """The filter weights (m[_M_W:], 1/2^16) and the rounding bias (returned)
    from the template sums: centred normal equations, scaled by powers of two
    so every diagonal is below 2^CCCM_NORM_BITS, a ridge of 2^-10 of each
    diagonal, then LDL^T in fixed point.  Every product fits in 64 bits:
    the inputs are below 2^14 and the template at most 1040 samples, so the
    centred sums are below 2^51; after the scaling the off-diagonals are
    bounded by the diagonals (Cauchy-Schwarz) and, by the ridge, every pivot
    D[k] is at least 2^-10 of its diagonal, which bounds L, z and y
    (tests/test_cfl.py checks the kernel against unbounded integers on
    extreme planes)."""
    cnt = m[_M_CNT]
    sc = m[_M_SC]
    s = m[_M_S:_M_S + CCCM_INPUTS]
    b = m[_M_B:_M_B + CCCM_INPUTS]
    a = m[_M_A:_M_A + CCCM_INPUTS * CCCM_INPUTS]        # lower triangle, row-major
    lo = m[_M_L:_M_L + CCCM_INPUTS * CCCM_INPUTS]       # L, 1/2^16
    d = m[_M_D:_M_D + CCCM_INPUTS]
    w = m[_M_W:_M_W + CCCM_INPUTS]
    e = m[_M_E:_M_E + CCCM_INPUTS]
    ni = CCCM_INPUTS
    fr = CCCM_FRAC
    vc = cnt * m[_M_SCC] - sc * sc
    ec = max(0, (_bits(vc) - CCCM_NORM_BITS + 1) >> 1)
    for i in range(ni):
        for j in range(i + 1):
            a[ni * i + j] = cnt * a[ni * i + j] - s[i] * s[j]
        b[i] = cnt * b[i] - s[i] * sc
    for i in range(ni):
        aii = a[(ni + 1) * i]
        e[i] = (_bits(aii) - CCCM_NORM_BITS + 1) >> 1 if aii > 0 else 0
    for i in range(ni):
        for j in range(i + 1):
            a[ni * i + j] = _shift(a[ni * i + j], e[i] + e[j])
        b[i] = _shift(b[i], e[i] + ec)
        k = (ni + 1) * i
        if a[k] == 0:                       # an input constant over the template: left out
            b[i] = 0
            a[k] = 1 << (CCCM_NORM_BITS - 2)
        a[k] += (a[k] >> CCCM_RIDGE_SHIFT) + 1
    for j in range(ni):                     # LDL^T
        t = a[(ni + 1) * j]
        for k in range(j):
            t -= (lo[ni * j + k] * ((lo[ni * j + k] * d[k]) >> fr)) >> fr
        d[j] = max(t, 1)
        for i in range(j + 1, ni):
            t = a[ni * i + j]
            for k in range(j):
                t -= (lo[ni * i + k] * ((lo[ni * j + k] * d[k]) >> fr)) >> fr
            lo[ni * i + j] = min(max((t << fr) // d[j], -CCCM_L_MAX), CCCM_L_MAX)
    for j in range(ni):                     # L z = b
        t = b[j]
        for k in range(j):
            t -= (lo[ni * j + k] * w[k]) >> fr
        w[j] = min(max(t, -CCCM_Z_MAX), CCCM_Z_MAX)
    for j in range(ni):                     # D y = z
        w[j] = (w[j] << fr) // d[j]
    for j in range(ni - 1, -1, -1):         # L^T w = y
        t = w[j]
        for k in range(j + 1, ni):
            t -= (lo[ni * k + j] * w[k]) >> fr
        w[j] = min(max(t, -CCCM_W_MAX), CCCM_W_MAX)
    bias = sc << fr
    for i in range(ni):                     # undo the scaling
        k = ec - e[i]
        if k >= 0:
            lim = CCCM_W_MAX >> min(k, 40)
            w[i] = min(max(w[i], -lim), lim) << k
        else:
            w[i] >>= -k
        bias -= w[i] * s[i]
    return bias // cnt + (np.int64(1) << (fr - 1))


@kernel
def predict_cccm(lrec, rec, x, y, n, cshift, avail, pred, m):
    """Mode MODE_CCCM (FORMAT.md 5.6): pred = clip((bias + sum of w_k f_k)
    >> 16) with f the inputs of _cccm_inputs at each sample, the weights
    fitted on the template (_cccm_sums, _cccm_solve); mode 35's prediction
    if the template has fewer than CCCM_MIN_SAMPLES samples.  m: int64
    scratch of >= CCCM_SCRATCH."""
    _cccm_sums(lrec, rec, x, y, n, cshift, avail, m)
    if m[_M_CNT] < CCCM_MIN_SAMPLES:
        predict_cfl(lrec, rec, x, y, n, cshift, 0, avail, pred)
        return
    bias = _cccm_solve(m)
    # weights (|w| <= CCCM_W_MAX = 2**24) and inputs (< 2**15) through _narrow,
    # as in _row_sums
    w0 = _narrow(m[_M_W])
    w1 = _narrow(m[_M_W + 1])
    w2 = _narrow(m[_M_W + 2])
    w3 = _narrow(m[_M_W + 3])
    w4 = _narrow(m[_M_W + 4])
    w5 = _narrow(m[_M_W + 5])
    clamp = not _inside(lrec, x - 1, y - 1, x + n, y + n, cshift)
    # the block's co-located luma with a ring of one, a line of _PRED_W per
    # luma row, into the template columns' space (free after the sums)
    for r in range(n + 2):
        _luma_row(lrec, x - 1, y - 1 + r, n + 2, cshift, clamp,
                  m[_M_F + _PRED_W * r:_M_F + _PRED_W * (r + 1)])
    for yy in range(n):
        b = _M_F + _PRED_W * (yy + 1)
        c0 = m[b + 1:b + 1 + n]
        nn = m[b - _PRED_W + 1:b - _PRED_W + 1 + n]
        ss = m[b + _PRED_W + 1:b + _PRED_W + 1 + n]
        ww = m[b:b + n]
        ee = m[b + 2:b + 2 + n]
        prow = pred[yy, :n]
        for xx in range(n):
            f0, f1, f2, f3, f4, f5 = _cccm_inputs(c0[xx], nn[xx], ss[xx], ww[xx], ee[xx])
            v = (bias + w0 * _narrow(f0) + w1 * _narrow(f1) + w2 * _narrow(f2)
                 + w3 * _narrow(f3) + w4 * _narrow(f4) + w5 * _narrow(f5)) >> CCCM_FRAC
            prow[xx] = min(max(v, 0), SAMPLE_MAX)


@inline_kernel
def predict_any(mode, ref, fref, n, log2n, pred, pt, main, avail, lrec, rec, x, y, cshift):
    """Prediction of any mode (the cross-component modes read the co-located
    luma reconstruction; CCCM uses main as its work array)."""
    if mode == MODE_CCCM:
        predict_cccm(lrec, rec, x, y, n, cshift, avail, pred, main)
    elif mode >= MODE_CFL:
        predict_cfl(lrec, rec, x, y, n, cshift, np.int64(mode) - MODE_CFL, avail, pred)
    else:
        predict_mode(ref, fref, n, log2n, mode, pred, pt, main)
