"""Block shapes (format 13): squares, the halves of a binary split and
(format 16) the 4:1 quarters of a node split in two, then again or in three.

A shape class sc indexes the per-shape tables (scans, dequantisation
scales); constants.py says how they are numbered.  Square classes equal the
size class, so every square's table entry is what it was before format 13.
"""
import numpy as np

from .constants import (LOG2_MAX_BLOCK, LOG2_MIN_BLOCK, LOG2_MIN_BT, LOG2_MIN_QUARTER, NUM_BT_SHAPES,
                        NUM_SHAPES, NUM_SIZES)
from ..jit import inline_kernel


def _shape_tables():
    lw = np.zeros(NUM_SHAPES, np.int64)
    lh = np.zeros(NUM_SHAPES, np.int64)
    for s in range(NUM_SIZES):
        lw[s] = lh[s] = s + LOG2_MIN_BLOCK
    s = NUM_SIZES
    for lg in range(LOG2_MIN_BT, LOG2_MAX_BLOCK + 1):
        lw[s], lh[s] = lg, lg - 1           # the wide half of a node of 2**lg
        lw[s + 1], lh[s + 1] = lg - 1, lg   # the tall half
        s += 2
    for lg in range(LOG2_MIN_QUARTER, LOG2_MAX_BLOCK + 1):
        lw[s], lh[s] = lg, lg - 2           # the wide quarter of a node of 2**lg
        lw[s + 1], lh[s + 1] = lg - 2, lg   # the tall quarter
        s += 2
    return lw, lh


SHAPE_LW, SHAPE_LH = _shape_tables()
SHAPE_W = np.left_shift(1, SHAPE_LW)
SHAPE_H = np.left_shift(1, SHAPE_LH)
SHAPE_CC = np.minimum(SHAPE_LW, SHAPE_LH) - LOG2_MIN_BLOCK


@inline_kernel
def bt_shape(log2s, direction):
    """The shape class of the halves of a node of 2**log2s split in two."""
    return NUM_SIZES + 2 * (log2s - LOG2_MIN_BT) + (0 if direction == 1 else 1)


@inline_kernel
def quarter_shape(log2s, direction):
    """The shape class of the quarters (format 16) of a node of 2**log2s
    split in two in this direction (BT_HORIZONTAL: wide quarters)."""
    return NUM_BT_SHAPES + 2 * (log2s - LOG2_MIN_QUARTER) + (0 if direction == 1 else 1)


@inline_kernel
def part_offset(log2s, ternary, k):
    """Part k of a node of 2**log2s split in two (or ternary: in three, a
    quarter, a half, a quarter): its offset along the split direction and
    whether it is a quarter."""
    n = 1 << log2s
    if ternary:
        if k == 0:
            return 0, True
        if k == 1:
            return n >> 2, False
        return 3 * (n >> 2), True
    return k * (n >> 1), False


def shape_class(lw, lh):
    """Shape class of a block of 2**lw x 2**lh (a square, a half or a quarter)."""
    for s in range(NUM_SHAPES):
        if SHAPE_LW[s] == lw and SHAPE_LH[s] == lh:
            return s
    raise ValueError(f"no block shape {1 << lw}x{1 << lh}")
