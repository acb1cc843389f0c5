"""Block transforms shared by encoder and decoder: DST-VII and DCT-II.  A
block uses its size's transform (DST-VII up to 2**LOG2_MAX_DST, DCT-II
above: constants.py says why) or, signalled per block, the other one.

The normative inverse is integer-only (bit-exact on every machine): basis
matrices are round(2**15 * the orthonormal basis), passes are int64 with
rounding shifts.  The encoder's forward transform uses the same matrices in
float32 (their transpose, scaled), so forward and inverse agree to within
the basis rounding (~1e-4 relative), and the encoder's reconstruction
always comes from the integer inverse.
"""
import math

import numpy as np

from .constants import (DCT_BITS, IDCT_MID_FRAC, LOG2_MIN_BLOCK, LOG2_MIN_OTHER_TRANSFORM,
                        LOG2_MAX_DST, MAX_BLOCK, NUM_DST_SIZES, NUM_SIZES, NUM_TRANSFORMS,
                        SAMPLE_MAX, TR_DCT2,
                        TR_DST7)
from .shapes import SHAPE_LH, SHAPE_LW
from ..jit import inline_kernel, kernel


def _dct2_basis(n):
    m = np.zeros((n, n), dtype=np.int64)
    for k in range(n):
        s = math.sqrt((1.0 if k == 0 else 2.0) / n)
        for i in range(n):
            m[k, i] = int(round((1 << DCT_BITS) * s * math.cos(math.pi * (2 * i + 1) * k / (2 * n))))
    return m


def _dst7_basis(n):
    """DST-VII: basis k at sample i is sqrt(4/(2n+1)) sin(pi (2k+1)(i+1) / (2n+1));
    basis 0 rises from the block's first sample (next to the references) to its last."""
    m = np.zeros((n, n), dtype=np.int64)
    s = math.sqrt(4.0 / (2 * n + 1))
    for k in range(n):
        for i in range(n):
            m[k, i] = int(round((1 << DCT_BITS) * s
                                * math.sin(math.pi * (2 * k + 1) * (i + 1) / (2 * n + 1))))
    return m


# BASIS_INT[transform, size_class, k, i]: basis function k of the transform
# (TR_DST7, TR_DCT2) sampled at i (only [:n, :n] used)
BASIS_INT = np.zeros((NUM_TRANSFORMS, NUM_SIZES, MAX_BLOCK, MAX_BLOCK), dtype=np.int64)
for _s in range(NUM_SIZES):
    _n = 1 << (_s + LOG2_MIN_BLOCK)
    BASIS_INT[TR_DST7, _s, :_n, :_n] = _dst7_basis(_n)
    BASIS_INT[TR_DCT2, _s, :_n, :_n] = _dct2_basis(_n)
BASIS_FLOAT = BASIS_INT.astype(np.float64) / (1 << DCT_BITS)
# the forward transform's (float32: twice the vector lanes of float64; its
# products only steer the encoder's decisions)
BASIS_F32 = BASIS_FLOAT.astype(np.float32)
BASIS_F32_T = np.ascontiguousarray(BASIS_F32.transpose(0, 1, 3, 2))

_SHIFT1 = DCT_BITS - IDCT_MID_FRAC
_SHIFT2 = DCT_BITS + IDCT_MID_FRAC


@inline_kernel
def block_transform(sc, other):
    """The transform of a block of size class sc: its size's (DST-VII below
    NUM_DST_SIZES, DCT-II from there), or the other one if other."""
    tr = TR_DST7 if sc < NUM_DST_SIZES else TR_DCT2
    return (TR_DST7 + TR_DCT2 - tr) if other else tr


@inline_kernel
def transform_bin_sent(sc, dep):
    """Whether a coded block of size class sc says which transform it uses
    (format 10: from 2**LOG2_MIN_OTHER_TRANSFORM, without dependent
    quantisation)."""
    return not dep and sc >= LOG2_MIN_OTHER_TRANSFORM - LOG2_MIN_BLOCK


# even / odd halves of the float DCT basis (float32): DCT_EVEN[s, i, k] = basis 2k at i,
# DCT_ODD[s, i, k] = basis 2k+1 at i (i, k < n/2).  Basis k is symmetric
# (even k) or antisymmetric (odd k) about the block centre, also after rounding
# (DST-VII has no such symmetry: it is never folded).
DCT_EVEN = np.ascontiguousarray(BASIS_FLOAT[TR_DCT2, :, 0::2, :MAX_BLOCK // 2].transpose(0, 2, 1),
                                np.float32)
DCT_ODD = np.ascontiguousarray(BASIS_FLOAT[TR_DCT2, :, 1::2, :MAX_BLOCK // 2].transpose(0, 2, 1),
                               np.float32)


@inline_kernel
def _forward_direct(block, w, h, mwt, mh, keep_w, keep_h, out, tmp):
    """The forward transform's direct products of block[:h, :w]: each row
    through mwt (w x w, transposed basis), then each column through mh (h x
    h), only for the frequencies below keep_w horizontally and keep_h
    vertically (zeros in the rest of out[:h, :w]); mwt, mh and tmp (>= h,
    >= keep_w) float32, the products in float32 (1.2-2x faster than with
    float64 bases, 4x4 to 64x64: the conversions kept the loops from
    vectorising)."""
    for y in range(h):
        for k in range(keep_w):
            tmp[y, k] = 0.0
        for x in range(w):
            v = np.float32(block[y, x])
            for k in range(keep_w):
                tmp[y, k] += v * mwt[x, k]
    for kv in range(h):
        for ku in range(w):
            out[kv, ku] = 0.0
    for kv in range(keep_h):
        for y in range(h):
            a = mh[kv, y]
            for ku in range(keep_w):
                out[kv, ku] += a * tmp[y, ku]


@kernel
def fdct2_low(block, n, sc, tr, keep, out, tmp):
    """The forward transform of block[:n, :n] in tr (direct products), only
    for the frequencies below keep in both directions: the encoder's cheap
    look at a large block in a transform whose high frequencies it will not
    code (keep = n: the whole transform)."""
    _forward_direct(block, n, n, BASIS_F32_T[tr, sc], BASIS_F32[tr, sc], keep, keep, out, tmp)


@kernel
def fdct2(block, n, sc, tr, out, tmp, eo):
    """Forward 2-D transform (float; tr: TR_DST7 or TR_DCT2) of
    block[:n,:n] -> out[:n,:n] (rows = vertical frequency); tmp, eo: (>= n,
    >= n) float32 scratch.  DST-VII blocks take the direct products.  For
    the DCT each 1-D pass folds the input into sums and differences of
    mirrored samples (even / odd basis halves: half the multiplies); inner
    loops run over independent outputs so LLVM can vectorise them, in
    float32 (twice the lanes of float64; the result only steers encoder
    decisions: the corpus files came out identical at lambda 362 and within
    0.002 % in J at 22.6, 2-6 % less encode time)."""
    if tr == TR_DST7:            # DST-VII has no folding
        fdct2_low(block, n, sc, tr, n, out, tmp)
        return
    h = n >> 1
    me = DCT_EVEN[sc]
    mo = DCT_ODD[sc]
    # rows: tmp[y, :h] = even horizontal frequencies, tmp[y, h:n] = odd ones
    for y in range(n):
        for k in range(n):
            tmp[y, k] = 0.0
        for i in range(h):
            a = block[y, i]
            b = block[y, n - 1 - i]
            e = np.float32(a + b)
            o = np.float32(a - b)
            for k in range(h):
                tmp[y, k] += e * me[i, k]
                tmp[y, h + k] += o * mo[i, k]
    # columns, on the folded rows
    for i in range(h):
        for c in range(n):
            a = tmp[i, c]
            b = tmp[n - 1 - i, c]
            eo[i, c] = a + b
            eo[h + i, c] = a - b
    # (the rows of tmp are free again: the column sums go there, in float32)
    for k in range(h):
        for c in range(n):
            tmp[2 * k, c] = 0.0
            tmp[2 * k + 1, c] = 0.0
        for i in range(h):
            a = me[i, k]
            b = mo[i, k]
            for c in range(n):
                tmp[2 * k, c] += a * eo[i, c]
                tmp[2 * k + 1, c] += b * eo[h + i, c]
    # columns back to natural frequency order
    for kv in range(n):
        for k in range(h):
            out[kv, 2 * k] = tmp[kv, k]
            out[kv, 2 * k + 1] = tmp[kv, h + k]


# The inverse DCT below folds each pass about the block centre (partial
# butterfly): basis k at n-1-i is (-1)**k times basis k at i, exactly, in the
# rounded integers too (checked here), so even and odd basis functions are
# summed separately over half the samples and the two halves of a row are
# their sum and difference.  The sums are the same integers as the direct
# matrix products, term for term.  DST-VII blocks take the direct products.
for _s in range(NUM_SIZES):
    _n = 1 << (_s + LOG2_MIN_BLOCK)
    _b = BASIS_INT[TR_DCT2, _s, :_n, :_n]
    assert np.array_equal(_b[:, ::-1], _b * np.where(np.arange(_n) % 2 == 0, 1, -1)[:, None])


@inline_kernel
def nonzero_box(coef, n, colany):
    """(rows, cols) of the smallest top-left box of coef[:n,:n] that holds
    every nonzero coefficient; colany: an int64 scratch row of >= n.  From
    OR-reductions that vectorise (a per-coefficient test cost more than the
    transform itself in large sparse blocks)."""
    return nonzero_box_wh(coef, n, n, colany)


@inline_kernel
def nonzero_box_wh(coef, w, h, colany):
    """nonzero_box of coef[:h, :w]."""
    for ku in range(w):
        colany[ku] = 0
    nv = 0
    for kv in range(h):
        crow = coef[kv, :w]
        rowany = np.int64(0)
        for ku in range(w):
            rowany |= crow[ku]
            colany[ku] |= crow[ku]
        if rowany != 0:
            nv = kv + 1
    nu = 0
    for ku in range(w):
        if colany[ku] != 0:
            nu = ku + 1
    return nv, nu


@inline_kernel
def _idct_columns(coef, nv, nu, n, m, tmp, acc):
    """First pass, per coefficient column ku < nu: tmp[ku, y] = (sum over
    kv < nv of m[kv, y] * coef[kv, ku] + rounding) >> _SHIFT1 for y < n
    (tmp holds the columns transposed, so the loops run along y, n/2 long).
    Folded: even kv summed in ce, odd kv in co (acc's rows); the samples at
    y and n-1-y are their sum and difference."""
    r1 = np.int64(1) << (_SHIFT1 - 1)
    h = n >> 1
    ce = acc[0, :h]
    co = acc[1, :h]
    for ku in range(nu):
        for y in range(h):
            ce[y] = 0
            co[y] = 0
        for kv in range(0, nv, 2):
            a = coef[kv, ku]
            mrow = m[kv, :h]
            for y in range(h):
                ce[y] += a * mrow[y]
        for kv in range(1, nv, 2):
            a = coef[kv, ku]
            mrow = m[kv, :h]
            for y in range(h):
                co[y] += a * mrow[y]
        t = tmp[ku, :n]
        for y in range(h):
            t[y] = (ce[y] + co[y] + r1) >> _SHIFT1
            t[n - 1 - y] = (ce[y] - co[y] + r1) >> _SHIFT1


@inline_kernel
def _idct_row_halves(tmp, y, nu, h, m, se, so):
    """Second pass over row y (nu >= 2), before rounding: se[x] = the
    even-frequency sum and so[x] the odd one at x < h (the sample at x is
    se + so, the one at n-1-x is se - so).  The first even and odd terms
    initialise the sums (no separate clearing pass)."""
    a = tmp[0, y]
    b = tmp[1, y]
    m0 = m[0, :h]
    m1 = m[1, :h]
    for x in range(h):
        se[x] = a * m0[x]
        so[x] = b * m1[x]
    for ku in range(2, nu, 2):
        a = tmp[ku, y]
        mrow = m[ku, :h]
        for x in range(h):
            se[x] += a * mrow[x]
    for ku in range(3, nu, 2):
        a = tmp[ku, y]
        mrow = m[ku, :h]
        for x in range(h):
            so[x] += a * mrow[x]


@inline_kernel
def _mac_rows(acc, m, w, cnt, n, rnd):
    """acc[x] = rnd + sum over k < cnt of w[k] * m[k, x], x < n: one pass of
    the unfolded (DST-VII) inverse for one output line."""
    for x in range(n):
        acc[x] = rnd
    for k in range(cnt):
        a = w[k]
        mrow = m[k, :n]
        for x in range(n):
            acc[x] += a * mrow[x]


@inline_kernel
def _direct_inverse(coef, nv, nu, n, m, tmp, row, out, x0, y0, pred, add):
    """The two passes without folding (DST-VII), from the nonzero box
    coef[:nv, :nu]: tmp[ku, y] = (sum over kv of m[kv, y] * coef[kv, ku] +
    rounding) >> _SHIFT1, then each row's residual (its sum over ku of
    tmp[ku, y] * m[ku, x], rounded) into out[y0+y, x0:x0+n]: added to pred
    and clipped (add) or as is; row: int64 scratch of >= n."""
    _direct_inverse_wh(coef, nv, nu, n, n, m, m, tmp, row, out, x0, y0, pred, add)


@inline_kernel
def _direct_inverse_wh(coef, nv, nu, w, h, mw, mh, tmp, row, out, x0, y0, pred, add):
    """_direct_inverse of a w x h block: the columns through basis mh (h
    samples), the rows through mw (w samples)."""
    r1 = np.int64(1) << (_SHIFT1 - 1)
    r2 = np.int64(1) << (_SHIFT2 - 1)
    for ku in range(nu):
        t = tmp[ku, :h]
        _mac_rows(t, mh, coef[:, ku], nv, h, r1)
        for y in range(h):
            t[y] >>= _SHIFT1
    for y in range(h):
        _mac_rows(row, mw, tmp[:, y], nu, w, r2)
        orow = out[y0 + y, x0:x0 + w]
        if add:
            p = pred[y, :w]
            for x in range(w):
                orow[x] = min(max(p[x] + (row[x] >> _SHIFT2), 0), SAMPLE_MAX)
        else:
            for x in range(w):
                orow[x] = row[x] >> _SHIFT2


@inline_kernel
def side_transform(lg):
    """The 1-D transform along a split half's side of 2**lg samples (format
    13): DST-VII up to 2**LOG2_MAX_DST, DCT-II above, as for squares."""
    return TR_DST7 if lg <= LOG2_MAX_DST else TR_DCT2


@kernel
def add_inverse_half(coef, nv, nu, sc, pred, rec, x0, y0, tmp, acc):
    """add_inverse for a split half of shape class sc (normative): the
    direct two-pass products, each side in its side_transform."""
    lw = SHAPE_LW[sc]
    lh = SHAPE_LH[sc]
    mw = BASIS_INT[side_transform(lw), lw - LOG2_MIN_BLOCK]
    mh = BASIS_INT[side_transform(lh), lh - LOG2_MIN_BLOCK]
    _direct_inverse_wh(coef, nv, nu, 1 << lw, 1 << lh, mw, mh, tmp, acc[0, :1 << lw], rec, x0,
                       y0, pred, True)


@kernel
def fdct_half(block, sc, out, tmp):
    """Forward transform (float32 direct products) of a split half of shape
    class sc: block[:h, :w] -> out[:h, :w], each side in its
    side_transform; tmp: (>= h, >= w) float32."""
    lw = SHAPE_LW[sc]
    lh = SHAPE_LH[sc]
    _forward_direct(block, 1 << lw, 1 << lh, BASIS_F32_T[side_transform(lw), lw - LOG2_MIN_BLOCK],
                    BASIS_F32[side_transform(lh), lh - LOG2_MIN_BLOCK], 1 << lw, 1 << lh, out,
                    tmp)


@kernel
def idct2_int(coef, n, sc, tr, out, tmp, acc):
    """Normative integer inverse transform: coef[:n,:n] (int64) -> out[:n,:n]
    (int64 residual) of transform tr (TR_DST7, TR_DCT2); tmp: >= n x n,
    acc: >= 2 x n int64 scratch.  Integer
    sums are exact, so skipping zero rows/columns and folding the passes
    change nothing: the result is the direct two-pass matrix product with a
    rounding shift after each pass.  (Blocks are reconstructed by
    add_inverse, the same passes added to the prediction; this form is the
    definition the tests hold them to.)"""
    nv, nu = nonzero_box(coef, n, out[n - 1, :n])
    if nu == 0:
        for y in range(n):
            orow = out[y, :n]
            for x in range(n):
                orow[x] = 0
        return
    m = BASIS_INT[tr, sc]
    if tr == TR_DST7:
        _direct_inverse(coef, nv, nu, n, m, tmp, acc[0, :n], out, 0, 0, out, False)
        return
    h = n >> 1
    _idct_columns(coef, nv, nu, n, m, tmp, acc)
    r2 = np.int64(1) << (_SHIFT2 - 1)
    se = acc[0, :h]
    so = acc[1, :h]
    for y in range(n):
        orow = out[y, :n]
        if nu == 1:
            r = (tmp[0, y] * m[0, 0] + r2) >> _SHIFT2
            for x in range(n):
                orow[x] = r
            continue
        _idct_row_halves(tmp, y, nu, h, m, se, so)
        for x in range(h):
            orow[x] = (se[x] + so[x] + r2) >> _SHIFT2
            orow[n - 1 - x] = (se[x] - so[x] + r2) >> _SHIFT2


@kernel
def add_inverse(coef, nv, nu, n, sc, tr, pred, rec, x0, y0, tmp, acc):
    """rec[y0:y0+n, x0:x0+n] = clip(pred + inverse transform of coef[:n,:n])
    whose nonzero coefficients all lie in coef[:nv, :nu] (nu >= 1): idct2_int's
    sums (exact in any order) with the residual added as each row is
    finished (no residual block is written and read back).  acc: int64 scratch of 2 rows of >= n;
    tmp: >= n x n int64.
    (An inlined copy per block size up to 16, n constant, made the short
    loops of 4x4 and 8x8 blocks vectorise: add_inverse -9 %, about 2 % of a
    transparent decode, but numba 0.53 in the CLIC 2019 runtime then took
    28 s longer to compile the decoder, 61 s instead of 33; not kept.)"""
    m = BASIS_INT[tr, sc]
    if tr == TR_DST7:
        _direct_inverse(coef, nv, nu, n, m, tmp, acc[0, :n], rec, x0, y0, pred, True)
        return
    r2 = np.int64(1) << (_SHIFT2 - 1)
    _idct_columns(coef, nv, nu, n, m, tmp, acc)
    row = acc[0, :n]
    for y in range(n):
        orow = rec[y0 + y, x0:x0 + n]
        p = pred[y, :n]
        if nu == 1:
            # one horizontal frequency: basis 0 is flat, the row's residual is one value
            r = (tmp[0, y] * m[0, 0] + r2) >> _SHIFT2
            for x in range(n):
                orow[x] = min(max(p[x] + r, 0), SAMPLE_MAX)
            continue
        # the second pass along the whole row, not folded into even / odd
        # halves: twice the multiply-adds, but every loop runs forwards over
        # contiguous rows and vectorises, where the folded form stored half
        # the row backwards (tools.decode_ab on the corpus, 5 rounds: 0.990
        # to 1.001 of the folded form's decode time: as fast, shorter)
        _mac_rows(row, m, tmp[:, y], nu, n, r2)
        for x in range(n):
            orow[x] = min(max(p[x] + (row[x] >> _SHIFT2), 0), SAMPLE_MAX)
