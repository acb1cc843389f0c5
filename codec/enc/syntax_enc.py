"""Encoder side of the block syntax: each function either estimates the bits
(write=False: contexts read, not changed) or codes them (write=True).
Keeping cost and write in one function makes the RD estimates follow the
syntax exactly.  The decoder mirror is dec/syntax_dec.py.

The bits written are accounted per plane type and syntax category (not part
of the format; EncodeResult.bits, tools/bits_report.py): the coder keeps
the code length of each context's bins and of the bypass bins of each slot
this module names, and `bits_by_category` adds them up by category.
"""
import numpy as np

from .arith_enc import BIT_UNIT, accounted, enc_bit, enc_bypass, enc_bypass_bits, enc_bypass_slot
from ..common.constants import (BT_VERTICAL, CFL_SIDE_TOP, EO_CLASSES, EO_DIRS, EO_OFFSET_BITS, MAX_ABS_LEVEL,
                                MODE_CCCM, MODE_CFL, NUM_CFL_MODES, NUM_MPM, RESTORE_COEF_BITS,
                                RESTORE_COEF_MIN)
from ..common.contexts import (CTX_CBF, CTX_CFL, CTX_GT1, CTX_GT2, CTX_LAST_BIT, CTX_LAST_CLS,
                               CTX_CCCM, CTX_EDGE, CTX_MODE, CTX_QDELTA, CTX_RESTORE, CTX_SIG,
                               CTX_BT, CTX_SPLIT, CTX_TRANSFORM, NPT, NUM_CTX, REM_PREFIX_MAX, bit_length,
                               coloc_count, ctx_bt, ctx_cbf, ctx_cccm, ctx_cfl, ctx_cfl2, ctx_cfl_side,
                               ctx_edge, ctx_gt1, ctx_gt2, ctx_last_bit, ctx_last_cls, ctx_mode,
                               ctx_cross, ctx_qdelta, ctx_quarters, ctx_restore, ctx_sig, ctx_split, ctx_ternary,
                               ctx_transform,
                               nb_nonzero, rice_param, template_wh)
from ..jit import inline_kernel, kernel
from ..common.probmodel import RATE_INDEX_BITS, bit_cost
from ..common.quant import DEPQ_NEXT, depq_qset
from ..common.scan import SCAN_X, SCAN_Y
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_LH, SHAPE_LW, SHAPE_W


# --- bit accounting -------------------------------------------------------------
CAT_NAMES = ("split", "mode", "cbf", "last", "sig", "gt1/gt2", "remainder", "sign", "restore",
             "delta q", "rates", "transform", "edge offset")
(CAT_SPLIT, CAT_MODE, CAT_CBF, CAT_LAST, CAT_SIG, CAT_GT, CAT_REM, CAT_SIGN, CAT_RESTORE,
 CAT_QDELTA, CAT_RATES, CAT_TRANSFORM, CAT_EDGE) = range(len(CAT_NAMES))
NUM_CATS = len(CAT_NAMES)
# accounting slots: one per context, then the bypass bins' (pt * NUM_CATS + category)
BYPASS_SLOTS = NUM_CTX
BILL_SLOTS = BYPASS_SLOTS + NPT * NUM_CATS


def _category_table():
    """pt * NUM_CATS + category of every context."""
    t = np.zeros(NUM_CTX, np.int64)
    blocks = ((CTX_SPLIT, CTX_MODE, CAT_SPLIT), (CTX_MODE, CTX_CBF, CAT_MODE),
              (CTX_CBF, CTX_LAST_CLS, CAT_CBF), (CTX_LAST_CLS, CTX_LAST_BIT, CAT_LAST),
              (CTX_LAST_BIT, CTX_SIG, CAT_LAST), (CTX_SIG, CTX_GT1, CAT_SIG),
              (CTX_GT1, CTX_GT2, CAT_GT), (CTX_GT2, CTX_CFL, CAT_GT),
              (CTX_RESTORE, CTX_QDELTA, CAT_RESTORE), (CTX_TRANSFORM, CTX_EDGE, CAT_TRANSFORM),
              (CTX_EDGE, CTX_BT, CAT_EDGE))
    for a, b, cat in blocks:            # each block holds the luma half, then chroma
        half = (b - a) // NPT
        t[a:a + half] = cat
        t[a + half:b] = NUM_CATS + cat
    t[CTX_CFL:CTX_RESTORE] = NUM_CATS + CAT_MODE     # chroma only
    t[CTX_QDELTA:CTX_CCCM] = CAT_QDELTA              # luma only
    t[CTX_CCCM] = NUM_CATS + CAT_MODE
    t[CTX_BT:NUM_CTX] = CAT_SPLIT                    # luma only
    return t


CTX_CATEGORY = _category_table()


def bits_by_category(st):
    """{"luma sig": bits, ...}: the ideal code length of what st has coded so
    far, per plane type and syntax category (within a few bytes of the
    payload size: the coder's flush and rounding are not included)."""
    slots = accounted(st)
    units = np.zeros(NPT * NUM_CATS, np.int64)
    np.add.at(units, CTX_CATEGORY, slots[:NUM_CTX])
    units += slots[BYPASS_SLOTS:BILL_SLOTS]
    return {f"{plane} {name}": units[pt * NUM_CATS + c] / BIT_UNIT
            for pt, plane in enumerate(("luma", "chroma")) for c, name in enumerate(CAT_NAMES)}


@inline_kernel
def cat_slot(pt, cat):
    """The accounting slot of bypass bins of category cat in plane type pt."""
    return BYPASS_SLOTS + pt * NUM_CATS + cat


@inline_kernel
def sym(probs, ctx, bit, st, buf, write):
    if write:
        enc_bit(st, buf, probs, ctx, bit)
        return 0.0
    return bit_cost(probs, ctx, bit)


@inline_kernel
def bypass(value, nbits, slot, st, buf, write):
    """nbits equiprobable bins, accounted to `slot` (cat_slot)."""
    if write:
        enc_bypass_slot(st, slot)
        enc_bypass_bits(st, buf, value, nbits)
    return float(nbits)


@inline_kernel
def split_syntax(split, pt, sc, nb, probs, st, buf, write):
    return sym(probs, ctx_split(pt, sc, nb), split, st, buf, write)


@inline_kernel
def bt_syntax(bt, sc, nb, probs, st, buf, write):
    """A luma node of size class sc >= 1 not split in four (format 13): 0 =
    a leaf, constants.BT_HORIZONTAL / BT_VERTICAL = split in two halves."""
    bits = sym(probs, ctx_bt(sc, 0, nb), 1 if bt else 0, st, buf, write)
    if bt:
        bits += sym(probs, ctx_bt(sc, 1, nb), 1 if bt == BT_VERTICAL else 0, st, buf, write)
    return bits


@inline_kernel
def ternary_syntax(ternary, log2s, probs, st, buf, write):
    """After bt_syntax's direction, in a node of 2**log2s >= 16 (format 16):
    1 = split in three (a quarter, a half, a quarter) instead of two."""
    return sym(probs, ctx_ternary(log2s), ternary, st, buf, write)


@inline_kernel
def quarters_syntax(quartered, log2s, probs, st, buf, write):
    """Before each half of a node of 2**log2s >= 16 split in two (format 16):
    1 = the half is split again along its long side into two quarters."""
    return sym(probs, ctx_quarters(log2s), quartered, st, buf, write)


@inline_kernel
def cross_syntax(crossed, quarter, log2s, probs, st, buf, write):
    """A part of a luma node of 2**log2s >= 16 split in two or three (a half
    or the middle; quarter: a quarter), not split along: 1 = split across
    its long side in two (format 17)."""
    return sym(probs, ctx_cross(quarter, log2s), crossed, st, buf, write)


@kernel
def mode_syntax(mode, mpm, pt, probs, st, buf, write):
    """Intra mode: MPM flag; MPM index (truncated unary, 2 context bins) or the
    rank of the mode among the 32 non-MPM modes (5 bypass bits)."""
    for i in range(NUM_MPM):
        if mpm[i] == mode:
            bits = sym(probs, ctx_mode(pt, 0), 1, st, buf, write)
            bits += sym(probs, ctx_mode(pt, 1), 1 if i > 0 else 0, st, buf, write)
            if i > 0:
                bits += sym(probs, ctx_mode(pt, 2), 1 if i > 1 else 0, st, buf, write)
            return bits
    bits = sym(probs, ctx_mode(pt, 0), 0, st, buf, write)
    r = mode
    for i in range(NUM_MPM):
        if mpm[i] < mode:
            r -= 1
    return bits + bypass(r, 5, cat_slot(pt, CAT_MODE), st, buf, write)


@inline_kernel
def cfl_mode_bits(k, cflnb, probs):
    """The bits of chroma-from-luma mode MODE_CFL + k, summed in the order
    any_mode_syntax codes them."""
    if k == MODE_CCCM - MODE_CFL:
        return bit_cost(probs, ctx_cfl(cflnb), 1) + bit_cost(probs, ctx_cccm(), 1)
    side = k >> 1
    bits = (bit_cost(probs, ctx_cfl(cflnb), 1) + bit_cost(probs, ctx_cccm(), 0)
            + bit_cost(probs, ctx_cfl2(), k & 1)
            + bit_cost(probs, ctx_cfl_side(0), int(side != 0)))
    if side != 0:
        bits += bit_cost(probs, ctx_cfl_side(1), int(side == CFL_SIDE_TOP))
    return bits


@kernel
def mode_bits_table(mpm, pt, cflnb, probs, out):
    """out[m] = the bits any_mode_syntax would spend on mode m (every slot,
    CfL included for chroma): one table per leaf instead of a syntax walk per
    candidate mode in the mode search."""
    f1 = bit_cost(probs, ctx_mode(pt, 0), 1)
    i1 = f1 + bit_cost(probs, ctx_mode(pt, 1), 1)
    base = 0.0
    for k in range(NUM_CFL_MODES):
        out[MODE_CFL + k] = 0.0
    if pt != 0:
        base = bit_cost(probs, ctx_cfl(cflnb), 0)
        for k in range(NUM_CFL_MODES):
            out[MODE_CFL + k] = cfl_mode_bits(k, cflnb, probs)
    # same summation order as any_mode_syntax, so the values are identical
    other = base + (bit_cost(probs, ctx_mode(pt, 0), 0) + 5.0)
    for m in range(MODE_CFL):
        out[m] = other
    out[mpm[2]] = base + (i1 + bit_cost(probs, ctx_mode(pt, 2), 1))
    out[mpm[1]] = base + (i1 + bit_cost(probs, ctx_mode(pt, 2), 0))
    out[mpm[0]] = base + (f1 + bit_cost(probs, ctx_mode(pt, 1), 0))


@kernel
def any_mode_syntax(mode, mpm, pt, cflnb, probs, st, buf, write):
    """Chroma first says whether the block is chroma-from-luma (context from
    the left/top chroma leaves), then codes a regular mode if not."""
    if pt == 0:
        return mode_syntax(mode, mpm, pt, probs, st, buf, write)
    if mode >= MODE_CFL:
        k = np.int64(mode) - MODE_CFL       # mode may come from an int8 map: widen first
        if k == MODE_CCCM - MODE_CFL:
            return (sym(probs, ctx_cfl(cflnb), 1, st, buf, write)
                    + sym(probs, ctx_cccm(), 1, st, buf, write))
        side = k >> 1
        bits = (sym(probs, ctx_cfl(cflnb), 1, st, buf, write)
                + sym(probs, ctx_cccm(), 0, st, buf, write)
                + sym(probs, ctx_cfl2(), k & 1, st, buf, write)
                + sym(probs, ctx_cfl_side(0), int(side != 0), st, buf, write))
        if side != 0:
            bits += sym(probs, ctx_cfl_side(1), int(side == CFL_SIDE_TOP), st, buf, write)
        return bits
    return sym(probs, ctx_cfl(cflnb), 0, st, buf, write) + mode_syntax(mode, mpm, pt, probs, st,
                                                                       buf, write)


@inline_kernel
def cbf_syntax(cbf, pt, sc, nb, probs, st, buf, write):
    return sym(probs, ctx_cbf(pt, sc, nb), cbf, st, buf, write)


@kernel
def transform_syntax(other, pt, sc, probs, st, buf, write):
    """A coded block's transform: its size's (0) or the other one (1); sent
    after cbf = 1 where transform.transform_bin_sent."""
    return sym(probs, ctx_transform(pt, sc), other, st, buf, write)


@kernel
def last_syntax(last, pt, sc, log2n, probs, st, buf, write):
    """Scan index of the last nonzero level: its bit length in truncated unary
    (contexts per bin), the bit below the MSB with a context, the rest bypass."""
    cls = bit_length(last)
    maxcls = SHAPE_LW[sc] + SHAPE_LH[sc]     # (squares: 2 log2n)
    cc = SHAPE_CC[sc]
    bits = 0.0
    for b in range(maxcls):
        bit = 1 if cls > b else 0
        bits += sym(probs, ctx_last_cls(pt, cc, b), bit, st, buf, write)
        if bit == 0:
            break
    if cls >= 2:
        bits += sym(probs, ctx_last_bit(pt, cc, cls), (last >> (cls - 2)) & 1, st, buf, write)
        if cls > 2:
            bits += bypass(last, cls - 2, cat_slot(pt, CAT_LAST), st, buf, write)
    return bits


@kernel
def last_bits_table(pt, sc, log2n, costs, lc):
    """Per-block table for last_bits: lc[c] the truncated-unary bits of bit
    length c, lc[16 + c] / lc[32 + c] the bits below the MSB when the next bit
    is 0 / 1 (the quantisers price every candidate last position)."""
    maxcls = SHAPE_LW[sc] + SHAPE_LH[sc]
    cc = SHAPE_CC[sc]
    acc = 0.0
    for c in range(maxcls + 1):
        lc[c] = acc + (costs[ctx_last_cls(pt, cc, c), 0] if c < maxcls else 0.0)
        acc += costs[ctx_last_cls(pt, cc, c), 1] if c < maxcls else 0.0
        if c >= 2:
            lc[16 + c] = costs[ctx_last_bit(pt, cc, c), 0] + (c - 2)
            lc[32 + c] = costs[ctx_last_bit(pt, cc, c), 1] + (c - 2)


@inline_kernel
def last_bits(lc, last):
    """Bits of last position `last` from a last_bits_table (= last_syntax's count)."""
    cls = bit_length(last)
    b = lc[cls]
    if cls >= 2:
        b += lc[(32 if (last >> (cls - 2)) & 1 else 16) + cls]
    return b


@kernel
def remainder_syntax(rem, k, pt, st, buf, write):
    """Golomb-Rice(k) with a REM_PREFIX_MAX-long unary prefix, then Exp-Golomb(k+1)."""
    if not write:
        return _rem_bits(rem, k)
    enc_bypass_slot(st, cat_slot(pt, CAT_REM))
    q = rem >> k
    if q < REM_PREFIX_MAX:
        for _ in range(q):
            enc_bypass(st, buf, 1)
        enc_bypass(st, buf, 0)
        enc_bypass_bits(st, buf, rem, k)
        return 0.0
    v = rem - (REM_PREFIX_MAX << k)
    g = k + 1
    for _ in range(REM_PREFIX_MAX):
        enc_bypass(st, buf, 1)
    while v >= (1 << g):
        enc_bypass(st, buf, 1)
        v -= 1 << g
        g += 1
    enc_bypass(st, buf, 0)
    enc_bypass_bits(st, buf, v, g)
    return 0.0


@inline_kernel
def level_costs(pt, d, tsum, tnz, full, costs):
    """What the bits of a level after its significance (gt1, gt2, remainder,
    sign) depend on at one position: (bits of |level| 1, of 2, of 3 and up
    without the remainder, Rice parameter), for level_cost; costs: a
    fill_costs table.  Once per position: a quantiser prices 2-3 levels there."""
    g1 = ctx_gt1(pt, d, tsum, tnz)
    g2 = ctx_gt2(pt, d, tsum, tnz)
    return (1.0 + costs[g1, 0], (1.0 + costs[g1, 1]) + costs[g2, 0],
            (1.0 + costs[g1, 1]) + costs[g2, 1], rice_param(full))


@inline_kernel
def level_cost(a, one, two, more, k):
    """Bits of |level| = a >= 1 from level_costs' (one, two, more, k)."""
    if a == 1:
        return one
    if a == 2:
        return two
    return more + _rem_bits(a - 3, k)


@inline_kernel
def _rem_bits(rem, k):
    q = rem >> k
    if q < REM_PREFIX_MAX:
        return float(q + 1 + k)
    v = rem - (REM_PREFIX_MAX << k)
    g = k + 1
    nb = REM_PREFIX_MAX
    while v >= (1 << g):
        v -= 1 << g
        g += 1
        nb += 1
    return float(nb + 1 + g)


@kernel
def coeff_syntax(lv, n, log2n, sc, pt, cmap, bx, by, probs, st, buf, write, dep):
    """Levels of a block with cbf = 1: last position, then reverse scan
    (dep: dependent quantisation, whose state selects the significance
    contexts).  sc: the block's shape class (n is its width and height if
    square)."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    cc = SHAPE_CC[sc]
    last = -1
    for i in range(w * h - 1, -1, -1):
        if lv[sy[i], sx[i]] != 0:
            last = i
            break
    bits = last_syntax(last, pt, sc, log2n, probs, st, buf, write)
    s = 0
    for i in range(last, -1, -1):
        x = sx[i]
        y = sy[i]
        tsum, tnz, full = template_wh(lv, w, h, x, y)
        v = lv[y, x]
        a = abs(v)
        if i < last:
            c = coloc_count(cmap, bx, by, w, h, x, y)
            bits += sym(probs, ctx_sig(pt, cc, x + y, tsum, c, depq_qset(s) if dep else 0),
                        1 if a else 0, st, buf, write)
        s = DEPQ_NEXT[s, a & 1]
        if a == 0:
            continue
        d = x + y
        bits += sym(probs, ctx_gt1(pt, d, tsum, tnz), 1 if a > 1 else 0, st, buf, write)
        if a > 1:
            bits += sym(probs, ctx_gt2(pt, d, tsum, tnz), 1 if a > 2 else 0, st, buf, write)
            if a > 2:
                bits += remainder_syntax(min(a, MAX_ABS_LEVEL) - 3, rice_param(full), pt, st, buf,
                                         write)
        bits += bypass(1 if v < 0 else 0, 1, cat_slot(pt, CAT_SIGN), st, buf, write)
    return bits


@kernel
def qdelta_syntax(delta, probs, st, buf, write):
    """A luma CTU's quantiser delta minus the previous CTU's: zero flag, sign,
    then |delta| - 1 as two context bins (> 1, > 2) and an Exp-Golomb(0)
    remainder of |delta| - 3."""
    bits = sym(probs, ctx_qdelta(0), 1 if delta != 0 else 0, st, buf, write)
    if delta == 0:
        return bits
    a = abs(delta)
    bits += bypass(1 if delta < 0 else 0, 1, cat_slot(0, CAT_QDELTA), st, buf, write)
    bits += sym(probs, ctx_qdelta(1), 1 if a > 1 else 0, st, buf, write)
    if a > 1:
        bits += sym(probs, ctx_qdelta(2), 1 if a > 2 else 0, st, buf, write)
        if a > 2:
            bits += _exp_golomb0(a - 3, cat_slot(0, CAT_QDELTA), st, buf, write)
    return bits


@kernel
def _exp_golomb0(v, slot, st, buf, write):
    """Exp-Golomb order 0: prefix of ones (bit length of v + 1, minus 1), zero, suffix."""
    g = 0
    while v + 1 >= (2 << g):
        g += 1
    if write:
        enc_bypass_slot(st, slot)
        for _ in range(g):
            enc_bypass(st, buf, 1)
        enc_bypass(st, buf, 0)
        enc_bypass_bits(st, buf, v + 1 - (1 << g), g)
    return float(2 * g + 1)


@kernel
def restore_syntax(on, coefs, flags, pt, probs, st, buf):
    """A plane's restoration parameters (written at the end of the payload):
    on flag; if on, the coefficients (7 bypass bits each, offset binary), then
    whether per-CTU flags follow (else every CTU is filtered) and the flags in
    raster order, context from the left/top CTU flags."""
    enc_bit(st, buf, probs, ctx_restore(pt, 0), on)
    if not on:
        return
    enc_bypass_slot(st, cat_slot(pt, CAT_RESTORE))
    for k in range(coefs.shape[0]):
        enc_bypass_bits(st, buf, coefs[k] - RESTORE_COEF_MIN, RESTORE_COEF_BITS)
    per_ctu = 0
    for cy in range(flags.shape[0]):
        for cx in range(flags.shape[1]):
            if flags[cy, cx] == 0:
                per_ctu = 1
    enc_bit(st, buf, probs, ctx_restore(pt, 1), per_ctu)
    if not per_ctu:
        return
    for cy in range(flags.shape[0]):
        for cx in range(flags.shape[1]):
            enc_bit(st, buf, probs, ctx_restore(pt, 2 + nb_nonzero(flags, cx, cy)), flags[cy, cx])


@kernel
def edge_offset_syntax(on, mags, mask, choice, pt, probs, st, buf):
    """A plane's edge offsets (after its restoration parameters): on flag; if
    on, the mask of directions with offsets (EO_DIRS bypass bits), their
    classes' magnitudes (EO_OFFSET_BITS bypass bits each), then every CTU in
    raster order: on (context from the left/top CTUs) and, if on, its
    direction in two context-coded bins."""
    enc_bit(st, buf, probs, ctx_edge(pt, 0), on)
    if not on:
        return
    enc_bypass_slot(st, cat_slot(pt, CAT_EDGE))
    enc_bypass_bits(st, buf, mask, EO_DIRS)
    for d in range(EO_DIRS):
        if mask >> d & 1:
            for k in range(EO_CLASSES):
                enc_bypass_bits(st, buf, mags[d, k], EO_OFFSET_BITS)
    for cy in range(choice.shape[0]):
        for cx in range(choice.shape[1]):
            c = np.int64(choice[cy, cx])
            enc_bit(st, buf, probs, ctx_edge(pt, 1 + nb_nonzero(choice, cx, cy)), 1 if c else 0)
            if c:
                b0 = (c - 1) >> 1
                enc_bit(st, buf, probs, ctx_edge(pt, 4), b0)
                enc_bit(st, buf, probs, ctx_edge(pt, 5 + b0), (c - 1) & 1)


def rates_syntax(rates, st, buf):
    """The first thing in the payload (the contexts need it from the first
    bin): a bypass flag, 1 if the context groups' rate indices follow
    (RATE_INDEX_BITS bypass bits each; rates None: the flag 0, every
    context keeps the default pair)."""
    enc_bypass_slot(st, cat_slot(0, CAT_RATES))
    enc_bypass(st, buf, 0 if rates is None else 1)
    if rates is not None:
        for r in rates:
            enc_bypass_bits(st, buf, int(r), RATE_INDEX_BITS)
