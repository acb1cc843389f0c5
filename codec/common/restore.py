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

from .constants import RESTORE_SHIFT, SAMPLE_MAX
from ..jit import alloc_kernel, kernel

# (dx, dy) of one tap of each symmetric pair, inside the 5x5 window with |dx| + |dy| <= 3
RESTORE_OFFSETS = np.array([(1, 0), (2, 0), (-2, 1), (-1, 1), (0, 1), (1, 1), (2, 1),
                            (-1, 2), (0, 2), (1, 2)], dtype=np.int64)
NUM_TAPS = RESTORE_OFFSETS.shape[0]


@kernel
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


@kernel
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


@kernel
def _filter_at(src, y, x, h, w, coefs, f, rnd):
    features(src, y, x, h, w, f)
    acc = np.int64(0)
    for k in range(NUM_TAPS):
        acc += coefs[k] * f[k]
    return min(max(np.int64(src[y, x]) + ((acc + rnd) >> RESTORE_SHIFT), 0), SAMPLE_MAX)


@alloc_kernel
def apply_restore(rec, coefs, flags, ctu):
    """Filter rec in place in the CTUs (ctu x ctu samples) whose flag is set.
    Interior samples take an unrolled path; the 2-sample frame clamps."""
    h, w = rec.shape
    src = rec.copy()
    f = np.zeros(NUM_TAPS, np.int64)
    rnd = np.int64(1) << (RESTORE_SHIFT - 1)
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 = (coefs[0], coefs[1], coefs[2], coefs[3], coefs[4],
                                              coefs[5], coefs[6], coefs[7], coefs[8], coefs[9])
    for cy in range(flags.shape[0]):
        for cx in range(flags.shape[1]):
            if flags[cy, cx] == 0:
                continue
            x0 = cx * ctu
            x1 = min(w, (cx + 1) * ctu)
            for y in range(cy * ctu, min(h, (cy + 1) * ctu)):
                if y < 2 or y >= h - 2:
                    for x in range(x0, x1):
                        rec[y, x] = _filter_at(src, y, x, h, w, coefs, f, rnd)
                    continue
                xa = max(x0, 2)
                xb = min(x1, w - 2)
                for x in range(x0, min(xa, x1)):
                    rec[y, x] = _filter_at(src, y, x, h, w, coefs, f, rnd)
                rm2 = src[y - 2]
                rm1 = src[y - 1]
                r0 = src[y]
                rp1 = src[y + 1]
                rp2 = src[y + 2]
                for x in range(xa, xb):
                    v = np.int64(r0[x])
                    t = 2 * v
                    # the RESTORE_OFFSETS pairs, in order
                    acc = (c0 * (np.int64(r0[x + 1]) + r0[x - 1] - t) +
                           c1 * (np.int64(r0[x + 2]) + r0[x - 2] - t) +
                           c2 * (np.int64(rp1[x - 2]) + rm1[x + 2] - t) +
                           c3 * (np.int64(rp1[x - 1]) + rm1[x + 1] - t) +
                           c4 * (np.int64(rp1[x]) + rm1[x] - t) +
                           c5 * (np.int64(rp1[x + 1]) + rm1[x - 1] - t) +
                           c6 * (np.int64(rp1[x + 2]) + rm1[x - 2] - t) +
                           c7 * (np.int64(rp2[x - 1]) + rm2[x + 1] - t) +
                           c8 * (np.int64(rp2[x]) + rm2[x] - t) +
                           c9 * (np.int64(rp2[x + 1]) + rm2[x - 1] - t))
                    rec[y, x] = min(max(v + ((acc + rnd) >> RESTORE_SHIFT), 0), SAMPLE_MAX)
                for x in range(max(xb, xa), x1):
                    rec[y, x] = _filter_at(src, y, x, h, w, coefs, f, rnd)
