"""Restoration filter, shared by encoder and decoder (applied after deblocking).

Per plane, an optional point-symmetric 5x5 filter written as a correction
of the deblocked sample r:

    out = clip(r + ((sum_k c_k * (r[p + d_k] + r[p - d_k] - 2 r[p]) + 64) >> 7))

over the RESTORE_OFFSETS d_k (the 5x5 window's offsets with |dx| + |dy| <= 3,
one of each symmetric pair).  Writing the taps as second differences keeps the filter's
DC gain at exactly 1, so flat areas never drift.  The encoder fits c by least
squares against the source (a Wiener filter) and switches it per CTU; samples
outside the plane repeat the nearest edge sample.  The filter reads only
unfiltered samples (it works from a copy), so the CTU order does not matter.
"""
import numpy as np
from numba import njit

from .constants import RESTORE_COEF_MAX, RESTORE_COEF_MIN, RESTORE_SHIFT, SAMPLE_MAX

# (dx, dy) of one tap of each symmetric pair, inside the 5x5 window with |dx| + |dy| <= 3
RESTORE_OFFSETS = np.array([(1, 0), (2, 0), (-2, 1), (-1, 1), (0, 1), (1, 1), (2, 1),
                            (-1, 2), (0, 2), (1, 2)], dtype=np.int64)
NUM_TAPS = RESTORE_OFFSETS.shape[0]


@njit(cache=True)
def _at(src, y, x, h, w):
    if y < 0:
        y = 0
    elif y >= h:
        y = h - 1
    if x < 0:
        x = 0
    elif x >= w:
        x = w - 1
    return np.int64(src[y, x])


@njit(cache=True)
def features(src, y, x, h, w, f):
    """Second differences along every tap pair at (y, x), into f (int64)."""
    c2 = 2 * np.int64(src[y, x])
    if 2 <= y < h - 2 and 2 <= x < w - 2:          # interior: no edge clamping
        for k in range(NUM_TAPS):
            dx = RESTORE_OFFSETS[k, 0]
            dy = RESTORE_OFFSETS[k, 1]
            f[k] = np.int64(src[y + dy, x + dx]) + np.int64(src[y - dy, x - dx]) - c2
        return
    for k in range(NUM_TAPS):
        dx = RESTORE_OFFSETS[k, 0]
        dy = RESTORE_OFFSETS[k, 1]
        f[k] = _at(src, y + dy, x + dx, h, w) + _at(src, y - dy, x - dx, h, w) - c2


@njit(cache=True)
def apply_restore(rec, coefs, flags, ctu):
    """Filter rec in place in the CTUs (ctu x ctu samples) whose flag is set."""
    h, w = rec.shape
    src = rec.copy()
    f = np.zeros(NUM_TAPS, np.int64)
    rnd = np.int64(1) << (RESTORE_SHIFT - 1)
    for cy in range(flags.shape[0]):
        for cx in range(flags.shape[1]):
            if flags[cy, cx] == 0:
                continue
            for y in range(cy * ctu, min(h, (cy + 1) * ctu)):
                for x in range(cx * ctu, min(w, (cx + 1) * ctu)):
                    features(src, y, x, h, w, f)
                    acc = np.int64(0)
                    for k in range(NUM_TAPS):
                        acc += coefs[k] * f[k]
                    v = np.int64(src[y, x]) + ((acc + rnd) >> RESTORE_SHIFT)
                    rec[y, x] = min(max(v, 0), SAMPLE_MAX)


def coef_range_ok(coefs):
    return all(RESTORE_COEF_MIN <= int(c) <= RESTORE_COEF_MAX for c in coefs)
