"""Rate-distortion optimised quantisation of one transform block (encoder).

Per coefficient, in reverse scan order (so the context template of every
position is known exactly), the level is chosen among {0, round(|c|/s) - 1,
round(|c|/s)} by D + lambda * R with R from the live context states; then
the last position is chosen among the surviving nonzero positions, and
finally the whole block is compared with coding nothing (cbf = 0).
Distortion is measured in the transform domain (orthonormal DCT), weighted
to RGB squared error by `wd`.
"""

from ..common.contexts import coloc_count, ctx_sig, template_wh
from .quant_enc import clear_and_last, energy, tail_energy
from .syntax_enc import last_bits, last_bits_table, level_cost, level_costs
from ..jit import inline_kernel, kernel
from ..common.scan import SCAN_X, SCAN_Y
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_W

_INF = 1e300


@inline_kernel
def _choose_levels(coef, scl, n, sc, pt, cmap, bx, by, costs, lam, wd, last0, lv, work):
    """Stage 1: in reverse scan from last0, each position's level among
    {0, round(|c|/s) - 1, round(|c|/s)} by D + lambda * R into lv, with per
    position i: work[0][i] its J as coded, work[1][i] its J if it were the
    last position (_INF if it quantised to 0), work[2][i] the weighted
    distortion of coding 0 there.  Returns the unweighted energy of
    coef up to last0."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    cc = SHAPE_CC[sc]
    coded = work[0]
    as_last = work[1]
    d0 = work[2]
    head = 0.0
    for i in range(last0, -1, -1):
        x = sx[i]
        y = sy[i]
        cv = coef[y, x]
        c = abs(cv)
        s = float(scl[y, x])
        dz = wd * c * c
        d0[i] = dz
        head += c * c
        tsum, tnz, full = template_wh(lv, w, h, x, y)
        d = x + y
        lmax = int(c / s + 0.5)
        sig0 = 0.0
        sig1 = 0.0
        if i < last0:
            ctx = ctx_sig(pt, cc, d, tsum, coloc_count(cmap, bx, by, w, h, x, y), 0)
            sig0 = costs[ctx, 0]
            sig1 = costs[ctx, 1]
            best = dz + lam * sig0
        else:
            best = _INF
        bl = 0
        l = lmax
        if lmax >= 1:
            one, two, more, rk = level_costs(pt, d, tsum, tnz, full, costs)
        else:
            one = two = more = 0.0
            rk = 0
        while l >= 1 and l >= lmax - 1:
            e = c - l * s
            j = wd * e * e + lam * (sig1 + level_cost(l, one, two, more, rk))
            if j < best:
                best = j
                bl = l
            l -= 1
        coded[i] = best
        if bl > 0:
            as_last[i] = best - lam * sig1
            lv[y, x] = bl if cv >= 0 else -bl
        else:
            as_last[i] = _INF
    return head


@inline_kernel
def _choose_last(pt, sc, log2n, costs, lam, last0, work):
    """Stage 2: the last position j minimising the J of the positions before
    it as coded, of j as the last, of zeros after it, and of coding j's scan
    index (the costs from a per-block table, work[3]).  Returns (J, j), j = -1
    if no position quantised to a nonzero level."""
    coded = work[0]
    as_last = work[1]
    d0 = work[2]
    lc = work[3]
    last_bits_table(pt, sc, log2n, costs, lc)
    best_total = _INF
    best_j = -1
    prefix = 0.0
    suffix_zero = 0.0
    for i in range(last0 + 1):
        suffix_zero += d0[i]
    for j in range(last0 + 1):
        suffix_zero -= d0[j]
        if as_last[j] < _INF:
            t = prefix + as_last[j] + suffix_zero + lam * last_bits(lc, j)
            if t < best_total:
                best_total = t
                best_j = j
        prefix += coded[j]
    return best_total, best_j


@inline_kernel
def _levels_error(coef, scl, sc, last, lv, energy_all):
    """The unweighted squared error of the levels up to scan index last, from
    the energy of all of coef: each nonzero level's error in place of its
    coefficient's square (as the trellis reports it)."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    dist = energy_all
    for i in range(last + 1):
        x = sx[i]
        y = sy[i]
        k = abs(lv[y, x])
        if k != 0:
            c = abs(coef[y, x])
            e = c - k * float(scl[y, x])
            dist += e * e - c * c
    return dist


@kernel
def rdoq(coef, scl, n, log2n, sc, pt, cmap, bx, by, costs, lam, wd, cbf0_bits, cbf1_bits,
         lv, work, st, buf):
    """Fill lv[:n,:n] (int32, signed levels); return (any level nonzero, J, D)
    with J = weighted transform-domain distortion + lambda * coefficient bits
    (last position and levels, not the cbf) as RDOQ estimated them and D the
    unweighted squared error of the chosen levels (of all of coef if none:
    the caller needs no dequantisation to measure it).  The estimate
    stands in for a re-count in the mode search: it differs from the exact
    count only where zeroing the tail changed a template.

    coef: float DCT coefficients; scl: int64 dequantisation scale per position;
    work: float64[4, >= n*n] scratch (coded cost, cost-as-last, zero distortion, last-position costs);
    st, buf: the encoder state, only for typing (nothing is written).
    Stages: the levels, the last position, then the block against cbf = 0.
    """
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    last0 = clear_and_last(coef, scl, n, sc, lv)
    if last0 < 0:
        return False, 0.0, energy(coef, n, sc)
    head = _choose_levels(coef, scl, n, sc, pt, cmap, bx, by, costs, lam, wd, last0, lv, work)
    best_total, best_j = _choose_last(pt, sc, log2n, costs, lam, last0, work)
    d0 = work[2]
    all_zero = 0.0
    for i in range(last0 + 1):
        all_zero += d0[i]
    tail = tail_energy(coef, n, sc, last0)
    if best_j < 0 or all_zero + lam * cbf0_bits <= best_total + lam * cbf1_bits:
        for i in range(last0 + 1):
            lv[sy[i], sx[i]] = 0
        return False, 0.0, head + tail
    for i in range(best_j + 1, last0 + 1):
        lv[sy[i], sx[i]] = 0
    return True, best_total + wd * tail, _levels_error(coef, scl, sc, best_j, lv, head + tail)
