"""Decoder kernel: CTU loop and block reconstruction; mirror of enc_image.write_ctu."""
import numpy as np

from .arith_dec import dec_failed
from ..common.constants import (BT_HORIZONTAL, BT_VERTICAL, CB_CODED, CB_NONE, CB_OTHER,
                                LOG2_MIN_BLOCK, LOG2_MIN_BT, LOG2_MIN_QUARTER, NUM_SIZES)
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_W, bt_shape, part_offset, quarter_shape
from ..common.contexts import nb_cfl, nb_nonzero, nb_split
from .syntax_dec import (clear_box, dec_any_mode, dec_bt, dec_cbf, dec_coeffs, dec_qdelta,
                         dec_cross, dec_quarters, dec_split, dec_ternary, dec_transform)
from ..jit import alloc_kernel, kernel
from ..common.planes import (TREE_STACK_ROWS, forced_split, pop_node, push_quarters,
                             set_leaf_maps_once)
from ..common.quant import qdelta_limits, set_ctu_step
from ..common.predict import (build_refs_decoded, build_refs_decoded_wh, mode_candidates,
                              predict_any, predict_half)
from ..common.recon import (R_AVAIL, R_CI, R_FREF, R_LV, R_MAIN, R_MPM, R_PRED, R_REF, R_RI,
                            R_TMPI, reconstruct_box)
from ..common.transform import block_transform, transform_bin_sent


@kernel
def _decode_half(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, sc, ctu_ulog2, scale,
                 dep, probs, st, buf, scr):
    """Decode one part of a luma node split in two or three (formats 13, 16):
    a half or a quarter, shape class sc."""
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    lv = scr[R_LV]
    ci = scr[R_CI]
    mode_candidates(mmap, ux, uy, 0, lmmap, cshift, scr[R_MPM])
    mode = dec_any_mode(scr[R_MPM], 0, 0, probs, st, buf)
    nz = dec_cbf(0, SHAPE_CC[sc], nb_nonzero(cbmap, ux, uy), probs, st, buf) == 1
    nv = 0
    nu = 0
    if nz:
        nv, nu = dec_coeffs(lv, ci, scale[sc], 0, 0, sc, 0, cmap, x, y, probs, st, buf, dep)
    build_refs_decoded_wh(rec, smap, x, y, SHAPE_W[sc], SHAPE_H[sc], ctu_ulog2, scr[R_REF],
                          scr[R_AVAIL])
    predict_half(scr[R_REF], scr[R_FREF], sc, mode, scr[R_PRED], scr[R_MAIN])
    reconstruct_box(scr[R_PRED], ci, nz, nv, nu, 0, sc, 0, rec, x, y, scr[R_RI], scr[R_TMPI])
    set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, sc, mode, CB_CODED if nz else CB_NONE, lv,
                       nv, nu)
    clear_box(lv, ci, nv, nu)


@kernel
def _decode_pair(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, ss, across_x, ctu_ulog2,
                 scale, dep, probs, st, buf, scr):
    """A part split across its long side (format 17): two leaves of shape
    class ss (squares from a half or a middle, 2:1 blocks from a quarter),
    side by side (across_x) or stacked."""
    for k in range(2):
        if dec_failed(st):
            return
        px = x + (k * SHAPE_W[ss] if across_x else 0)
        py = y + (0 if across_x else k * SHAPE_H[ss])
        if ss < NUM_SIZES:
            _decode_leaf(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py,
                         ss + LOG2_MIN_BLOCK, 0, ctu_ulog2, scale, dep, probs, st, buf, scr)
        else:
            _decode_half(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py, ss, ctu_ulog2,
                         scale, dep, probs, st, buf, scr)


@kernel
def _decode_quarter(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, bt, ctu_ulog2,
                    scale, dep, probs, st, buf, scr):
    """A quarter of a node of 2**log2s split in direction bt (format 16): a
    leaf, or (format 17) split across in two leaves."""
    if dec_cross(True, log2s, probs, st, buf) == 1:
        _decode_pair(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y,
                     bt_shape(log2s - 1, bt), bt == BT_HORIZONTAL, ctu_ulog2, scale, dep, probs,
                     st, buf, scr)
    elif not dec_failed(st):
        _decode_half(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y,
                     quarter_shape(log2s, bt), ctu_ulog2, scale, dep, probs, st, buf, scr)


@kernel
def _decode_parts(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, bt, ctu_ulog2,
                  scale, dep, probs, st, buf, scr):
    """The leaves of a luma node of 2**log2s split in two in direction bt:
    from 16x16 (format 16) a ternary-split bin, then either the three parts
    (quarter, half, quarter) or per half a bin saying whether it is split
    again into two quarters; (format 17) a part not split along it, from
    16x16, says whether it is split across; the parts in order along the
    direction."""
    ternary = False
    crossed = False
    if log2s >= LOG2_MIN_QUARTER:
        ternary = dec_ternary(log2s, probs, st, buf) == 1
    for k in range(3 if ternary else 2):
        if dec_failed(st):
            return
        off, is_quarter = part_offset(log2s, ternary, k)
        px = x + (off if bt == BT_VERTICAL else 0)
        py = y + (off if bt == BT_HORIZONTAL else 0)
        if is_quarter:
            _decode_quarter(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py, log2s, bt,
                            ctu_ulog2, scale, dep, probs, st, buf, scr)
            continue
        if not ternary and log2s >= LOG2_MIN_QUARTER and dec_quarters(log2s, probs, st, buf) == 1:
            qs = quarter_shape(log2s, bt)
            for q in range(2):
                _decode_quarter(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                                px + (q * SHAPE_W[qs] if bt == BT_VERTICAL else 0),
                                py + (q * SHAPE_H[qs] if bt == BT_HORIZONTAL else 0), log2s, bt,
                                ctu_ulog2, scale, dep, probs, st, buf, scr)
            continue
        # the second half is not split across when the first one was (format 17)
        if log2s >= LOG2_MIN_QUARTER and not crossed and \
                dec_cross(False, log2s, probs, st, buf) == 1:
            crossed = not ternary
            _decode_pair(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py,
                         log2s - 1 - LOG2_MIN_BLOCK, bt == BT_HORIZONTAL, ctu_ulog2, scale, dep,
                         probs, st, buf, scr)
        elif not dec_failed(st):
            _decode_half(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py,
                         bt_shape(log2s, bt), ctu_ulog2, scale, dep, probs, st, buf, scr)


@kernel
def _decode_leaf(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, pt, ctu_ulog2,
                 scale, dep, probs, st, buf, scr):
    """Decode one square leaf of 2**log2s."""
    n = 1 << log2s
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    sc = log2s - LOG2_MIN_BLOCK
    lv = scr[R_LV]          # levels and coefficients: zero outside the block being
    ci = scr[R_CI]          # decoded (dec_coeffs needs it, clear_box restores it)
    pred = scr[R_PRED]
    mode_candidates(mmap, ux, uy, pt, lmmap, cshift, scr[R_MPM])
    mode = dec_any_mode(scr[R_MPM], pt, nb_cfl(mmap, ux, uy) if pt != 0 else 0, probs, st, buf)
    nz = dec_cbf(pt, sc, nb_nonzero(cbmap, ux, uy), probs, st, buf) == 1
    other = nz and transform_bin_sent(sc, dep) and dec_transform(pt, sc, probs, st, buf) == 1
    cb = (CB_OTHER if other else CB_CODED) if nz else CB_NONE
    nv = 0
    nu = 0
    if nz:
        nv, nu = dec_coeffs(lv, ci, scale[sc], n, log2s, sc, pt, cmap, x, y, probs, st,
                            buf, dep)
    build_refs_decoded(rec, smap, x, y, n, ctu_ulog2, scr[R_REF], scr[R_AVAIL])
    predict_any(mode, scr[R_REF], scr[R_FREF], n, log2s, pred, pt, scr[R_MAIN], scr[R_AVAIL],
                lrec, rec, x, y, cshift)
    reconstruct_box(pred, ci, nz, nv, nu, n, sc, block_transform(sc, other), rec, x, y,
                    scr[R_RI], scr[R_TMPI])
    set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, sc, mode, cb, lv, nv, nu)
    clear_box(lv, ci, nv, nu)


@kernel
def decode_ctu(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x0, y0, lg, pt, scale, dep,
               probs, st, buf, scr, stack):
    """Decode one CTU's quadtree (iterative pre-order walk in z-order, on
    stack: TREE_STACK_ROWS x 3 int64).  A kernel without reference counting
    (jit.py): as an alloc_kernel, taking the scratch arrays out of scr and
    slicing views made atomic reference-count updates in every block, 11 %
    of the low-rate decode time."""
    h, w = rec.shape
    ctu_ulog2 = lg - LOG2_MIN_BLOCK
    stack[0, 0] = x0
    stack[0, 1] = y0
    stack[0, 2] = lg
    sp = 1
    while sp > 0 and not dec_failed(st):
        sp, x, y, log2s = pop_node(stack, sp)
        if x >= w or y >= h:
            continue
        n = 1 << log2s
        ux = x >> LOG2_MIN_BLOCK
        uy = y >> LOG2_MIN_BLOCK
        sc = log2s - LOG2_MIN_BLOCK
        split = forced_split(x, y, n, w, h)
        snb = 0
        if not split and log2s > LOG2_MIN_BLOCK:
            snb = nb_split(smap, ux, uy, log2s)
            split = dec_split(pt, sc, snb, probs, st, buf) == 1
        if split:
            sp = push_quarters(stack, sp, x, y, log2s)
            continue
        if pt == 0 and log2s >= LOG2_MIN_BT:
            bt = dec_bt(sc, snb, probs, st, buf)
            if bt != 0:
                _decode_parts(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, bt,
                              ctu_ulog2, scale, dep, probs, st, buf, scr)
                continue
        _decode_leaf(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, pt,
                     ctu_ulog2, scale, dep, probs, st, buf, scr)


@alloc_kernel
def decode_planes(recs, cmaps, smaps, mmaps, cbmaps, qmaps, nplanes, ctu_log2, wmat, qbase,
                  qdelta_on, dep, probs, st, buf, scr):
    """Decode the luma group (plane 0, each CTU after its quantiser delta if
    qdelta_on), then the chroma group (planes 1, 2 interleaved per CTU, with the
    co-located luma CTU's delta); returns False as soon as the stream is
    found corrupt (a delta outside [-QDELTA_MAX, QDELTA_MAX] or off the step table too)."""
    h0, w0 = recs[0].shape
    c0 = 1 << ctu_log2[0]
    return _decode_groups(recs, cmaps, smaps, mmaps, cbmaps, qmaps, nplanes, ctu_log2, wmat, qbase,
                          qdelta_on, dep, probs, st, buf, scr,
                          np.zeros((3, wmat.shape[0], wmat.shape[1], wmat.shape[2]), np.int64),
                          np.full(3, -1, np.int64),
                          np.zeros(((h0 + c0 - 1) // c0, (w0 + c0 - 1) // c0), np.int64),
                          np.zeros((TREE_STACK_ROWS, 3), np.int64))


@kernel
def _decode_groups(recs, cmaps, smaps, mmaps, cbmaps, qmaps, nplanes, ctu_log2, wmat, qbase,
                   qdelta_on, dep, probs, st, buf, scr, scales, last, qdelta_map, stack):
    """decode_planes' CTU loop, without reference counting: as an
    alloc_kernel, every per-CTU call handing on its arrays (the scratch
    tuple's among them) cost two atomic updates per array."""
    rows, cols = qdelta_map.shape
    qlo, qhi = qdelta_limits(qbase, nplanes)
    prev = 0
    for group in range(2):
        p_first = 0 if group == 0 else 1
        p_last = 1 if group == 0 else nplanes
        for cy in range(rows):
            for cx in range(cols):
                if group == 0 and qdelta_on:
                    qdelta = prev + dec_qdelta(probs, st, buf)
                    if qdelta < qlo or qdelta > qhi:
                        return False
                    qdelta_map[cy, cx] = qdelta
                    prev = qdelta
                for p in range(p_first, p_last):
                    lg = ctu_log2[p]
                    set_ctu_step(qmaps[p], scales, last, p, wmat, qbase[p] + qdelta_map[cy, cx],
                                 cx << lg, cy << lg, lg)
                    decode_ctu(recs[p], cmaps[p], smaps[p], mmaps[p], cbmaps[p], mmaps[0], recs[0],
                               ctu_log2[0] - lg, cx << lg, cy << lg, lg, 0 if p == 0 else 1,
                               scales[p], dep, probs, st, buf, scr, stack)
                if dec_failed(st):
                    return False
    return True
