"""Encoder side of the restoration filter: a least-squares (Wiener) fit of
the taps in restore.py against the source, switched per CTU by D + lambda*R.

The fit only changes what the encoder writes; the filter the decoder runs
is restore.apply_restore on exactly the coefficients and flags coded.
"""
import math

import numpy as np

from ..common.constants import RESTORE_COEF_BITS, RESTORE_COEF_MAX, RESTORE_COEF_MIN, RESTORE_SHIFT
from ..jit import alloc_kernel, kernel
from ..common.restore import NUM_TAPS, apply_restore, features


@alloc_kernel
def _ctu_stats(org, rec, ctu, A, b):
    """Per CTU normal equations of the taps' second differences against the
    error org - rec, on a quincunx quarter of the samples (every second row,
    every second column, alternating): a 10-tap fit needs far fewer (corpus:
    J within +-0.03 % of the fit on every second row, 6 % less encode time at
    lambda 362).  Only the upper triangle of A is filled.

    Each row's features are gathered first, then A's 55 sums run over the
    row as int64 dot products, which vectorise: the features are integers
    (|f| <= 2 SAMPLE_MAX), so every product and every CTU's sum (at most
    ctu * ctu / 4 products < 2**53) is exact in float64 too, and A is the
    same numbers as sample-by-sample float sums.  b keeps the float sums in
    the same order as before (per tap, sample by sample): the same numbers."""
    h, w = rec.shape
    f = np.zeros(NUM_TAPS, np.int64)
    nmax = ctu // 2 + 1
    F = np.zeros((NUM_TAPS, nmax), np.int32)
    E = np.zeros(nmax)
    ai = np.zeros((NUM_TAPS, NUM_TAPS), np.int64)
    v = np.zeros(NUM_TAPS)
    for cy in range(A.shape[0]):
        for cx in range(A.shape[1]):
            ai[:] = 0
            v[:] = 0.0
            for y in range(cy * ctu, min(h, (cy + 1) * ctu), 2):
                m = 0
                for x in range(cx * ctu + ((y >> 1) & 1), min(w, (cx + 1) * ctu), 2):
                    features(rec, y, x, h, w, f)
                    for i in range(NUM_TAPS):
                        F[i, m] = f[i]
                    E[m] = org[y, x] - rec[y, x]
                    m += 1
                for i in range(NUM_TAPS):
                    acc = v[i]
                    for k in range(m):
                        acc += float(F[i, k]) * E[k]
                    v[i] = acc
                    for j in range(i, NUM_TAPS):
                        s = np.int64(0)
                        for k in range(m):
                            s += np.int64(F[i, k]) * np.int64(F[j, k])
                        ai[i, j] += s
            for i in range(NUM_TAPS):
                for j in range(NUM_TAPS):
                    A[cy, cx, i, j] = float(ai[i, j])
            b[cy, cx] = v


@kernel
def _ctu_sse(org, a, ctu, out):
    """Squared error org - a summed per CTU into out."""
    h, w = a.shape
    for cy in range(out.shape[0]):
        for cx in range(out.shape[1]):
            acc = 0.0
            x0 = cx * ctu
            n = min(w, x0 + ctu) - x0
            for y in range(cy * ctu, min(h, (cy + 1) * ctu)):
                # views indexed from 0: no negative-index handling per sample
                # (the sum keeps its order, so the numbers are the same)
                orow = org[y, x0:x0 + n]
                arow = a[y, x0:x0 + n]
                for i in range(n):
                    e = orow[i] - arow[i]
                    acc += e * e
            out[cy, cx] += acc


def _flag_bits(flags):
    """Adaptive-coding cost estimate of a CTU flag map: its binary entropy."""
    n = flags.size
    k = int(flags.sum())
    if k in (0, n):
        return 2.0
    p = k / n
    return n * -(p * math.log2(p) + (1 - p) * math.log2(1 - p)) + 8.0


def choose_restore(org, rec, ctu, wd, lam, rounds=2):
    """(on, coefs int64[NUM_TAPS], flags uint8[rows, cols], restored plane) for one plane:
    org float64 and rec int16 of the same (padded) shape, CTU size ctu,
    wd the plane's distortion weight, lam the Lagrange multiplier, rounds
    the number of fits (each after the first on the CTUs the last one helped).
    The filter is fitted on all CTUs, then refitted on those it helps; the
    plane then uses it everywhere or per CTU, whichever costs less.  The
    restored plane is what apply_restore makes of rec with these parameters
    (rec itself when off)."""
    h, w = rec.shape
    rows, cols = -(-h // ctu), -(-w // ctu)
    A = np.zeros((rows, cols, NUM_TAPS, NUM_TAPS))
    b = np.zeros((rows, cols, NUM_TAPS))
    _ctu_stats(org, rec, ctu, A, b)
    d0 = np.zeros((rows, cols))
    _ctu_sse(org, rec, ctu, d0)
    sel = np.ones((rows, cols), bool)
    side = 1 + NUM_TAPS * RESTORE_COEF_BITS + 1
    best = (0.0, 0, np.zeros(NUM_TAPS, np.int64), np.zeros((rows, cols), np.uint8), rec)
    for _ in range(rounds):
        At = A[sel].sum(axis=0)
        At = np.triu(At) + np.triu(At, 1).T
        bt = b[sel].sum(axis=0)
        reg = 1e-3 * np.trace(At) / NUM_TAPS + 1e-9     # keeps tiny planes' fits sane
        c = np.linalg.solve(At + reg * np.eye(NUM_TAPS), bt)
        coefs = np.clip(np.round(c * (1 << RESTORE_SHIFT)), RESTORE_COEF_MIN,
                        RESTORE_COEF_MAX).astype(np.int64)
        if not coefs.any():
            break
        trial = rec.copy()
        apply_restore(trial, coefs, np.ones((rows, cols), np.uint8), ctu)
        d1 = np.zeros((rows, cols))
        _ctu_sse(org, trial, ctu, d1)
        delta = (d0 - d1) * wd                      # weighted SSE saved per CTU
        j_all = delta.sum() - lam * side
        if j_all > best[0]:
            best = (j_all, 1, coefs, np.ones((rows, cols), np.uint8), trial)
        sel = delta > 0
        if not sel.any() or sel.all():
            break           # all: a refit on the same CTUs gives the same filter
        flags = sel.astype(np.uint8)
        j_sel = delta[sel].sum() - lam * (side + _flag_bits(flags))
        if j_sel > best[0]:
            best = (j_sel, 1, coefs, flags, trial)
    on, coefs, flags, trial = best[1:]
    if on and not flags.all():
        # the filter reads only unfiltered samples: a CTU's output does not
        # depend on its neighbours' flags, so the trial supplies the flagged CTUs
        out = rec.copy()
        for cy, cx in zip(*np.nonzero(flags)):
            win = np.s_[cy * ctu:(cy + 1) * ctu, cx * ctu:(cx + 1) * ctu]
            out[win] = trial[win]
        trial = out
    return on, coefs, flags, trial
