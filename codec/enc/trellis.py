"""Trellis quantisation of one transform block for dependent quantisation
(encoder).

The decoder reconstructs level k of a position as 2k*s (quantiser Q0) or
(2k - sgn k)*s (Q1), the quantiser given by a 4-state machine driven by the
parity of each level in coding order (quant.DEPQ_NEXT).  So a level choice
changes which quantiser every later position gets, and the levels have to
be chosen together: a Viterbi search over the positions in coding order
(reverse scan) with the 4 states, plus one "nothing coded yet" path whose
leaving it makes the position the last one.  At each position and state the
candidates are zero and the two nearest nonzero levels of the state's
quantiser; the cost is the weighted transform-domain error plus lambda times
the bits of sig / gt1 / gt2 / remainder / sign (and of the last position),
from the frozen context states.

The contexts of a position depend on the levels already coded around it
(the template), which differ from path to path; the search takes them from
a provisional quantisation (nearest level of Q0) so the rate of every
candidate is known up front.  The written stream uses the exact contexts.
"""
import numpy as np

from ..common.constants import MAX_ABS_LEVEL
from ..common.contexts import coloc_count, ctx_sig, template_wh
from .quant_enc import clear_and_last, energy, tail_energy
from .syntax_enc import last_bits, last_bits_table, level_cost, level_costs
from ..jit import inline_kernel, kernel
from ..common.quant import DEPQ_NEXT, depq_qset
from ..common.scan import SCAN_X, SCAN_Y
from ..common.shapes import SHAPE_CC, SHAPE_H, SHAPE_W

_INF = 1e300
_NSTATES = 4
START = 4          # back-pointer: the path starts (its last position) here
# the state before a level of even / odd parity that leads into state ns
# (DEPQ_NEXT is a permutation of the states for either parity)
SRC_EVEN = np.array([int(np.flatnonzero(DEPQ_NEXT[:, 0] == ns)[0]) for ns in range(_NSTATES)])
SRC_ODD = np.array([int(np.flatnonzero(DEPQ_NEXT[:, 1] == ns)[0]) for ns in range(_NSTATES)])


@inline_kernel
def _quant_cands(c, s, q, wd, one, two, more, rk):
    """The nearest nonzero levels of quantiser q around c (Q0: t = 2ks, Q1:
    t = (2k - 1)s, so k = floor((c/s + q) / 2) and one more; only level 1
    below the first), split by parity: (even there?, k, weighted error,
    level bits, odd there?, k, error, bits)."""
    kf = int((c / s + q) * 0.5)
    has_e = False
    has_o = False
    ke = 0
    ko = 0
    de = 0.0
    do = 0.0
    re = 0.0
    ro = 0.0
    for j in range(1 if kf == 0 else 2):
        k = min(max(kf + j, 1), MAX_ABS_LEVEL)
        e = c - (2 * k - q) * s
        if k & 1:
            if not has_o:
                has_o = True
                ko = k
                do = wd * e * e
                ro = level_cost(k, one, two, more, rk)
        elif not has_e:
            has_e = True
            ke = k
            de = wd * e * e
            re = level_cost(k, one, two, more, rk)
    return has_e, ke, de, re, has_o, ko, do, ro


@inline_kernel
def _take(c, p, k, best):
    """best = (cost, previous state, level), kept unless c is strictly lower
    (a select, not a branch: which way it goes is a coin toss per position)."""
    if c < best[0]:
        return (c, p, k)
    return best


@inline_kernel
def _into(ns, cost, d0, lam, sig0, sig1, cq0, cq1, idle, lb):
    """The cheapest path into state ns at this position: (cost, previous
    state or START, level).  Candidates in the order of the states they come
    from (zero before nonzero, the path start last), so ties resolve as a
    sweep over the states would."""
    se = SRC_EVEN[ns]
    so = SRC_ODD[ns]
    best = (_INF, -1, 0)
    for t in range(2):
        st_ = se if (t == 0) == (se < so) else so
        base = cost[st_]
        if base < _INF:
            qs = depq_qset(st_)
            cq = cq0 if st_ >> 1 == 0 else cq1
            if st_ == se:
                best = _take(base + d0 + lam * sig0[qs], st_, 0, best)
                if cq[0]:
                    best = _take(base + cq[2] + lam * (sig1[qs] + cq[3]), st_, cq[1], best)
            elif cq[4]:
                best = _take(base + cq[6] + lam * (sig1[qs] + cq[7]), st_, cq[5], best)
    # starting here (this position is the last one): state 0, quantiser Q0
    if ns == DEPQ_NEXT[0, 0] and cq0[0]:
        best = _take(idle + cq0[2] + lam * (lb + cq0[3]), START, cq0[1], best)
    if ns == DEPQ_NEXT[0, 1] and cq0[4]:
        best = _take(idle + cq0[6] + lam * (lb + cq0[7]), START, cq0[5], best)
    return best


@inline_kernel
def _provisional_levels(coef, scl, n, sc, last0, prov):
    """The levels the search takes its contexts' templates from: the nearest
    level of Q0 up to last0, zero beyond."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    for y in range(SHAPE_H[sc]):
        for x in range(SHAPE_W[sc]):
            prov[y, x] = 0
    for i in range(last0 + 1):
        x = sx[i]
        y = sy[i]
        prov[y, x] = int(abs(coef[y, x]) / (2.0 * scl[y, x]) + 0.5)


@inline_kernel
def _forward(coef, scl, n, log2n, sc, pt, cmap, bx, by, costs, lam, wd, last0, lc, prov, bp_s,
             bp_k):
    """The Viterbi pass in coding order (reverse scan from last0): per position
    the cheapest path into each of the 4 states, its back-pointers (previous
    state or START, level) into bp_s / bp_k.  Returns (the 4 states' path
    costs, the cost of coding nothing (idle), the unweighted energy of coef
    up to last0)."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    cc = SHAPE_CC[sc]
    last_bits_table(pt, sc, log2n, costs, lc)
    cost = (_INF, _INF, _INF, _INF)
    idle = 0.0               # the path with nothing coded yet: only zero distortion
    head = 0.0
    for i in range(last0, -1, -1):
        x = sx[i]
        y = sy[i]
        c = abs(coef[y, x])
        s = float(scl[y, x])
        d0 = wd * c * c
        head += c * c
        tsum, tnz, full = template_wh(prov, w, h, x, y)
        dd = x + y
        coloc = coloc_count(cmap, bx, by, w, h, x, y)
        c0 = ctx_sig(pt, cc, dd, tsum, coloc, 0)
        c1 = ctx_sig(pt, cc, dd, tsum, coloc, 1)
        c2 = ctx_sig(pt, cc, dd, tsum, coloc, 2)
        sig0 = (costs[c0, 0], costs[c1, 0], costs[c2, 0])
        sig1 = (costs[c0, 1], costs[c1, 1], costs[c2, 1])
        one, two, more, rk = level_costs(pt, dd, tsum, tnz, full, costs)
        cq0 = _quant_cands(c, s, 0, wd, one, two, more, rk)
        cq1 = _quant_cands(c, s, 1, wd, one, two, more, rk)
        lb = last_bits(lc, i)
        # the four states' costs live in registers (a tuple), not in memory
        # that every back-pointer store might alias
        b0 = _into(0, cost, d0, lam, sig0, sig1, cq0, cq1, idle, lb)
        b1 = _into(1, cost, d0, lam, sig0, sig1, cq0, cq1, idle, lb)
        b2 = _into(2, cost, d0, lam, sig0, sig1, cq0, cq1, idle, lb)
        b3 = _into(3, cost, d0, lam, sig0, sig1, cq0, cq1, idle, lb)
        bp_s[i, 0] = b0[1]
        bp_k[i, 0] = b0[2]
        bp_s[i, 1] = b1[1]
        bp_k[i, 1] = b1[2]
        bp_s[i, 2] = b2[1]
        bp_k[i, 2] = b2[2]
        bp_s[i, 3] = b3[1]
        bp_k[i, 3] = b3[2]
        cost = (b0[0], b1[0], b2[0], b3[0])
        idle += d0
    return cost, idle, head


@inline_kernel
def _backtrack(coef, scl, n, sc, best_s, bp_s, bp_k, lv, energy_all):
    """The levels of the path ending in state best_s into lv, from position 0
    up to the path's start; returns its unweighted squared error from the
    energy of all of coef, each nonzero level's error in place of its
    coefficient's square."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    s2 = best_s
    dist = energy_all
    for i in range(SHAPE_W[sc] * SHAPE_H[sc]):
        k = bp_k[i, s2]
        x = sx[i]
        y = sy[i]
        cv = coef[y, x]
        lv[y, x] = k if cv >= 0 else -k
        prev = bp_s[i, s2]
        if k != 0:
            q = 0 if prev == START else prev >> 1
            e = abs(cv) - (2 * k - q) * float(scl[y, x])
            dist += e * e - cv * cv
        if prev == START:
            break
        s2 = prev
    return dist


@kernel
def depq_trellis(coef, scl, n, log2n, sc, pt, cmap, bx, by, costs, lam, wd, cbf0_bits, cbf1_bits,
                 lv, work, prov, bp_s, bp_k):
    """Fill lv[:n,:n] (int32, signed levels) for dependent quantisation;
    return (any level nonzero, J, D) with J = weighted transform-domain
    distortion + lambda * coefficient bits (last position and levels, not
    the cbf) as the search estimated them and D the unweighted squared error
    of the chosen levels (of all of coef if none).

    coef: float DCT coefficients; scl: int64 scale per position (the Q1
    level 1 reconstruction); work: float64[>= 1, >= 48] scratch (nothing is
    allocated here: a few small allocations cost as much as a 4x4 block's
    search); prov: int32 (>= n, >= n) scratch; bp_s, bp_k: int64 (>= n*n, 4)
    back-pointers.  Stages: provisional levels (the templates), the forward
    pass, the best end state against cbf = 0, the back-track.
    """
    # the smallest nonzero reconstruction is s (Q1, level 1)
    last0 = clear_and_last(coef, scl, n, sc, lv)
    if last0 < 0:
        return False, 0.0, energy(coef, n, sc)
    _provisional_levels(coef, scl, n, sc, last0, prov)
    cost, idle, head = _forward(coef, scl, n, log2n, sc, pt, cmap, bx, by, costs, lam, wd, last0,
                                work[0], prov, bp_s, bp_k)
    best_s = 0
    for s2 in range(1, _NSTATES):
        if cost[s2] < cost[best_s]:
            best_s = s2
    best_total = cost[best_s]
    tail = tail_energy(coef, n, sc, last0)
    if best_total >= _INF or idle + lam * cbf0_bits <= best_total + lam * cbf1_bits:
        return False, 0.0, head + tail
    return True, best_total + wd * tail, _backtrack(coef, scl, n, sc, best_s, bp_s, bp_k, lv,
                                                    head + tail)
