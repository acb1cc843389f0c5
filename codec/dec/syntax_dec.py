"""Decoder side of the block syntax; mirror of enc_syntax.py.

Out-of-range values (too long Exp-Golomb prefixes, levels beyond
MAX_ABS_LEVEL) set the decoder's sticky ST_ERR flag and return a safe value,
so the caller can stop at the next check without reading out of bounds.
"""

import numpy as np

from .arith_dec import (ST_ERR, bit_local, bypass_local, dec_bit, dec_bypass, dec_bypass_bits,
                        load_local, store_local)
from ..common.constants import (BT_HORIZONTAL, BT_VERTICAL, CFL_SIDE_LEFT, CFL_SIDE_TOP, EO_CLASSES, EO_DIRS, EO_OFFSET_BITS,
                                MAX_ABS_LEVEL, MODE_CCCM, MODE_CFL, RESTORE_COEF_BITS,
                                RESTORE_COEF_MIN)
from ..common.contexts import (EG_MAX_PREFIX, NUM_RATE_GROUPS, REM_PREFIX_MAX, coloc_count_mask,
                               ctx_bt, ctx_cbf, ctx_cccm, ctx_cfl, ctx_cfl2, ctx_cfl_side, ctx_edge,
                               ctx_gt1, ctx_gt2, ctx_last_bit, ctx_last_cls, ctx_mode, ctx_qdelta,
                               ctx_cross, ctx_quarters, ctx_restore, ctx_sig, ctx_split, ctx_ternary, ctx_transform,
                               nb_nonzero,
                               rice_param, template_padded)
from ..jit import kernel
from ..common.probmodel import DEFAULT_RATE_INDEX, RATE_INDEX_BITS
from ..common.quant import DEPQ_NEXT, depq_level, depq_qset
from ..common.scan import SCAN_X, SCAN_Y
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_LH, SHAPE_LW, SHAPE_W


@kernel
def dec_split(pt, sc, nb, probs, st, buf):
    return dec_bit(st, buf, probs, ctx_split(pt, sc, nb))


@kernel
def dec_bt(sc, nb, probs, st, buf):
    """syntax_enc.bt_syntax: 0, BT_HORIZONTAL or BT_VERTICAL."""
    if not dec_bit(st, buf, probs, ctx_bt(sc, 0, nb)):
        return 0
    return BT_VERTICAL if dec_bit(st, buf, probs, ctx_bt(sc, 1, nb)) else BT_HORIZONTAL


@kernel
def dec_ternary(log2s, probs, st, buf):
    """syntax_enc.ternary_syntax."""
    return dec_bit(st, buf, probs, ctx_ternary(log2s))


@kernel
def dec_quarters(log2s, probs, st, buf):
    """syntax_enc.quarters_syntax."""
    return dec_bit(st, buf, probs, ctx_quarters(log2s))


@kernel
def dec_cross(quarter, log2s, probs, st, buf):
    """syntax_enc.cross_syntax."""
    return dec_bit(st, buf, probs, ctx_cross(quarter, log2s))


@kernel
def dec_mode(mpm, pt, probs, st, buf):
    if dec_bit(st, buf, probs, ctx_mode(pt, 0)):
        if dec_bit(st, buf, probs, ctx_mode(pt, 1)) == 0:
            return mpm[0]
        return mpm[2] if dec_bit(st, buf, probs, ctx_mode(pt, 2)) else mpm[1]
    mode = dec_bypass_bits(st, buf, 5)
    # rank among the non-MPM modes -> mode: step over the MPMs in ascending order
    a = mpm[0]
    b = mpm[1]
    c = mpm[2]
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    if mode >= a:
        mode += 1
    if mode >= b:
        mode += 1
    if mode >= c:
        mode += 1
    return mode


@kernel
def dec_any_mode(mpm, pt, cflnb, probs, st, buf):
    if pt != 0 and dec_bit(st, buf, probs, ctx_cfl(cflnb)):
        if dec_bit(st, buf, probs, ctx_cccm()):
            return MODE_CCCM
        two = dec_bit(st, buf, probs, ctx_cfl2())
        side = 0
        if dec_bit(st, buf, probs, ctx_cfl_side(0)):
            side = CFL_SIDE_TOP if dec_bit(st, buf, probs, ctx_cfl_side(1)) else CFL_SIDE_LEFT
        return MODE_CFL + 2 * side + two
    return dec_mode(mpm, pt, probs, st, buf)


@kernel
def dec_cbf(pt, sc, nb, probs, st, buf):
    return dec_bit(st, buf, probs, ctx_cbf(pt, sc, nb))


@kernel
def dec_transform(pt, sc, probs, st, buf):
    """1: the coded block uses the other transform (enc: transform_syntax)."""
    return dec_bit(st, buf, probs, ctx_transform(pt, sc))


@kernel
def dec_last(pt, sc, probs, st, buf):
    """The last position's scan index in a block of shape class sc."""
    cc = SHAPE_CC[sc]
    cls = 0
    for b in range(SHAPE_LW[sc] + SHAPE_LH[sc]):
        if dec_bit(st, buf, probs, ctx_last_cls(pt, cc, b)):
            cls += 1
        else:
            break
    if cls < 2:
        return cls
    v = (1 << (cls - 1)) | (dec_bit(st, buf, probs, ctx_last_bit(pt, cc, cls)) << (cls - 2))
    if cls > 2:
        v |= dec_bypass_bits(st, buf, cls - 2)
    return v


@kernel
def dec_remainder(k, st, buf):
    q = 0
    while q < REM_PREFIX_MAX and dec_bypass(st, buf) == 1:
        q += 1
    if q < REM_PREFIX_MAX:
        return (q << k) + dec_bypass_bits(st, buf, k)
    g = k + 1
    v = 0
    while dec_bypass(st, buf) == 1:
        v += 1 << g
        g += 1
        if g > EG_MAX_PREFIX:
            st[ST_ERR] = 1
            return 0
    return (REM_PREFIX_MAX << k) + v + dec_bypass_bits(st, buf, g)


@kernel
def dec_coeffs(lv, ci, scl, n, log2n, sc, pt, cmap, bx, by, probs, st, buf, dep):
    """Put the levels of a block whose cbf is 1 in lv[:n,:n] and their
    dequantised coefficients (quant.dequantise's values, from the same
    reverse-scan walk) in ci[:n,:n]; lv and ci must be zero there on entry
    (the caller clears what it used: clear_box).  Returns (rows, cols) of a
    top-left box that holds every nonzero level.  dep: dependent
    quantisation, whose state selects the significance contexts and the
    quantiser."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    cc = SHAPE_CC[sc]
    nv = 0
    nu = 0
    last = dec_last(pt, sc, probs, st, buf)
    code, rng, pos = load_local(st)         # the range decoder in registers (arith_dec)
    s = 0
    for i in range(last, -1, -1):
        x = sx[i]
        y = sy[i]
        tsum, tnz, full = template_padded(lv, x, y)
        if i < last:
            c = coloc_count_mask(cmap, bx, by, w, h, x, y)
            qset = depq_qset(s) if dep else 0
            sig, code, rng, pos = bit_local(code, rng, pos, buf, probs,
                                            ctx_sig(pt, cc, x + y, tsum, c, qset))
            if sig == 0:
                s = DEPQ_NEXT[s, 0]
                continue
        d = x + y
        a = 1
        gt1, code, rng, pos = bit_local(code, rng, pos, buf, probs, ctx_gt1(pt, d, tsum, tnz))
        if gt1:
            a = 2
            gt2, code, rng, pos = bit_local(code, rng, pos, buf, probs,
                                            ctx_gt2(pt, d, tsum, tnz))
            if gt2:
                store_local(st, code, rng, pos)
                a = 3 + dec_remainder(rice_param(full), st, buf)
                code, rng, pos = load_local(st)
                if a > MAX_ABS_LEVEL:
                    st[ST_ERR] = 1
                    a = MAX_ABS_LEVEL
        neg, code, rng, pos = bypass_local(code, rng, pos, buf)
        k = -a if neg else a
        nv = max(nv, y + 1)
        nu = max(nu, x + 1)
        ux = np.uint64(x)   # never negative: no wrap-around handling
        uy = np.uint64(y)
        lv[uy, ux] = k
        if dep:
            ci[uy, ux] = depq_level(k, s) * scl[uy, ux]
        else:
            ci[uy, ux] = k * scl[uy, ux]
        s = DEPQ_NEXT[s, a & 1]
    store_local(st, code, rng, pos)
    return nv, nu


@kernel
def clear_box(lv, ci, nv, nu):
    """Zero lv[:nv, :nu] and ci[:nv, :nu]: what dec_coeffs wrote, so the
    next block starts from zeros without clearing a whole n x n block."""
    for y in range(nv):
        lrow = lv[y, :nu]
        crow = ci[y, :nu]
        for x in range(nu):
            lrow[x] = 0
            crow[x] = 0


@kernel
def dec_qdelta(probs, st, buf):
    """Mirror of enc_syntax.qdelta_syntax; an Exp-Golomb prefix beyond
    EG_MAX_PREFIX sets the error flag (the caller range-checks the result)."""
    if dec_bit(st, buf, probs, ctx_qdelta(0)) == 0:
        return 0
    neg = dec_bypass(st, buf)
    a = 1
    if dec_bit(st, buf, probs, ctx_qdelta(1)):
        a = 2
        if dec_bit(st, buf, probs, ctx_qdelta(2)):
            g = 0
            while dec_bypass(st, buf) == 1:
                g += 1
                if g > EG_MAX_PREFIX:
                    st[ST_ERR] = 1
                    return 0
            a = 3 + (1 << g) - 1 + dec_bypass_bits(st, buf, g)
    return -a if neg else a


@kernel
def dec_restore(pt, coefs, flags, probs, st, buf):
    """Mirror of enc_syntax.restore_syntax; returns the plane's on flag."""
    if dec_bit(st, buf, probs, ctx_restore(pt, 0)) == 0:
        return 0
    for k in range(coefs.shape[0]):
        coefs[k] = dec_bypass_bits(st, buf, RESTORE_COEF_BITS) + RESTORE_COEF_MIN
    if dec_bit(st, buf, probs, ctx_restore(pt, 1)) == 0:
        flags[:, :] = 1
        return 1
    for cy in range(flags.shape[0]):
        for cx in range(flags.shape[1]):
            flags[cy, cx] = dec_bit(st, buf, probs, ctx_restore(pt, 2 + nb_nonzero(flags, cx, cy)))
    return 1


@kernel
def dec_edge_offset(pt, mags, choice, probs, st, buf):
    """Mirror of enc_syntax.edge_offset_syntax; returns the plane's on flag.
    mags (EO_DIRS, EO_CLASSES) and choice (the CTU map) arrive zeroed; a
    direction outside the mask keeps zero offsets, so any CTU direction is
    valid."""
    if dec_bit(st, buf, probs, ctx_edge(pt, 0)) == 0:
        return 0
    mask = dec_bypass_bits(st, buf, EO_DIRS)
    for d in range(EO_DIRS):
        if mask >> d & 1:
            for k in range(EO_CLASSES):
                mags[d, k] = dec_bypass_bits(st, buf, EO_OFFSET_BITS)
    for cy in range(choice.shape[0]):
        for cx in range(choice.shape[1]):
            if dec_bit(st, buf, probs, ctx_edge(pt, 1 + nb_nonzero(choice, cx, cy))):
                b0 = dec_bit(st, buf, probs, ctx_edge(pt, 4))
                choice[cy, cx] = 1 + 2 * b0 + dec_bit(st, buf, probs, ctx_edge(pt, 5 + b0))
    return 1


def dec_rates(st, buf):
    """The context groups' rate indices at the start of the payload: a flag,
    then (if set) an index per group; any value is valid (every index names
    a shift pair)."""
    if dec_bypass(st, buf) == 0:
        return np.full(NUM_RATE_GROUPS, DEFAULT_RATE_INDEX, np.int64)
    return np.array([dec_bypass_bits(st, buf, RATE_INDEX_BITS) for _ in range(NUM_RATE_GROUPS)],
                    np.int64)
