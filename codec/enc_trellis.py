"""Trellis quantisation of one transform block for dependent quantisation
(encoder).

The decoder reconstructs level k of a position as 2k*s (quantiser Q0) or
(2k - sgn k)*s (Q1), the quantiser given by a 4-state machine driven by the
parity of each level in coding order (quant.DQ_NEXT).  So a level choice
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

from .constants import MAX_ABS_LEVEL
from .contexts import coloc_count, ctx_sig, template
from .enc_rdoq import clear_and_last, energy
from .enc_syntax import last_bits, last_bits_table, level_cost, level_costs
from .jit import inline_kernel, kernel
from .quant import DQ_NEXT, dq_qset
from .scan import SCAN_X, SCAN_Y

_INF = 1e300
_NSTATES = 4
START = 4          # back-pointer: the path starts (its last position) here


@inline_kernel
def _relax(cost, bp_s, bp_k, i, ns, c, prev, k):
    if c < cost[ns]:
        cost[ns] = c
        bp_s[i, ns] = prev
        bp_k[i, ns] = k


@kernel
def dq_trellis(coef, scl, n, log2n, sc, pt, cmap, bx, by, costs, lam, wd, cbf0_bits, cbf1_bits,
               lv, work, iw, prov, bp_s, bp_k):
    """Fill lv[:n,:n] (int32, signed levels) for dependent quantisation;
    return (any level nonzero, J, D) with J = weighted transform-domain
    distortion + lambda * coefficient bits (last position and levels, not
    the cbf) as the search estimated them and D the unweighted squared error
    of the chosen levels (of all of coef if none).

    coef: float DCT coefficients; scl: int64 scale per position (the Q1
    level 1 reconstruction); work: float64[>= 2, >= 64] and iw: int64[>= 6]
    scratch (nothing is allocated here: a few small allocations cost as much
    as a 4x4 block's search); prov: int32 (>= n, >= n) scratch; bp_s, bp_k:
    int64 (>= n*n, 4) back-pointers.
    """
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    nn = n * n
    # the smallest nonzero reconstruction is s (Q1, level 1)
    last0 = clear_and_last(coef, scl, n, sc, lv)
    if last0 < 0:
        return False, 0.0, energy(coef, n)
    for y in range(n):
        for x in range(n):
            prov[y, x] = 0
    for i in range(last0 + 1):
        x = sx[i]
        y = sy[i]
        prov[y, x] = int(abs(coef[y, x]) / (2.0 * scl[y, x]) + 0.5)
    lc = work[0]
    last_bits_table(pt, sc, log2n, costs, lc)
    w = work[1]
    cost = w[0:4]
    nxt = w[4:8]
    sig0 = w[8:11]
    sig1 = w[11:14]
    cand_d = w[14:18]            # [2 q + j]
    cand_r = w[18:22]
    cand_k = iw[0:4]             # [2 q + j]
    ncand = iw[4:6]
    for s in range(_NSTATES):
        cost[s] = _INF
    idle = 0.0               # the path with nothing coded yet: only zero distortion
    head = 0.0               # unweighted energy up to last0
    for i in range(last0, -1, -1):
        x = sx[i]
        y = sy[i]
        cv = coef[y, x]
        c = abs(cv)
        s = float(scl[y, x])
        d0 = wd * c * c
        head += c * c
        tsum, tnz, full = template(prov, n, x, y)
        dd = x + y
        coloc = coloc_count(cmap, bx, by, n, x, y)
        for q in range(3):
            ctx = ctx_sig(pt, sc, dd, tsum, coloc, q)
            sig0[q] = costs[ctx, 0]
            sig1[q] = costs[ctx, 1]
        # two nearest nonzero levels of each quantiser, their errors and level
        # bits; Q0: t = 2ks, Q1: t = (2k - 1)s, so k = floor((c/s + q) / 2) and
        # one more
        one, two, more, rk = level_costs(pt, dd, tsum, tnz, full, costs)
        for q in range(2):
            kf = int((c / s + q) * 0.5)
            ncand[q] = 1 if kf == 0 else 2       # below the first level: only level 1
            for j in range(2):
                k = min(max(kf + j, 1), MAX_ABS_LEVEL)
                t = (2 * k - q) * s
                e = c - t
                cand_k[2 * q + j] = k
                cand_d[2 * q + j] = wd * e * e
                cand_r[2 * q + j] = level_cost(k, one, two, more, rk)
        for s2 in range(_NSTATES):
            nxt[s2] = _INF
        for st_ in range(_NSTATES):
            base = cost[st_]
            if base >= _INF:
                continue
            qs = dq_qset(st_)
            q = st_ >> 1
            _relax(nxt, bp_s, bp_k, i, DQ_NEXT[st_, 0], base + d0 + lam * sig0[qs], st_, 0)
            for j in range(2 * q, 2 * q + ncand[q]):
                k = cand_k[j]
                _relax(nxt, bp_s, bp_k, i, DQ_NEXT[st_, k & 1],
                       base + cand_d[j] + lam * (sig1[qs] + cand_r[j]), st_, k)
        # start here: this position is the last one (state 0, quantiser Q0)
        lb = last_bits(lc, i)
        for j in range(ncand[0]):
            k = cand_k[j]
            _relax(nxt, bp_s, bp_k, i, DQ_NEXT[0, k & 1],
                   idle + cand_d[j] + lam * (lb + cand_r[j]), START, k)
        idle += d0
        for s2 in range(_NSTATES):
            cost[s2] = nxt[s2]
    best_s = 0
    for s2 in range(1, _NSTATES):
        if cost[s2] < cost[best_s]:
            best_s = s2
    best_total = cost[best_s]
    tail = 0.0
    for i in range(last0 + 1, nn):      # beyond last0 everything is zero
        c = coef[sy[i], sx[i]]
        tail += c * c
    if best_total >= _INF or idle + lam * cbf0_bits <= best_total + lam * cbf1_bits:
        return False, 0.0, head + tail
    # back-track from position 0 up to the path's start; D from the energy
    # with each nonzero level's error in place of its coefficient's square
    s2 = best_s
    dist = head + tail
    for i in range(nn):
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
    return True, best_total + wd * tail, dist
