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


@pytest.mark.parametrize("lw,lh", [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (3, 2), (2, 3),
                                   (4, 3), (3, 4), (5, 4), (4, 5), (6, 5), (5, 6)])
def test_horizontal_modes_through_the_work_array_equal_column_stores(lw, lh):
    """predict_wh writes a horizontal mode's columns through main's tail and a
    transposing copy when main is large enough (MAIN_WORK), straight down
    pred's columns when it is not: the two must agree, sample for sample,
    whatever main held before."""
    from codec.common.constants import NUM_MODES
    from codec.common.predict import MAIN_REF_LEN, MAIN_WORK, predict_wh
    rng = np.random.default_rng(lw * 7 + lh)
    w, h = 1 << lw, 1 << lh
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    ref[:2 * (w + h) + 1] = rng.integers(0, 4081, 2 * (w + h) + 1)
    for mode in range(2, NUM_MODES):
        small = np.zeros(MAIN_REF_LEN, np.int64)
        large = rng.integers(-9999, 9999, MAIN_WORK).astype(np.int64)
        want = np.full((MAX_BLOCK, MAX_BLOCK), -1, np.int64)
        got = np.full((MAX_BLOCK, MAX_BLOCK), -2, np.int64)
        predict_wh(ref, w, h, lw, lh, mode, want, 0, small)
        predict_wh(ref, w, h, lw, lh, mode, got, 0, large)
        assert np.array_equal(got[:h, :w], want[:h, :w]), mode
        assert (want[:h, :w] >= 0).all() and (want[:h, :w] <= 4080).all()


# Format 17: split nodes whose parts test units of their own node.  Leaves
# (x, y, w, h in samples, relative to a 32x32 node) in decoding order.
PART_LAYOUTS = [
    # vertical split, the left half across in two squares, the right half a leaf
    [(0, 0, 16, 16), (0, 16, 16, 16), (16, 0, 16, 32)],
    # vertical split, the right half across
    [(0, 0, 16, 32), (16, 0, 16, 16), (16, 16, 16, 16)],
    # horizontal split, the top half across, the bottom half in quarters, the first across
    [(0, 0, 16, 16), (16, 0, 16, 16), (0, 16, 16, 8), (16, 16, 16, 8), (0, 24, 32, 8)],
    # vertical ternary split, the left quarter and the middle across
    [(0, 0, 8, 16), (0, 16, 8, 16), (8, 0, 16, 16), (8, 16, 16, 16), (24, 0, 8, 32)],
    # horizontal ternary split, the middle and the last quarter across
    [(0, 0, 32, 8), (0, 8, 16, 16), (16, 8, 16, 16), (0, 24, 16, 8), (16, 24, 16, 8)],
    # vertical split in quarters, the second and third across
    [(0, 0, 8, 32), (8, 0, 8, 16), (8, 16, 8, 16), (16, 0, 8, 16), (16, 16, 8, 16),
     (24, 0, 8, 32)],
]


@pytest.mark.parametrize("nx,ny", [(0, 32), (32, 0), (32, 32)])
def test_the_encoders_node_rule_equals_the_decoded_map_for_parts(nx, ny):
    """The encoder's availability for the parts of a split node
    (build_refs_node_wh: inside the node its own map of decoded parts,
    outside the z-order rule whatever its map holds there) gives the same
    references as the decoder's map of decoded leaves, on layouts whose
    parts test units of their node that z-order would get wrong."""
    from codec.common.predict import build_refs_decoded_wh, build_refs_node_wh, build_refs_wh
    w, h, cul = 96, 64, 6 - LOG2_MIN_BLOCK
    rng = np.random.default_rng(nx + 3 * ny)
    rec = rng.integers(0, 4080, (h, w)).astype(np.int16)
    wu, hu = w >> LOG2_MIN_BLOCK, h >> LOG2_MIN_BLOCK
    node = np.array([nx >> 2, ny >> 2, (nx + 32) >> 2, (ny + 32) >> 2], np.int64)
    size = 4 * MAX_BLOCK + 1
    bufs = [np.zeros(size, np.int64), np.zeros(size, np.bool_)]
    dec_ref, dec_avail, enc_ref, enc_avail, z_ref, z_avail = [a.copy() for a in bufs * 3]
    z_wrong = 0
    for layout in PART_LAYOUTS:
        dec_map = np.zeros((hu, wu), np.int8)      # what precedes the node, in coding order
        for uy in range(hu):
            for ux in range(wu):
                dec_map[uy, ux] = unit_available(ux, uy, node[0], node[1], wu, hu, cul)
        enc_map = rng.integers(0, 2, (hu, wu)).astype(np.int8)    # stale candidates outside
        enc_map[node[1]:node[3], node[0]:node[2]] = 0
        for x, y, bw, bh in layout:
            x, y = x + nx, y + ny
            build_refs_decoded_wh(rec, dec_map, x, y, bw, bh, cul, dec_ref, dec_avail)
            build_refs_node_wh(rec, enc_map, x, y, bw, bh, cul, enc_ref, enc_avail, node)
            k = 2 * (bw + bh) + 1
            assert (dec_avail[:k] == enc_avail[:k]).all() and (dec_ref[:k] == enc_ref[:k]).all(), \
                (layout, x, y)
            build_refs_wh(rec, x, y, bw, bh, cul, z_ref, z_avail)
            z_wrong += not (z_avail[:k] == dec_avail[:k]).all()
            for m in (dec_map, enc_map):
                m[y >> 2:(y + bh) >> 2, x >> 2:(x + bw) >> 2] = 1
    assert z_wrong > 0, "no part tested a unit of its node against z-order"
