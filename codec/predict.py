"""Intra prediction from reconstructed neighbours (shared).

Availability follows coding order: CTUs in raster order, blocks inside a CTU
in z-order, so a 4x4 unit is available iff it precedes the current block's
first unit.  Reference samples: 2n on the left (incl. below-left), the
corner, 2n on top (incl. above-right); missing ones are copied from the
nearest available one (all mid-grey if none is).
"""
import numpy as np
from numba import njit

from .constants import (LOG2_MIN_BLOCK, MODE_DC, MODE_H, MODE_PLANAR, MODE_V, SAMPLE_MID)


@njit(cache=True)
def _morton(x, y):
    r = 0
    for b in range(8):
        r |= ((x >> b) & 1) << (2 * b)
        r |= ((y >> b) & 1) << (2 * b + 1)
    return r


@njit(cache=True)
def unit_available(ux, uy, cux, cuy, wu, hu, ctu_ulog2):
    """Is 4x4 unit (ux, uy) decoded before the block whose first unit is (cux, cuy)?"""
    if ux < 0 or uy < 0 or ux >= wu or uy >= hu:
        return False
    cy = uy >> ctu_ulog2
    ky = cuy >> ctu_ulog2
    if cy != ky:
        return cy < ky
    cx = ux >> ctu_ulog2
    kx = cux >> ctu_ulog2
    if cx != kx:
        return cx < kx
    m = (1 << ctu_ulog2) - 1
    return _morton(ux & m, uy & m) < _morton(cux & m, cuy & m)


@njit(cache=True)
def build_refs(rec, x, y, n, ctu_ulog2, ref, avail):
    """Fill ref[0:4n+1] = left (bottom to top), corner, top (left to right).
    Availability is decided per 4x4 unit (blocks are unit-aligned)."""
    h, w = rec.shape
    wu = w >> LOG2_MIN_BLOCK
    hu = h >> LOG2_MIN_BLOCK
    cux = x >> LOG2_MIN_BLOCK
    cuy = y >> LOG2_MIN_BLOCK
    n2 = 2 * n
    nu2 = n2 >> LOG2_MIN_BLOCK
    unit = 1 << LOG2_MIN_BLOCK
    any_av = False
    for j in range(nu2):                       # left units, top to bottom
        a = unit_available(cux - 1, cuy + j, cux, cuy, wu, hu, ctu_ulog2)
        for t in range(unit):
            k = n2 - 1 - (j * unit + t)
            avail[k] = a
            if a:
                ref[k] = rec[y + j * unit + t, x - 1]
        any_av = any_av or a
    a = unit_available(cux - 1, cuy - 1, cux, cuy, wu, hu, ctu_ulog2)
    avail[n2] = a
    if a:
        ref[n2] = rec[y - 1, x - 1]
        any_av = True
    for j in range(nu2):                       # top units, left to right
        a = unit_available(cux + j, cuy - 1, cux, cuy, wu, hu, ctu_ulog2)
        for t in range(unit):
            k = n2 + 1 + j * unit + t
            avail[k] = a
            if a:
                ref[k] = rec[y - 1, x + j * unit + t]
        any_av = any_av or a
    total = 2 * n2 + 1
    if not any_av:
        for k in range(total):
            ref[k] = SAMPLE_MID
        return
    first = 0
    while not avail[first]:
        first += 1
    for k in range(first):
        ref[k] = ref[first]
    for k in range(first + 1, total):
        if not avail[k]:
            ref[k] = ref[k - 1]


@njit(cache=True)
def predict(ref, n, log2n, mode, pred):
    """pred[:n,:n] from refs built by build_refs."""
    n2 = 2 * n
    # left[k] = ref[n2 - 1 - k], corner = ref[n2], top[k] = ref[n2 + 1 + k]
    if mode == MODE_DC:
        s = 0
        for k in range(n):
            s += ref[n2 - 1 - k] + ref[n2 + 1 + k]
        dc = (s + n) >> (log2n + 1)
        for yy in range(n):
            for xx in range(n):
                pred[yy, xx] = dc
    elif mode == MODE_PLANAR:
        tr = ref[n2 + 1 + n]
        bl = ref[n2 - 1 - n]
        for yy in range(n):
            lf = ref[n2 - 1 - yy]
            for xx in range(n):
                tp = ref[n2 + 1 + xx]
                pred[yy, xx] = ((n - 1 - xx) * lf + (xx + 1) * tr + (n - 1 - yy) * tp
                                + (yy + 1) * bl + n) >> (log2n + 1)
    elif mode == MODE_H:
        for yy in range(n):
            v = ref[n2 - 1 - yy]
            for xx in range(n):
                pred[yy, xx] = v
    else:  # MODE_V
        for yy in range(n):
            for xx in range(n):
                pred[yy, xx] = ref[n2 + 1 + xx]
