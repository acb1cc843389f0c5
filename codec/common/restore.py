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
from ..jit import alloc_plane_kernel, kernel, plane_kernel

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


# Samples of the edge frame the filter reads on each side: |dx|, |dy| <= 2.
_REACH = 2
_RING = 2 * _REACH + 1      # source rows in flight: y - 2 .. y + 2


@kernel
def _load_row(rec, y, ring):
    """Row y of rec, unfiltered, into its ring slot as int32 with the edge
    samples repeated _REACH times on either side."""
    w = rec.shape[1]
    row = ring[y % _RING]
    src = rec[y]
    body = row[_REACH:_REACH + w]
    for x in range(w):
        body[x] = src[x]
    for k in range(_REACH):
        row[k] = src[0]
        row[w + _REACH + k] = src[w - 1]


@kernel
def _filter_span(rm2, rm1, r0, rp1, rp2, c, x0, x1, out):
    """out[x] for x0 <= x < x1 from the five padded source rows (row y + k in
    rp<k>/rm<k>; index x + _REACH is column x).  Branch-free int32: with
    |c| <= 64 and |second difference| <= 2 SAMPLE_MAX the sum stays below
    2**23, so int32 gives the same numbers as any wider type.  Every tap is
    read through a view starting at its offset and indexed from 0, so that
    the loop has no negative-index handling and vectorises."""
    n = x1 - x0
    b = x0 + _REACH
    v0 = r0[b:b + n]
    a0 = r0[b + 1:b + 1 + n]
    z0 = r0[b - 1:b - 1 + n]
    a1 = r0[b + 2:b + 2 + n]
    z1 = r0[b - 2:b - 2 + n]
    a2 = rp1[b - 2:b - 2 + n]
    z2 = rm1[b + 2:b + 2 + n]
    a3 = rp1[b - 1:b - 1 + n]
    z3 = rm1[b + 1:b + 1 + n]
    a4 = rp1[b:b + n]
    z4 = rm1[b:b + n]
    a5 = rp1[b + 1:b + 1 + n]
    z5 = rm1[b - 1:b - 1 + n]
    a6 = rp1[b + 2:b + 2 + n]
    z6 = rm1[b - 2:b - 2 + n]
    a7 = rp2[b - 1:b - 1 + n]
    z7 = rm2[b + 1:b + 1 + n]
    a8 = rp2[b:b + n]
    z8 = rm2[b:b + n]
    a9 = rp2[b + 1:b + 1 + n]
    z9 = rm2[b - 1:b - 1 + n]
    o = out[x0:x0 + n]
    c0, c1, c2, c3, c4 = c[0], c[1], c[2], c[3], c[4]
    c5, c6, c7, c8, c9 = c[5], c[6], c[7], c[8], c[9]
    rnd = np.int32(1 << (RESTORE_SHIFT - 1))
    top = np.int32(SAMPLE_MAX)
    zero = np.int32(0)
    for i in range(n):
        v = v0[i]
        t = np.int32(v + v)
        # the RESTORE_OFFSETS pairs, in order
        acc = np.int32(c0 * np.int32(a0[i] + z0[i] - t) + c1 * np.int32(a1[i] + z1[i] - t) +
                       c2 * np.int32(a2[i] + z2[i] - t) + c3 * np.int32(a3[i] + z3[i] - t) +
                       c4 * np.int32(a4[i] + z4[i] - t) + c5 * np.int32(a5[i] + z5[i] - t) +
                       c6 * np.int32(a6[i] + z6[i] - t) + c7 * np.int32(a7[i] + z7[i] - t) +
                       c8 * np.int32(a8[i] + z8[i] - t) + c9 * np.int32(a9[i] + z9[i] - t))
        r = np.int32(v + np.int32(np.int32(acc + rnd) >> RESTORE_SHIFT))
        o[i] = min(max(r, zero), top)


@alloc_plane_kernel
def apply_restore(rec, coefs, flags, ctu):
    """Filter rec in place in the CTUs (ctu x ctu samples) whose flag is set.

    Rows are filtered top to bottom.  The filter must read unfiltered
    samples, so each row is copied (padded, int32) into a ring of five
    before it is overwritten; rows of CTU rows without a set flag are
    neither copied nor touched.  Each run of set flags along a CTU row is
    one span of one branch-free loop (edge repetition is in the padding)."""
    c = np.empty(NUM_TAPS, np.int32)
    for k in range(NUM_TAPS):
        c[k] = coefs[k]
    _restore_rows(rec, c, flags, ctu, np.empty((_RING, rec.shape[1] + 2 * _REACH), np.int32),
                  np.empty(rec.shape[1], np.int32))


@plane_kernel
def _restore_rows(rec, c, flags, ctu, ring, out):
    """apply_restore's loops, without reference counting: each row view
    handed to _load_row / _filter_span would otherwise cost two atomic
    updates per array (about 2 % of a low-rate decode in perf, with the
    colour conversion's and the CTU loop's)."""
    h, w = rec.shape
    rows, cols = flags.shape
    loaded = -1                 # the last row in the ring (rows above it are there too)
    for cy in range(rows):
        any_on = False
        for cx in range(cols):
            if flags[cy, cx] != 0:
                any_on = True
        if not any_on:
            continue
        y0 = cy * ctu
        y1 = min(h, y0 + ctu)
        if loaded < y0 - 1:     # rows above were not filtered: rec still holds them
            for yy in range(max(y0 - _REACH, 0), y0):
                _load_row(rec, yy, ring)
            loaded = y0 - 1
        for y in range(y0, y1):
            while loaded < min(y + _REACH, h - 1):
                loaded += 1
                _load_row(rec, loaded, ring)
            rm2 = ring[max(y - 2, 0) % _RING]
            rm1 = ring[max(y - 1, 0) % _RING]
            r0 = ring[y % _RING]
            rp1 = ring[min(y + 1, h - 1) % _RING]
            rp2 = ring[min(y + 2, h - 1) % _RING]
            cx = 0
            while cx < cols:
                if flags[cy, cx] == 0:
                    cx += 1
                    continue
                cx_end = cx
                while cx_end < cols and flags[cy, cx_end] != 0:
                    cx_end += 1
                x0 = cx * ctu
                x1 = min(w, cx_end * ctu)
                _filter_span(rm2, rm1, r0, rp1, rp2, c, x0, x1, out)
                dst = rec[y, x0:x1]
                src = out[x0:x1]
                for x in range(x1 - x0):
                    dst[x] = src[x]
                cx = cx_end
