"""Encoder kernel: CTU loop, RD search of partition and intra mode, coding.

For each CTU (raster order) and each plane, two passes:
  1. search: recursive quadtree; at each node every intra mode is tried as a
     leaf (prediction, DCT, RDOQ, integer reconstruction, exact pixel SSE,
     rate from the frozen context states), then the split, and the cheaper
     J = D + lambda*R wins;
  2. write: the decided tree is coded with live contexts (leaves re-quantised
     with the live rates), producing exactly what the decoder reconstructs.
Per-plane state lives in arrays: rec (reconstruction), cmap (|levels| at
their block-local positions, for the co-located contexts), and 4x4-unit
maps smap (log2 leaf size), mmap (mode), cbmap (coded-block flag).
"""
import numpy as np
from numba import njit

from .constants import LOG2_MIN_BLOCK, MAX_BLOCK, MODE_DC, MODE_H, MODE_V, NUM_MODES
from .enc_rdoq import rdoq
from .enc_syntax import cbf_syntax, coeff_syntax, mode_syntax, split_syntax
from .predict import build_refs, predict
from .recon import reconstruct
from .transform import DCT_FLOAT, fdct1, fdct2

_INF = 1e300
MAX_DEPTH = 8
# Mode pre-selection: every intra mode is ranked by a cheap estimate of its
# J (zeroed coefficients cost their energy, kept ones step^2/12 plus
# PROXY_BITS0 + PROXY_BITS1*log2(1+|c|/step) bits); full RDOQ runs on the best
# MODES_FULL_RD of them.
PROXY_BITS0 = 3.0
PROXY_BITS1 = 2.0
MODES_FULL_RD = 2
# sum of the DC basis function: DCT of a constant row/column is this times the value
M0SUM = DCT_FLOAT[:, 0, :].sum(axis=1)


def new_scratch():
    m = MAX_BLOCK
    return (np.zeros(4 * m + 1, np.int64), np.zeros(4 * m + 1, np.bool_),
            np.zeros((m, m), np.int64), np.zeros((m, m), np.float64),
            np.zeros((m, m), np.float64), np.zeros((m, m), np.float64),
            np.zeros((m, m), np.int32), np.zeros((m, m), np.int64),
            np.zeros((m, m), np.int64), np.zeros((m, m), np.int64),
            np.zeros((4, m * m), np.float64),
            np.zeros((MAX_DEPTH, m, m), np.int32), np.zeros((MAX_DEPTH, m, m), np.int32),
            np.zeros((m, m), np.float64), np.zeros((m, m), np.float64),
            np.zeros(m, np.float64), np.zeros(m, np.float64), np.zeros(m, np.float64))


@njit(cache=True)
def nb_split(smap, ux, uy, log2s):
    nb = 0
    if ux > 0 and smap[uy, ux - 1] < log2s:
        nb += 1
    if uy > 0 and smap[uy - 1, ux] < log2s:
        nb += 1
    return nb


@njit(cache=True)
def nb_cbf(cbmap, ux, uy):
    nb = 0
    if ux > 0 and cbmap[uy, ux - 1] != 0:
        nb += 1
    if uy > 0 and cbmap[uy - 1, ux] != 0:
        nb += 1
    return nb


@njit(cache=True)
def most_probable_mode(mmap, ux, uy):
    if ux > 0:
        return mmap[uy, ux - 1]
    if uy > 0:
        return mmap[uy - 1, ux]
    return MODE_DC


@njit(cache=True)
def fill_units(m, ux, uy, nu, v):
    h, w = m.shape
    for j in range(uy, min(uy + nu, h)):
        for i in range(ux, min(ux + nu, w)):
            m[j, i] = v


@njit(cache=True)
def _leaf_try(org, rec, cmap, x, y, n, log2n, sc, pt, mode, scl, lam, wd, probs, st, buf,
              cbf0, cbf1, scr):
    """Predict, transform, RDOQ and reconstruct one leaf into rec; returns (nz, D)."""
    ref = scr[0]
    pred = scr[2]
    resid = scr[3]
    coef = scr[4]
    tmpf = scr[5]
    lv = scr[6]
    ci = scr[7]
    ri = scr[8]
    tmpi = scr[9]
    work = scr[10]
    predict(ref, n, log2n, mode, pred)
    for yy in range(n):
        for xx in range(n):
            resid[yy, xx] = org[y + yy, x + xx] - pred[yy, xx]
    fdct2(resid, n, sc, coef, tmpf)
    nz = rdoq(coef, scl, n, log2n, sc, pt, cmap, x, y, probs, lam, wd, cbf0, cbf1, lv, work, st, buf)
    reconstruct(pred, lv, nz, scl, n, sc, rec, x, y, ci, ri, tmpi)
    d = 0.0
    for yy in range(n):
        for xx in range(n):
            e = org[y + yy, x + xx] - rec[y + yy, x + xx]
            d += e * e
    return nz, d * wd


@njit(cache=True)
def _set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2n, mode, nz, lv):
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    nu = n >> LOG2_MIN_BLOCK
    fill_units(smap, ux, uy, nu, log2n)
    fill_units(mmap, ux, uy, nu, mode)
    fill_units(cbmap, ux, uy, nu, 1 if nz else 0)
    for yy in range(n):
        for xx in range(n):
            cmap[y + yy, x + xx] = abs(lv[yy, xx]) if nz else 0


@njit(cache=True)
def _pred_dct(ref, n, log2n, sc, mode, pred, cpred, tmpf, vec, vout):
    """Prediction of `mode` and its DCT (cheap for DC/H/V, whose DCT is one
    coefficient, one row or one column)."""
    predict(ref, n, log2n, mode, pred)
    if mode == MODE_DC or mode == MODE_H or mode == MODE_V:
        for kv in range(n):
            for ku in range(n):
                cpred[kv, ku] = 0.0
        g = M0SUM[sc]
        if mode == MODE_DC:
            cpred[0, 0] = pred[0, 0] * g * g
        elif mode == MODE_V:
            for i in range(n):
                vec[i] = pred[0, i]
            fdct1(vec, n, sc, vout)
            for k in range(n):
                cpred[0, k] = vout[k] * g
        else:
            for i in range(n):
                vec[i] = pred[i, 0]
            fdct1(vec, n, sc, vout)
            for k in range(n):
                cpred[k, 0] = vout[k] * g
    else:
        fdct2(pred, n, sc, cpred, tmpf)


@njit(cache=True)
def _leaf_search(org, rec, cmap, smap, mmap, cbmap, x, y, log2s, depth, pt, ctu_ulog2,
                 scale, lam, wd, probs, st, buf, scr):
    """Try every intra mode for the leaf at (x, y) (distortion in the DCT
    domain), reconstruct the best one into rec and the maps (copies at
    scr[11/12][depth]); returns (J with pixel-domain D, mode, nz)."""
    n = 1 << log2s
    sc = log2s - LOG2_MIN_BLOCK
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    scl = scale[sc]
    ref = scr[0]
    pred = scr[2]
    blk = scr[3]
    coef = scr[4]
    tmpf = scr[5]
    lv = scr[6]
    work = scr[10]
    save_rec = scr[11][depth]
    save_lv = scr[12][depth]
    corg = scr[13]
    cpred = scr[14]
    build_refs(rec, x, y, n, ctu_ulog2, ref, scr[1])
    for yy in range(n):
        for xx in range(n):
            blk[yy, xx] = org[y + yy, x + xx]
    fdct2(blk, n, sc, corg, tmpf)
    mpm = most_probable_mode(mmap, ux, uy)
    cnb = nb_cbf(cbmap, ux, uy)
    cbf0 = cbf_syntax(0, pt, sc, cnb, probs, st, buf, False)
    cbf1 = cbf_syntax(1, pt, sc, cnb, probs, st, buf, False)
    est = scr[15]
    for mode in range(NUM_MODES):
        _pred_dct(ref, n, log2s, sc, mode, pred, cpred, tmpf, scr[16], scr[17])
        j = lam * mode_syntax(mode, mpm, pt, probs, st, buf, False)
        for kv in range(n):
            for ku in range(n):
                c = abs(corg[kv, ku] - cpred[kv, ku])
                s = scl[kv, ku]
                a = c / s
                if a < 0.5:
                    j += wd * c * c
                else:
                    j += wd * s * s * (1.0 / 12.0) + lam * (PROXY_BITS0 + PROXY_BITS1 * np.log2(1.0 + a))
        est[mode] = j
    best = _INF
    best_mode = 0
    best_nz = False
    best_r = 0.0
    for _ in range(min(MODES_FULL_RD, NUM_MODES)):
        mode = 0
        for m in range(1, NUM_MODES):
            if est[m] < est[mode]:
                mode = m
        est[mode] = _INF
        _pred_dct(ref, n, log2s, sc, mode, pred, cpred, tmpf, scr[16], scr[17])
        for kv in range(n):
            for ku in range(n):
                coef[kv, ku] = corg[kv, ku] - cpred[kv, ku]
        nz = rdoq(coef, scl, n, log2s, sc, pt, cmap, x, y, probs, lam, wd, cbf0, cbf1, lv, work,
                  st, buf)
        d = 0.0
        for kv in range(n):
            for ku in range(n):
                e = coef[kv, ku] - lv[kv, ku] * scl[kv, ku]
                d += e * e
        r = mode_syntax(mode, mpm, pt, probs, st, buf, False)
        if nz:
            r += cbf1 + coeff_syntax(lv, n, log2s, sc, pt, cmap, x, y, probs, st, buf, False)
        else:
            r += cbf0
        j = d * wd + lam * r
        if j < best:
            best = j
            best_mode = mode
            best_nz = nz
            best_r = r
            for yy in range(n):
                for xx in range(n):
                    save_lv[yy, xx] = lv[yy, xx]
    predict(ref, n, log2s, best_mode, pred)
    reconstruct(pred, save_lv, best_nz, scl, n, sc, rec, x, y, scr[7], scr[8], scr[9])
    d = 0.0
    for yy in range(n):
        for xx in range(n):
            v = rec[y + yy, x + xx]
            save_rec[yy, xx] = v
            e = org[y + yy, x + xx] - v
            d += e * e
    _set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2s, best_mode, best_nz, save_lv)
    return d * wd + lam * best_r, best_mode, best_nz


@njit(cache=True)
def _restore_leaf(rec, smap, mmap, cbmap, cmap, x, y, log2s, mode, nz, save_rec, save_lv):
    n = 1 << log2s
    for yy in range(n):
        for xx in range(n):
            rec[y + yy, x + xx] = save_rec[yy, xx]
    _set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2s, mode, nz, save_lv)


@njit(cache=True)
def search_ctu(org, rec, cmap, smap, mmap, cbmap, x0, y0, lg, pt, scale, lam, wd, probs, st,
               buf, scr):
    """RD search of one CTU's quadtree (iterative post-order walk: numba's
    cache cannot hold recursive functions).  Leaves the chosen partition and
    modes in smap/mmap and the matching reconstruction in rec."""
    h, w = rec.shape
    ctu_ulog2 = lg - LOG2_MIN_BLOCK
    fx = np.zeros(MAX_DEPTH, np.int64)
    fy = np.zeros(MAX_DEPTH, np.int64)
    fl = np.zeros(MAX_DEPTH, np.int64)
    stage = np.zeros(MAX_DEPTH, np.int64)
    forced = np.zeros(MAX_DEPTH, np.bool_)
    jleaf = np.zeros(MAX_DEPTH)
    jsplit = np.zeros(MAX_DEPTH)
    bmode = np.zeros(MAX_DEPTH, np.int64)
    bnz = np.zeros(MAX_DEPTH, np.bool_)
    d = 0
    fx[0] = x0
    fy[0] = y0
    fl[0] = lg
    stage[0] = 0
    ret = 0.0
    while d >= 0:
        x = fx[d]
        y = fy[d]
        log2s = fl[d]
        n = 1 << log2s
        if stage[d] == 0:
            if x >= w or y >= h:
                ret = 0.0
                d -= 1
                continue
            sc = log2s - LOG2_MIN_BLOCK
            if x + n > w or y + n > h:       # implicit split at the plane border
                forced[d] = True
                jleaf[d] = _INF
                jsplit[d] = 0.0
            else:
                forced[d] = False
                jl, bm, bz = _leaf_search(org, rec, cmap, smap, mmap, cbmap, x, y, log2s, d, pt,
                                          ctu_ulog2, scale, lam, wd, probs, st, buf, scr)
                bmode[d] = bm
                bnz[d] = bz
                if log2s == LOG2_MIN_BLOCK:
                    ret = jl
                    d -= 1
                    continue
                snb = nb_split(smap, x >> LOG2_MIN_BLOCK, y >> LOG2_MIN_BLOCK, log2s)
                jleaf[d] = jl + lam * split_syntax(0, pt, sc, snb, probs, st, buf, False)
                jsplit[d] = lam * split_syntax(1, pt, sc, snb, probs, st, buf, False)
            stage[d] = 1
        else:
            jsplit[d] += ret
            if stage[d] == 4 or (not forced[d] and jsplit[d] >= jleaf[d]):
                if not forced[d] and jleaf[d] <= jsplit[d]:
                    _restore_leaf(rec, smap, mmap, cbmap, cmap, x, y, log2s, bmode[d], bnz[d],
                                  scr[11][d], scr[12][d])
                    ret = jleaf[d]
                else:
                    ret = jsplit[d]
                d -= 1
                continue
            stage[d] += 1
        k = stage[d] - 1
        half = n >> 1
        fx[d + 1] = x + (k & 1) * half
        fy[d + 1] = y + (k >> 1) * half
        fl[d + 1] = log2s - 1
        stage[d + 1] = 0
        d += 1
    return ret


@njit(cache=True)
def write_ctu(org, rec, cmap, smap, mmap, cbmap, x0, y0, lg, pt, scale, lam, wd, probs, st, buf,
              scr):
    """Code the decided quadtree of one CTU with live contexts (pre-order, z-order)."""
    h, w = rec.shape
    ctu_ulog2 = lg - LOG2_MIN_BLOCK
    sx = np.zeros(4 * MAX_DEPTH, np.int64)
    sy = np.zeros(4 * MAX_DEPTH, np.int64)
    sl = np.zeros(4 * MAX_DEPTH, np.int64)
    sp = 1
    sx[0] = x0
    sy[0] = y0
    sl[0] = lg
    lv = scr[6]
    while sp > 0:
        sp -= 1
        x = sx[sp]
        y = sy[sp]
        log2s = sl[sp]
        if x >= w or y >= h:
            continue
        n = 1 << log2s
        ux = x >> LOG2_MIN_BLOCK
        uy = y >> LOG2_MIN_BLOCK
        sc = log2s - LOG2_MIN_BLOCK
        split = x + n > w or y + n > h
        if not split and log2s > LOG2_MIN_BLOCK:
            split = smap[uy, ux] < log2s
            split_syntax(1 if split else 0, pt, sc, nb_split(smap, ux, uy, log2s), probs, st,
                         buf, True)
        if split:
            half = n >> 1
            for k in range(3, -1, -1):
                sx[sp] = x + (k & 1) * half
                sy[sp] = y + (k >> 1) * half
                sl[sp] = log2s - 1
                sp += 1
            continue
        mode = mmap[uy, ux]
        build_refs(rec, x, y, n, ctu_ulog2, scr[0], scr[1])
        mpm = most_probable_mode(mmap, ux, uy)
        cnb = nb_cbf(cbmap, ux, uy)
        cbf0 = cbf_syntax(0, pt, sc, cnb, probs, st, buf, False)
        cbf1 = cbf_syntax(1, pt, sc, cnb, probs, st, buf, False)
        nz, d = _leaf_try(org, rec, cmap, x, y, n, log2s, sc, pt, mode, scale[sc], lam, wd,
                          probs, st, buf, cbf0, cbf1, scr)
        mode_syntax(mode, mpm, pt, probs, st, buf, True)
        cbf_syntax(1 if nz else 0, pt, sc, cnb, probs, st, buf, True)
        if nz:
            coeff_syntax(lv, n, log2s, sc, pt, cmap, x, y, probs, st, buf, True)
        _set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2s, mode, nz, lv)


@njit(cache=True)
def encode_planes(orgs, recs, cmaps, smaps, mmaps, cbmaps, nplanes, ctu_log2, scales, lam, wds,
                  probs, st, buf, scr):
    """Code all CTUs of all planes into the arithmetic coder (st, buf).

    orgs: tuple of 3 float64 planes (padded to multiples of 4; unused planes
    may be dummies), ctu_log2: int64[3], scales: int64[3, sizes, 64, 64],
    wds: float64[3] distortion weights (internal units^2 -> RGB SSE).
    """
    h0, w0 = recs[0].shape
    c0 = 1 << ctu_log2[0]
    rows = (h0 + c0 - 1) // c0
    cols = (w0 + c0 - 1) // c0
    for cy in range(rows):
        for cx in range(cols):
            for p in range(nplanes):
                lg = ctu_log2[p]
                pt = 0 if p == 0 else 1
                x0 = cx << lg
                y0 = cy << lg
                search_ctu(orgs[p], recs[p], cmaps[p], smaps[p], mmaps[p], cbmaps[p], x0, y0, lg,
                           pt, scales[p], lam, wds[p], probs, st, buf, scr)
                write_ctu(orgs[p], recs[p], cmaps[p], smaps[p], mmaps[p], cbmaps[p], x0, y0, lg,
                          pt, scales[p], lam, wds[p], probs, st, buf, scr)
