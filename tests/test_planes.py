"""The decoder's leaf bookkeeping (set_leaf_maps_once) records the same maps
as the shared set_leaf_maps when the level map's area starts zeroed, its
level map holding the nonzero flags of the encoder's levels."""
import numpy as np

from codec.common.constants import MAX_BLOCK
from codec.common.planes import set_leaf_maps, set_leaf_maps_once


def test_leaf_maps_from_the_nonzero_box_equal_the_full_copy():
    rng = np.random.default_rng(5)
    for trial in range(60):
        log2n = int(rng.integers(2, 7))
        n = 1 << log2n
        x, y = n * int(rng.integers(0, 2)), n * int(rng.integers(0, 2))
        lv = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int32)
        nv, nu = int(rng.integers(1, n + 1)), int(rng.integers(1, n + 1))
        lv[:nv, :nu] = rng.integers(-5, 6, (nv, nu)) * (rng.random((nv, nu)) < 0.4)
        nz = bool(lv.any()) and trial % 7 != 0
        if not nz:
            lv[:] = 0
            nv = nu = 0
        maps = []
        for once in (False, True):
            smap, mmap, cbmap = (np.zeros((32, 32), np.int8) for _ in range(3))
            cmap = np.zeros((128, 128), np.int8 if once else np.int16)
            if once:
                set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, n, log2n, 7, nz, lv, nv, nu)
            else:
                cmap[:] = 99                   # the shared form overwrites whatever was there
                set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2n, 7, nz, lv)
                cmap[cmap == 99] = 0
                cmap = (cmap != 0).astype(np.int8)     # all the contexts read
            maps.append((smap, mmap, cbmap, cmap))
        for a, b in zip(*maps):
            assert np.array_equal(a, b), trial
        assert np.array_equal(maps[1][3][y:y + n, x:x + n], lv[:n, :n] != 0)
