"""Decoder kernel: CTU loop and block reconstruction; mirror of enc_image.write_ctu."""
import numpy as np

from .arith_dec import dec_failed
from ..common.constants import (BT_HORIZONTAL, BT_VERTICAL, CB_CODED, CB_NONE, CB_OTHER,
                                LOG2_MIN_BLOCK, LOG2_MIN_BT, LOG2_MIN_QUARTER)
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_W, bt_shape, quarter_shape
from ..common.contexts import nb_cfl, nb_nonzero, nb_split
from .syntax_dec import (clear_box, dec_any_mode, dec_bt, dec_cbf, dec_coeffs, dec_qdelta,
                         dec_quarters, dec_split, dec_ternary, dec_transform)
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
def _decode_parts(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, bt, ctu_ulog2,
                  scale, dep, probs, st, buf, scr):
    """The leaves of a luma node of 2**log2s split in two in direction bt:
    from 16x16 (format 16) a ternary-split bin, then either the three parts
    (quarter, half, quarter) or per half a bin saying whether it is split
    again into two quarters; the parts in order along the direction."""
    hs = bt_shape(log2s, bt)
    qs = hs
    ternary = False
    if log2s >= LOG2_MIN_QUARTER:
        qs = quarter_shape(log2s, bt)
        ternary = dec_ternary(log2s, probs, st, buf) == 1
    off = 0                 # the part's offset along the split direction
    for k in range(3 if ternary else 2):
        if ternary:
            shapes = 1
            ps = hs if k == 1 else qs
        elif log2s >= LOG2_MIN_QUARTER and dec_quarters(log2s, probs, st, buf) == 1:
            shapes = 2
            ps = qs
        else:
            shapes = 1
            ps = hs
        for _ in range(shapes):
            if dec_failed(st):
                return
            _decode_half(rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                         x + (off if bt == BT_VERTICAL else 0),
                         y + (off if bt == BT_HORIZONTAL else 0), ps, ctu_ulog2, scale, dep,
                         probs, st, buf, scr)
            off += SHAPE_W[ps] if bt == BT_VERTICAL else SHAPE_H[ps]


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
    ref = scr[R_REF]
    pred = scr[R_PRED]
    lv = scr[R_LV]          # levels and coefficients: zero outside the block being
    ci = scr[R_CI]          # decoded (dec_coeffs needs it, clear_box restores it)
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
        build_refs_decoded(rec, smap, x, y, n, ctu_ulog2, ref, scr[R_AVAIL])
        predict_any(mode, ref, scr[R_FREF], n, log2s, pred, pt, scr[R_MAIN], scr[R_AVAIL], lrec,
                    rec, x, y, cshift)
        reconstruct_box(pred, ci, nz, nv, nu, n, sc, block_transform(sc, other), rec, x, y,
                        scr[R_RI], scr[R_TMPI])
        set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, sc, mode, cb, lv, nv, nu)
        clear_box(lv, ci, nv, nu)


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
