"""Chroma-from-luma prediction (FORMAT.md 5.5): predict_cfl against a
plain reading of the format text, for the six modes (one model or two; the
left and top neighbours, the left ones only or the top ones only)."""
import numpy as np
import pytest

from codec.common.constants import (CFL2_MIN_PAIRS, LOG2_MIN_BLOCK, MAX_BLOCK, NUM_CFL_MODES,
                                   SAMPLE_MAX, SAMPLE_MID)
from codec.common.predict import build_refs, predict_cfl, unit_available

CTU_ULOG2 = 3            # 32x32 chroma CTUs: below-left and above-right units follow the z-order


def _luma(lrec, cx, cy, s):
    lh, lw = lrec.shape
    if s == 0:
        return int(lrec[min(cy, lh - 1), min(cx, lw - 1)])
    xs = (min(2 * cx, lw - 1), min(2 * cx + 1, lw - 1))
    ys = (min(2 * cy, lh - 1), min(2 * cy + 1, lh - 1))
    return (int(lrec[ys[0], xs[0]]) + int(lrec[ys[0], xs[1]]) + int(lrec[ys[1], xs[0]])
            + int(lrec[ys[1], xs[1]]) + 2) >> 2


def _fit(pairs):
    if not pairs:
        return 0, SAMPLE_MID << 14
    n = len(pairs)
    sl = sum(p[0] for p in pairs)
    sc = sum(p[1] for p in pairs)
    sll = sum(p[0] * p[0] for p in pairs)
    slc = sum(p[0] * p[1] for p in pairs)
    den = n * sll - sl * sl
    alpha = 0
    if den > 0:
        alpha = max(-65536, min(65536, ((n * slc - sl * sc) << 14) // den))
    return alpha, ((sc << 14) - alpha * sl) // n


def reference(lrec, rec, x, y, n, s, k):
    h, w = rec.shape
    side, two = k >> 1, k & 1
    nl = {0: n, 1: 2 * n, 2: 0}[side]
    nt = {0: n, 1: 0, 2: 2 * n}[side]
    wu, hu, cux, cuy = w >> 2, h >> 2, x >> 2, y >> 2

    def available(ux, uy):
        return unit_available(ux, uy, cux, cuy, wu, hu, CTU_ULOG2)
    pairs = []
    for j in range(nl):
        if available(cux - 1, (y + j) >> 2):
            pairs.append((_luma(lrec, x - 1, y + j, s), int(rec[y + j, x - 1])))
    for i in range(nt):
        if available((x + i) >> 2, cuy - 1):
            pairs.append((_luma(lrec, x + i, y - 1, s), int(rec[y - 1, x + i])))
    models = [_fit(pairs)] * 2
    t = SAMPLE_MAX
    if two and pairs:
        mean = sum(p[0] for p in pairs) // len(pairs)
        lo = [p for p in pairs if p[0] <= mean]
        hi = [p for p in pairs if p[0] > mean]
        if len(lo) >= CFL2_MIN_PAIRS and len(hi) >= CFL2_MIN_PAIRS:
            models = [_fit(lo), _fit(hi)]
            t = mean
    out = np.zeros((n, n), np.int64)
    for j in range(n):
        for i in range(n):
            lv = _luma(lrec, x + i, y + j, s)
            a, b = models[0] if lv <= t else models[1]
            out[j, i] = min(max((a * lv + b + 8192) >> 14, 0), SAMPLE_MAX)
    return out


def _planes(rng, w, h, s, kind):
    lw, lh = w << s, h << s
    if kind == "noise":
        lrec = rng.integers(0, SAMPLE_MAX + 1, (lh, lw))
        rec = rng.integers(0, SAMPLE_MAX + 1, (h, w))
    else:   # two regions with different luma-to-chroma slopes: the case for two models
        lrec = rng.integers(0, SAMPLE_MAX + 1, (lh, lw))
        rec = np.zeros((h, w), np.int64)
        for cy in range(h):
            for cx in range(w):
                lv = _luma(lrec, cx, cy, s)
                rec[cy, cx] = (lv * 3) // 4 if lv < 2000 else 3000 - lv // 2
        rec = np.clip(rec + rng.integers(-20, 21, (h, w)), 0, SAMPLE_MAX)
    return lrec.astype(np.int16), rec.astype(np.int16)


def _predict(lrec, rec, x, y, n, s, k, pred):
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    avail = np.zeros(4 * MAX_BLOCK + 1, np.bool_)
    build_refs(rec, x, y, n, CTU_ULOG2, ref, avail)
    predict_cfl(lrec, rec, x, y, n, s, k, avail, pred)
    return pred[:n, :n]


@pytest.mark.parametrize("s", [0, 1])
@pytest.mark.parametrize("kind", ["noise", "two-slopes"])
def test_predict_cfl_matches_the_format_text(s, kind):
    rng = np.random.default_rng(17 + s)
    w, h = 76, 68                         # blocks at the edges read clamped luma and miss units
    lrec, rec = _planes(rng, w, h, s, kind)
    pred = np.zeros((64, 64), np.int16)
    checked = split = 0
    for n in (4, 8, 16, 32):
        for y in range(0, h, n):
            for x in range(0, w, n):
                for k in range(NUM_CFL_MODES):
                    got = _predict(lrec, rec, x, y, n, s, k, pred)
                    want = reference(lrec, rec, x, y, n, s, k)
                    assert np.array_equal(got, want), (n, x, y, k)
                    checked += 1
                    if k & 1 and not np.array_equal(want, reference(lrec, rec, x, y, n, s, k - 1)):
                        split += 1
    assert checked > 500 and split > 50      # the two-model branch was taken, not just the fallback


def test_two_models_fall_back_to_one_below_the_minimum_pairs():
    """Only 3 training pairs above the mean luma (fewer than CFL2_MIN_PAIRS):
    mode 36 predicts exactly as mode 35; with 4 it does not."""
    rng = np.random.default_rng(3)
    for high, same in ((CFL2_MIN_PAIRS - 1, True), (CFL2_MIN_PAIRS, False)):
        lrec = rng.integers(0, SAMPLE_MAX, (32, 32)).astype(np.int16)
        lrec[16:32, 15] = 1000                 # the left column's luma
        lrec[15, 16:32] = 1000                 # the top row's
        lrec[16:16 + high, 15] = 3000
        rec = rng.integers(0, SAMPLE_MAX, (32, 32)).astype(np.int16)
        rec[16:16 + high, 15] = 200             # the bright pairs have their own chroma
        one = _predict(lrec, rec, 16, 16, 16, 0, 0, np.zeros((64, 64), np.int16))
        two = _predict(lrec, rec, 16, 16, 16, 0, 1, np.zeros((64, 64), np.int16))
        assert np.array_equal(one, two) == same, high
        assert len(np.unique(one)) > 1      # a real slope, not a flat block
