"""Coefficient scan orders (shared).

Diagonal up-right scan over the whole block: anti-diagonals d = x + y in
increasing order, each walked from bottom-left to top-right.  Coefficients
are coded in reverse scan order from the last significant one, so every
template neighbour (x+1,y), (x+2,y), (x,y+1), (x,y+2), (x+1,y+1) of a
position has already been coded when the position is reached.
"""
import numpy as np

from .constants import MAX_BLOCK, NUM_SHAPES
from .shapes import SHAPE_H, SHAPE_W


def _diag_scan(w, h):
    order = []
    for d in range(w + h - 1):
        for y in range(min(d, h - 1), max(0, d - w + 1) - 1, -1):
            order.append((d - y, y))
    return order


# per shape class (shapes.py): squares first, as before format 13
SCAN_X = np.zeros((NUM_SHAPES, MAX_BLOCK * MAX_BLOCK), dtype=np.int64)
SCAN_Y = np.zeros((NUM_SHAPES, MAX_BLOCK * MAX_BLOCK), dtype=np.int64)
for _s in range(NUM_SHAPES):
    for _i, (_x, _y) in enumerate(_diag_scan(SHAPE_W[_s], SHAPE_H[_s])):
        SCAN_X[_s, _i] = _x
        SCAN_Y[_s, _i] = _y
# SCAN_POS[s, y, x]: the scan index of (x, y), for finding the last
# significant position with a raster (contiguous, vectorisable) pass
SCAN_POS = np.zeros((NUM_SHAPES, MAX_BLOCK, MAX_BLOCK), dtype=np.int64)
for _s in range(NUM_SHAPES):
    _n = SHAPE_W[_s] * SHAPE_H[_s]
    SCAN_POS[_s, SCAN_Y[_s, :_n], SCAN_X[_s, :_n]] = np.arange(_n)
