"""What the encoder's two quantisers (rdoq.py, trellis.py) share: the scan of
a block for the last position that can quantise to a nonzero level, and the
energy of coding nothing (all of it, or beyond that position)."""

from ..common.scan import SCAN_POS, SCAN_X, SCAN_Y
from ..common.shapes import SHAPE_H, SHAPE_W
from ..jit import inline_kernel, kernel


@kernel
def clear_and_last(coef, scl, n, sc, lv):
    """Zero lv[:n,:n]; return the last scan index whose |coef| reaches half
    its scale (nothing beyond can quantise to a nonzero level), or -1."""
    pos = SCAN_POS[sc]
    last = -1
    # raster order, not the scan: contiguous reads (a backward walk of the
    # scan to the first significant position took 25 % of RDOQ at low rate)
    for y in range(SHAPE_H[sc]):
        for x in range(SHAPE_W[sc]):
            lv[y, x] = 0
            if abs(coef[y, x]) >= 0.5 * scl[y, x] and pos[y, x] > last:
                last = pos[y, x]
    return last


@kernel
def energy(coef, n, sc):
    """Sum of squares of the coefficients of a block of shape class sc (n x n
    if square): the error of coding nothing."""
    e = 0.0
    for y in range(SHAPE_H[sc]):
        for x in range(SHAPE_W[sc]):
            e += coef[y, x] * coef[y, x]
    return e


@inline_kernel
def tail_energy(coef, n, sc, last0):
    """Sum of squares of coef beyond scan index last0 (where everything quantises to 0)."""
    sx = SCAN_X[sc]
    sy = SCAN_Y[sc]
    tail = 0.0
    for i in range(last0 + 1, SHAPE_W[sc] * SHAPE_H[sc]):
        c = coef[sy[i], sx[i]]
        tail += c * c
    return tail
