"""Coefficient scan orders (shared).

Diagonal up-right scan over the whole block: anti-diagonals d = x + y in
increasing order, each walked from bottom-left to top-right.  Coefficients
are coded in reverse scan order from the last significant one, so every
template neighbour (x+1,y), (x+2,y), (x,y+1), (x,y+2), (x+1,y+1) of a
position has already been coded when the position is reached.
"""
import numpy as np

from .constants import LOG2_MIN_BLOCK, MAX_BLOCK, NUM_SIZES


def _diag_scan(n):
    order = []
    for d in range(2 * n - 1):
        for y in range(min(d, n - 1), max(0, d - n + 1) - 1, -1):
            order.append((d - y, y))
    return order


SCAN_X = np.zeros((NUM_SIZES, MAX_BLOCK * MAX_BLOCK), dtype=np.int64)
SCAN_Y = np.zeros((NUM_SIZES, MAX_BLOCK * MAX_BLOCK), dtype=np.int64)
for _s in range(NUM_SIZES):
    for _i, (_x, _y) in enumerate(_diag_scan(1 << (_s + LOG2_MIN_BLOCK))):
        SCAN_X[_s, _i] = _x
        SCAN_Y[_s, _i] = _y
# SCAN_POS[s, y, x]: the scan index of (x, y), for finding the last
# significant position with a raster (contiguous, vectorisable) pass
SCAN_POS = np.zeros((NUM_SIZES, MAX_BLOCK, MAX_BLOCK), dtype=np.int64)
for _s in range(NUM_SIZES):
    _n = 1 << (_s + LOG2_MIN_BLOCK)
    SCAN_POS[_s, SCAN_Y[_s, :_n * _n], SCAN_X[_s, :_n * _n]] = np.arange(_n * _n)
