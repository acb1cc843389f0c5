"""Binary splits (format 13), 4:1 quarters (format 16) and parts split
across (format 17): the parts' transforms, prediction and shapes, and whole
images whose luma uses them, encoder and decoder agreeing."""
import os

import numpy as np
import pytest

import codec
from codec.common.constants import (FORMAT_VERSION, LOG2_MAX_DST, LOG2_MIN_BLOCK, MAX_BLOCK, MODE_DC, MODE_H,
                                    MODE_PLANAR, MODE_V, NUM_MODES, NUM_SHAPES, NUM_SIZES,
                                    SAMPLE_MAX, TR_DCT2, TR_DST7)
from codec.common.predict import predict, predict_half
from codec.common.scan import SCAN_POS, SCAN_X, SCAN_Y
from codec.common.shapes import (SHAPE_H, SHAPE_LH, SHAPE_LW, SHAPE_W, bt_shape, quarter_shape,
                                 shape_class)
from codec.common.transform import _SHIFT1, _SHIFT2, BASIS_INT, BASIS_FLOAT, add_inverse_half, fdct_half
from conftest import decode_with_state, synthetic_image

HALVES = range(NUM_SIZES, NUM_SHAPES)


def test_shape_classes():
    for s in range(NUM_SIZES):
        assert SHAPE_W[s] == SHAPE_H[s] == 4 << s
    for lg in range(3, 7):
        wide, tall = bt_shape(lg, 1), bt_shape(lg, 2)
        assert (SHAPE_LW[wide], SHAPE_LH[wide]) == (lg, lg - 1)
        assert (SHAPE_LW[tall], SHAPE_LH[tall]) == (lg - 1, lg)
        assert shape_class(lg, lg - 1) == wide and shape_class(lg - 1, lg) == tall
    for lg in range(4, 7):
        wide, tall = quarter_shape(lg, 1), quarter_shape(lg, 2)
        assert (SHAPE_LW[wide], SHAPE_LH[wide]) == (lg, lg - 2)
        assert (SHAPE_LW[tall], SHAPE_LH[tall]) == (lg - 2, lg)
    assert len({(SHAPE_LW[s], SHAPE_LH[s]) for s in range(NUM_SHAPES)}) == NUM_SHAPES


@pytest.mark.parametrize("sc", range(NUM_SHAPES))
def test_scan_visits_every_position_once_by_antidiagonals(sc):
    w, h = SHAPE_W[sc], SHAPE_H[sc]
    xs, ys = SCAN_X[sc, :w * h], SCAN_Y[sc, :w * h]
    assert len(set(zip(xs, ys))) == w * h and xs.max() == w - 1 and ys.max() == h - 1
    d = xs + ys
    assert np.all(np.diff(d) >= 0)
    assert np.array_equal(SCAN_POS[sc, ys, xs], np.arange(w * h))


def _side(lg):
    return TR_DST7 if lg <= LOG2_MAX_DST else TR_DCT2


@pytest.mark.parametrize("sc", HALVES)
def test_half_inverse_is_the_two_pass_product(sc):
    lw, lh = SHAPE_LW[sc], SHAPE_LH[sc]
    w, h = 1 << lw, 1 << lh
    mw = BASIS_INT[_side(lw), lw - LOG2_MIN_BLOCK, :w, :w]
    mh = BASIS_INT[_side(lh), lh - LOG2_MIN_BLOCK, :h, :h]
    rng = np.random.default_rng(sc)
    for trial in range(40):
        coef = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
        nv, nu = rng.integers(1, h + 1), rng.integers(1, w + 1)
        coef[:nv, :nu] = rng.integers(-3000, 3001, (nv, nu)) * (rng.random((nv, nu)) < 0.4)
        pred = rng.integers(0, SAMPLE_MAX + 1, (MAX_BLOCK, MAX_BLOCK)).astype(np.int64)
        rec = np.zeros((80, 80), np.int16)
        add_inverse_half(coef, nv, nu, sc, pred, rec, 5, 3, np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64),
                         np.zeros((2, MAX_BLOCK), np.int64))
        t = (mh.T @ coef[:h, :w] + (1 << (_SHIFT1 - 1))) >> _SHIFT1
        r = (t @ mw + (1 << (_SHIFT2 - 1))) >> _SHIFT2
        want = np.clip(pred[:h, :w] + r, 0, SAMPLE_MAX)
        assert np.array_equal(rec[3:3 + h, 5:5 + w], want), trial


@pytest.mark.parametrize("sc", HALVES)
def test_half_forward_transform_is_orthonormal(sc):
    lw, lh = SHAPE_LW[sc], SHAPE_LH[sc]
    w, h = 1 << lw, 1 << lh
    rng = np.random.default_rng(100 + sc)
    blk = np.zeros((MAX_BLOCK, MAX_BLOCK))
    blk[:h, :w] = rng.normal(0, 300, (h, w))
    out = np.zeros((MAX_BLOCK, MAX_BLOCK))
    fdct_half(blk, sc, out, np.zeros((MAX_BLOCK, MAX_BLOCK), np.float32))
    mw = BASIS_FLOAT[_side(lw), lw - LOG2_MIN_BLOCK, :w, :w]
    mh = BASIS_FLOAT[_side(lh), lh - LOG2_MIN_BLOCK, :h, :h]
    back = mh.T @ out[:h, :w] @ mw
    assert np.allclose(back, blk[:h, :w], atol=0.5)
    assert np.isclose((out[:h, :w] ** 2).sum(), (blk[:h, :w] ** 2).sum(), rtol=2e-3)


def _refs(w, h, left, corner, top):
    n2 = w + h
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    ref[:n2] = left[::-1]
    ref[n2] = corner
    ref[n2 + 1:2 * n2 + 1] = top
    return ref


def _predict(ref, sc, mode):
    pred = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
    predict_half(ref, np.zeros_like(ref), sc, mode, pred, np.zeros(4 * MAX_BLOCK, np.int64))
    return pred[:SHAPE_H[sc], :SHAPE_W[sc]]


@pytest.mark.parametrize("sc", HALVES)
def test_half_prediction_of_flat_references_is_flat(sc):
    w, h = SHAPE_W[sc], SHAPE_H[sc]
    ref = _refs(w, h, np.full(w + h, 1234), 1234, np.full(w + h, 1234))
    for mode in range(NUM_MODES):
        assert np.all(_predict(ref, sc, mode) == 1234), mode


@pytest.mark.parametrize("sc", HALVES)
def test_half_vertical_and_horizontal_copy_their_side(sc):
    w, h = SHAPE_W[sc], SHAPE_H[sc]
    rng = np.random.default_rng(sc)
    side = rng.integers(0, SAMPLE_MAX, w + h)
    # the other side equal to the corner: the edge filters of small blocks add nothing
    pv = _predict(_refs(w, h, np.full(w + h, 500), 500, side), sc, MODE_V)
    assert np.array_equal(pv, np.broadcast_to(side[:w], (h, w)))
    ph = _predict(_refs(w, h, side, 500, np.full(w + h, 500)), sc, MODE_H)
    assert np.array_equal(ph, np.broadcast_to(side[:h, None], (h, w)))


@pytest.mark.parametrize("sc", HALVES)
def test_half_dc_is_the_long_side_mean(sc):
    w, h = SHAPE_W[sc], SHAPE_H[sc]
    left = np.full(w + h, 100)
    top = np.full(w + h, 100)
    long_side = top if w > h else left
    long_side[:max(w, h)] = 900            # the short side's samples do not count
    p = _predict(_refs(w, h, left, 100, top), sc, MODE_DC)
    interior = p[1:, 1:] if w < 32 and h < 32 else p
    assert np.all(interior == 900)


def test_square_planar_unchanged_by_the_general_form():
    """predict_wh on squares is the square predictor's planar sum, exactly."""
    rng = np.random.default_rng(3)
    for lg in range(2, 7):
        n = 1 << lg
        ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
        ref[:4 * n + 1] = rng.integers(0, SAMPLE_MAX + 1, 4 * n + 1)
        got = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
        predict(ref, n, lg, MODE_PLANAR, got, 0, np.zeros(4 * MAX_BLOCK, np.int64))
        n2 = 2 * n
        left = ref[n2 - 1::-1][:n + 1]
        top = ref[n2 + 1:n2 + 2 + n]
        yy, xx = np.mgrid[:n, :n]
        want = ((n - 1 - xx) * left[yy] + (xx + 1) * top[n] + (n - 1 - yy) * top[xx]
                + (yy + 1) * left[n] + n) >> (lg + 1)
        assert np.array_equal(got[:n, :n], want)


def _leaf_shapes(monkeypatch, data):
    """Decode data; return the luma leaf-shape map the decoder built."""
    out, state = decode_with_state(monkeypatch, data)
    smap = state.smaps[0].astype(np.int64)
    return out, smap & 15, smap >> 4


@pytest.mark.parametrize("chroma,lam", [("444", 300.0), ("420", 300.0), ("444", 30.0)])
def test_images_with_split_halves_decode_to_the_encoders_reconstruction(monkeypatch, chroma, lam):
    """Effort "max" searches every node size, with dependent quantisation
    too (lambda 30); the default effort only 8x8 nodes without it."""
    rgb = synthetic_image(96, 136, seed=11)
    on = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, chroma=chroma, effort="max"))
    off = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, chroma=chroma, effort="max",
                                                      binary_split=False))
    out, lw, lh = _leaf_shapes(monkeypatch, on.data)
    assert np.array_equal(out, on.recon)
    assert np.any(lw != lh), "no luma leaf was a split half"
    assert np.any((lw != lh) & (np.maximum(lw, lh) > 3)), "no half longer than 8"
    out_off, lw_off, lh_off = _leaf_shapes(monkeypatch, off.data)
    assert np.array_equal(out_off, off.recon)
    assert np.all(lw_off == lh_off)
    assert on.sse + lam * 8 * len(on.data) < (off.sse + lam * 8 * len(off.data)) * 1.02


def _leaves(lw, lh):
    """The leaves (x, y, w, h in 4x4 units) tiling a decoded leaf-shape map:
    the first unit not yet covered, in raster order, is a leaf's corner."""
    covered = np.zeros(lw.shape, bool)
    out = []
    for y in range(lw.shape[0]):
        for x in range(lw.shape[1]):
            if not covered[y, x]:
                w, h = 1 << (lw[y, x] - 2), 1 << (lh[y, x] - 2)
                assert not covered[y:y + h, x:x + w].any(), "overlapping leaves"
                covered[y:y + h, x:x + w] = True
                out.append((x, y, w, h))
    return out


def _quartered_and_ternary(leaves):
    """(halves split in quarters, ternary splits) recognisable in a leaf
    tiling: a 4:1 leaf one or two quarters of its long side into its node
    (a ternary split's quarters lie at 0 and 3/4, and a quartered half has
    one such quarter unless it was split across); a 2:1 leaf off its short
    side's grid (a ternary middle; a binary split's half is on it), or two
    squares off their grid (a ternary middle split across)."""
    quartered = sum(1 for x, y, w, h in leaves
                    if (w == 4 * h and y % w in (h, 2 * h)) or (h == 4 * w and x % h in (w, 2 * w)))
    middles = sum(1 for x, y, w, h in leaves if (w == 2 * h and y % h) or (h == 2 * w and x % w))
    squares = sum(1 for x, y, w, h in leaves if w == h and (x % w or y % h))
    return quartered, middles + squares // 2


def _crossed(leaves):
    """Parts split across (format 17) recognisable in a leaf tiling: squares
    off their size's grid (a ternary middle split across), and two equal
    blocks side by side beside a part (not a square) twice as wide, the
    three on the grid of twice the blocks' height (a half or a quarter split
    across next to a part of its node: a quadtree's leaves beside a binary
    split's part lie off that grid); then the same transposed."""
    n = sum(1 for x, y, w, h in leaves if w == h and (x % w or y % h))
    for t in (False, True):
        lv = [(y, x, h, w) if t else (x, y, w, h) for x, y, w, h in leaves]
        at = {(x, y): (w, h) for x, y, w, h in lv}
        for x, y, w, h in lv:
            if x % (2 * w) or (w == h and y % h) or at.get((x + w, y)) != (w, h):
                continue
            below = at.get((x, y + h))
            if below and below[0] == 2 * w != below[1] and y % (2 * h) == 0:
                n += 1
                continue
            for hc in (h // 2, h, 2 * h):
                if hc != 2 * w and at.get((x, y - hc)) == (2 * w, hc) and (y - hc) % (2 * h) == 0:
                    n += 1
                    break
    return n


def test_the_split_across_detector():
    """_crossed on hand-made tilings (4x4 units): a half split across beside
    its sibling, a ternary middle split across, and a quadtree's bottom
    children above a binary split's top half (not a split across)."""
    assert _crossed([(0, 0, 2, 2), (2, 0, 2, 2), (0, 2, 4, 2)]) == 1
    assert _crossed([(0, 0, 2, 4), (2, 0, 2, 2), (2, 2, 2, 2)]) == 1      # transposed
    assert _crossed([(0, 0, 4, 1), (0, 1, 2, 2), (2, 1, 2, 2), (0, 3, 4, 1)]) == 2
    assert _crossed([(0, 0, 4, 1), (0, 1, 4, 1), (0, 2, 2, 1), (2, 2, 2, 1), (0, 3, 4, 1)]) == 1
    assert _crossed([(0, 0, 2, 2), (2, 0, 2, 2), (0, 2, 2, 2), (2, 2, 2, 2), (0, 4, 4, 2),
                     (0, 6, 4, 2)]) == 0


# format 16's and 17's stored stream (tools/make_test_streams.py): --effort max at this
# setting codes both kinds of 4:1 parts and parts split across
QUARTERS_CASE = dict(h=64, w=96, seed=6, quality=60, chroma="420")


def test_images_with_quarters_and_ternary_splits_decode_to_the_encoders_reconstruction(
        monkeypatch):
    c = QUARTERS_CASE
    rgb = synthetic_image(c["h"], c["w"], seed=c["seed"])
    on = codec.encode_image(rgb, codec.EncoderConfig(quality=c["quality"], chroma=c["chroma"],
                                                     effort="max"))
    out, lw, lh = _leaf_shapes(monkeypatch, on.data)
    assert np.array_equal(out, on.recon)
    leaves = _leaves(lw, lh)
    quartered, ternary = _quartered_and_ternary(leaves)
    assert quartered > 0 and ternary > 0 and _crossed(leaves) > 0, \
        (quartered, ternary, _crossed(leaves))
    stored = os.path.join(os.path.dirname(__file__), "data",
                          f"v{FORMAT_VERSION}_c420_64x96_q60_max.bin")
    with open(stored, "rb") as f:
        _, lw, lh = _leaf_shapes(monkeypatch, f.read())
    leaves = _leaves(lw, lh)
    assert all(_quartered_and_ternary(leaves)), "the stored stream lost its 4:1 parts"
    assert _crossed(leaves) > 0, "the stored stream lost its parts split across"


def test_the_default_effort_codes_no_quarters(monkeypatch):
    """The default effort searches binary splits of 8x8 nodes only (format
    16's and 17's parts need 16x16 nodes), so it leaves them to --effort max."""
    c = QUARTERS_CASE
    rgb = synthetic_image(c["h"], c["w"], seed=c["seed"])
    data = codec.encode(rgb, config=codec.EncoderConfig(quality=c["quality"], chroma=c["chroma"]))
    _, lw, lh = _leaf_shapes(monkeypatch, data)
    assert np.all(np.abs(lw - lh) <= 1)
    assert _crossed(_leaves(lw, lh)) == 0
