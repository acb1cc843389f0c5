"""The decoder's leaf bookkeeping (set_leaf_maps_once, nonzero masks per 4x4
unit) against the encoder's (set_leaf_maps, levels per sample): the same
unit maps, and the co-located context counts read from either map agree
on every leaf of random coding trees (quadtrees with binary-split halves)."""
import numpy as np

from codec.common.constants import (BT_HORIZONTAL, BT_VERTICAL, CB_CODED, CB_NONE, CB_OTHER,
                                    LOG2_MIN_BLOCK, LOG2_MIN_BT, MAX_BLOCK)
from codec.common.shapes import SHAPE_H, SHAPE_W, bt_shape
from codec.common.contexts import TEMPLATE_REACH, coloc_count, coloc_count_mask
from codec.common.planes import set_leaf_maps, set_leaf_maps_once


def _masks_of(levels):
    """The decoder's map of a level map: bit 4 (y & 3) + (x & 3) of each
    4x4 unit set where the level is nonzero."""
    h, w = levels.shape
    m = np.zeros((h >> LOG2_MIN_BLOCK, w >> LOG2_MIN_BLOCK), np.uint16)
    for y, x in zip(*np.nonzero(levels)):
        m[y >> 2, x >> 2] |= 1 << (4 * (y & 3) + (x & 3))
    return m


def _random_levels(rng, w, h):
    """A level block of the decoder's scratch (zero beyond its nonzero box)
    and that box (rows, cols), or (0, 0) for a block without levels."""
    lv = np.zeros((MAX_BLOCK + TEMPLATE_REACH,) * 2, np.int32)
    if rng.random() < 0.15:
        return lv, 0, 0
    nv, nu = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
    lv[:nv, :nu] = rng.integers(-300, 301, (nv, nu)) * (rng.random((nv, nu)) < rng.random())
    lv[nv - 1, 0] = 1                          # the box is tight in rows ...
    lv[0, nu - 1] = -2                         # ... and in columns, as dec_coeffs reports it
    return lv, nv, nu


def _leaves(rng, x, y, log2n, out):
    """The leaves (x, y, shape class) of a random coding tree in coding order."""
    r = rng.random()
    h = 1 << (log2n - 1)
    if log2n > LOG2_MIN_BLOCK and r < 0.5:
        for dy in (0, h):
            for dx in (0, h):
                _leaves(rng, x + dx, y + dy, log2n - 1, out)
    elif log2n >= LOG2_MIN_BT and r < 0.75:
        bt = BT_HORIZONTAL if r < 0.625 else BT_VERTICAL
        hs = bt_shape(log2n, bt)
        out.append((x, y, hs))
        out.append((x + (h if bt == BT_VERTICAL else 0), y + (h if bt == BT_HORIZONTAL else 0), hs))
    else:
        out.append((x, y, log2n - LOG2_MIN_BLOCK))


def test_decoder_maps_equal_the_encoders_and_give_the_same_contexts():
    rng = np.random.default_rng(5)
    side = 128
    for trial in range(12):
        leaves = []
        for cy in range(0, side, 64):
            for cx in range(0, side, 64):
                _leaves(rng, cx, cy, 6, leaves)
        enc = [np.zeros((side >> 2, side >> 2), np.int8) for _ in range(3)]
        dec = [np.zeros((side >> 2, side >> 2), np.int8) for _ in range(3)]
        levels = np.full((side, side), 99, np.int16)   # the encoder's map overwrites whatever is there
        masks = np.zeros((side >> 2, side >> 2), np.uint16)
        for i, (x, y, sc) in enumerate(leaves):
            w, h = int(SHAPE_W[sc]), int(SHAPE_H[sc])
            lv, nv, nu = _random_levels(rng, w, h)
            # a coded leaf's value says which transform it used: the maps carry it as is
            cb = (CB_OTHER if i % 3 == 0 else CB_CODED) if nv > 0 else CB_NONE
            # the context counts of this leaf, before it is recorded, from either map
            for yy in range(min(h, 6)):
                for xx in range(min(w, 6)):
                    assert (coloc_count(levels, x, y, w, h, xx, yy) ==
                            coloc_count_mask(masks, x, y, w, h, xx, yy)), (trial, i, xx, yy)
            set_leaf_maps(*enc, levels, x, y, sc, i % 40, cb, lv)
            set_leaf_maps_once(*dec, masks, x, y, sc, i % 40, cb, lv, nv, nu)
        for a, b in zip(enc, dec):
            assert np.array_equal(a, b), trial
        assert np.array_equal(masks, _masks_of(levels)), trial
