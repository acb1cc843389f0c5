"""Reference samples: build_refs's availability against the coding-order
rule it implements (unit_available for every unit), and the decoder's
decoded-units rule against it."""
import numpy as np
import pytest

from codec.common.constants import LOG2_MIN_BLOCK, MAX_BLOCK
from codec.common.predict import build_refs, build_refs_decoded, unit_available


@pytest.mark.parametrize("w,h,ctu_log2", [(72, 40, 6), (64, 64, 6), (52, 36, 5), (100, 20, 4)])
def test_reference_availability_follows_coding_order(w, h, ctu_log2):
    rng = np.random.default_rng(w * h)
    rec = rng.integers(0, 4080, (h, w)).astype(np.int16)
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    avail = np.zeros(4 * MAX_BLOCK + 1, np.bool_)
    wu, hu = w >> LOG2_MIN_BLOCK, h >> LOG2_MIN_BLOCK
    cul = ctu_log2 - LOG2_MIN_BLOCK
    checked = 0
    for log2n in range(LOG2_MIN_BLOCK, ctu_log2 + 1):
        n = 1 << log2n
        for y in range(0, h - n + 1, n):
            for x in range(0, w - n + 1, n):
                build_refs(rec, x, y, n, cul, ref, avail)
                cux, cuy, nu2 = x >> 2, y >> 2, 2 * n >> 2
                units = ([(cux - 1, cuy + j) for j in range(nu2)] + [(cux - 1, cuy - 1)] +
                         [(cux + j, cuy - 1) for j in range(nu2)])
                want = [unit_available(ux, uy, cux, cuy, wu, hu, cul) for ux, uy in units]
                got = ([avail[2 * n - 1 - 4 * j] for j in range(nu2)] + [avail[2 * n]] +
                       [avail[2 * n + 1 + 4 * j] for j in range(nu2)])
                assert got == want, (n, x, y)
                # the samples of available units are the plane's
                for j in range(nu2):
                    if want[j]:
                        assert ref[2 * n - 1 - 4 * j] == rec[y + 4 * j, x - 1]
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("w,h,ctu_log2,seed", [(72, 40, 6, 1), (128, 64, 6, 2), (52, 36, 5, 3),
                                               (100, 20, 4, 4)])
def test_decoded_map_availability_equals_the_coding_order_rule(w, h, ctu_log2, seed):
    """The decoder's rule (a unit is available once its leaf was decoded,
    build_refs_decoded) and the z-order rule (build_refs) agree on every
    leaf of random quadtrees walked in coding order, CTUs in raster order."""
    from codec.common.planes import TREE_STACK_ROWS, forced_split, pop_node, push_quarters
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 4080, (h, w)).astype(np.int16)
    smap = np.zeros((h >> LOG2_MIN_BLOCK, w >> LOG2_MIN_BLOCK), np.int8)
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    avail = np.zeros(4 * MAX_BLOCK + 1, np.bool_)
    ref2 = ref.copy()
    avail2 = avail.copy()
    cul = ctu_log2 - LOG2_MIN_BLOCK
    stack = np.zeros((TREE_STACK_ROWS, 3), np.int64)
    leaves = 0
    c = 1 << ctu_log2
    for y0 in range(0, h, c):
        for x0 in range(0, w, c):
            stack[0] = (x0, y0, ctu_log2)
            sp = 1
            while sp > 0:
                sp, x, y, log2n = pop_node(stack, sp)
                if x >= w or y >= h:
                    continue
                n = 1 << log2n
                if forced_split(x, y, n, w, h) or (log2n > LOG2_MIN_BLOCK and rng.random() < 0.6):
                    sp = push_quarters(stack, sp, x, y, log2n)
                    continue
                build_refs(rec, x, y, n, cul, ref, avail)
                build_refs_decoded(rec, smap, x, y, n, cul, ref2, avail2)
                k = 4 * n + 1
                assert (avail[:k] == avail2[:k]).all() and (ref[:k] == ref2[:k]).all(), (x, y, n)
                smap[y >> 2:(y + n) >> 2, x >> 2:(x + n) >> 2] = log2n
                leaves += 1
    assert leaves > 20
