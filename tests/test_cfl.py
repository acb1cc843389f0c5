"""Chroma-from-luma prediction (FORMAT.md 5.5, 5.6): predict_cfl against a
plain reading of the format text, for the six linear-model modes (one model
or two; the left and top neighbours, the left ones only or the top ones
only), and the cross-component filter (mode 41) against the same text read
with unbounded Python integers, so a 64-bit overflow in the kernel shows."""
import numpy as np
import pytest

from codec.common.constants import (CCCM_MIN_SAMPLES, CFL2_MIN_PAIRS, LOG2_MIN_BLOCK, MAX_BLOCK,
                                   MODE_CCCM, MODE_CFL, SAMPLE_MAX, SAMPLE_MID)
from codec.common.predict import (CCCM_SCRATCH, MAIN_REF_LEN, build_refs, predict_any,
                                  predict_cfl, unit_available)

NUM_LM_MODES = MODE_CCCM - MODE_CFL     # the linear-model modes 35..40

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
                for k in range(NUM_LM_MODES):
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


# --- the cross-component filter (mode 41, FORMAT.md 5.6) -----------------------

def _shift(v, k):
    return v >> k if k >= 0 else v << -k


def _cccm_inputs(lrec, cx, cy, s):
    def lum(u, v):
        return _luma(lrec, max(u, 0), max(v, 0), s)
    c, nn, ss, ww, ee = lum(cx, cy), lum(cx, cy - 1), lum(cx, cy + 1), lum(cx - 1, cy), lum(cx + 1, cy)
    return [c, nn + ss + ww + ee - 4 * c, nn - ss, ww - ee, nn + ss - ww - ee, (c * c + 2048) >> 12]


def cccm_reference(lrec, rec, x, y, n, s):
    """FORMAT.md 5.6 in Python integers (no overflow possible)."""
    h, w = rec.shape
    wu, hu, cux, cuy = w >> 2, h >> 2, x >> 2, y >> 2

    def available(ux, uy):
        return unit_available(ux, uy, cux, cuy, wu, hu, CTU_ULOG2)
    pos = []
    for i0 in range(0, 2 * n, 4):
        if available((x + i0) >> 2, cuy - 1):
            pos += [(u, v) for v in range(y - 4, y) for u in range(x + i0, x + i0 + 4)]
    for j0 in range(0, 2 * n, 4):
        if available(cux - 1, (y + j0) >> 2):
            pos += [(u, v) for v in range(y + j0, y + j0 + 4) for u in range(x - 4, x)]
    if available(cux - 1, cuy - 1):
        pos += [(u, v) for v in range(y - 4, y) for u in range(x - 4, x)]
    cnt = len(pos)
    if cnt < 16:
        return reference(lrec, rec, x, y, n, s, 0)
    fs = [_cccm_inputs(lrec, u, v, s) for u, v in pos]
    cs = [int(rec[v, u]) for u, v in pos]
    sm = [sum(f[i] for f in fs) for i in range(6)]
    sc = sum(cs)
    a = [[cnt * sum(f[i] * f[j] for f in fs) - sm[i] * sm[j] for j in range(6)] for i in range(6)]
    b = [cnt * sum(f[i] * c for f, c in zip(fs, cs)) - sm[i] * sc for i in range(6)]
    vc = cnt * sum(c * c for c in cs) - sc * sc
    ec = max(0, (vc.bit_length() - 29) >> 1)
    e = [(a[i][i].bit_length() - 29) >> 1 if a[i][i] > 0 else 0 for i in range(6)]
    for i in range(6):
        for j in range(i + 1):
            a[i][j] = _shift(a[i][j], e[i] + e[j])
        b[i] = _shift(b[i], e[i] + ec)
        if a[i][i] == 0:
            b[i], a[i][i] = 0, 1 << 28
        a[i][i] += (a[i][i] >> 10) + 1
    lq = [[0] * 6 for _ in range(6)]
    d = [0] * 6
    for j in range(6):
        d[j] = max(1, a[j][j] - sum((lq[j][k] * ((lq[j][k] * d[k]) >> 16)) >> 16 for k in range(j)))
        for i in range(j + 1, 6):
            t = a[i][j] - sum((lq[i][k] * ((lq[j][k] * d[k]) >> 16)) >> 16 for k in range(j))
            lq[i][j] = min(max((t << 16) // d[j], -(1 << 28)), 1 << 28)
    z = [0] * 6
    for j in range(6):
        z[j] = min(max(b[j] - sum((lq[j][k] * z[k]) >> 16 for k in range(j)), -(1 << 34)), 1 << 34)
    yv = [(z[j] << 16) // d[j] for j in range(6)]
    for j in range(5, -1, -1):
        t = yv[j] - sum((lq[k][j] * yv[k]) >> 16 for k in range(j + 1, 6))
        yv[j] = min(max(t, -(1 << 24)), 1 << 24)
    wt = []
    for i in range(6):
        k = ec - e[i]
        if k >= 0:
            lim = (1 << 24) >> min(k, 40)
            wt.append(min(max(yv[i], -lim), lim) << k)
        else:
            wt.append(yv[i] >> -k)
    bias = ((sc << 16) - sum(wt[i] * sm[i] for i in range(6))) // cnt + (1 << 15)
    out = np.zeros((n, n), np.int64)
    for j in range(n):
        for i in range(n):
            f = _cccm_inputs(lrec, x + i, y + j, s)
            out[j, i] = min(max((bias + sum(wt[k] * f[k] for k in range(6))) >> 16, 0), SAMPLE_MAX)
    return out


def _predict_cccm(lrec, rec, x, y, n, s):
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    fref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    avail = np.zeros(4 * MAX_BLOCK + 1, np.bool_)
    main = np.zeros(max(MAIN_REF_LEN, CCCM_SCRATCH), np.int64)
    pred = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int16)
    build_refs(rec, x, y, n, CTU_ULOG2, ref, avail)
    log2n = n.bit_length() - 1
    predict_any(MODE_CCCM, ref, fref, n, log2n, pred, 1, main, avail, lrec, rec, x, y, s)
    return pred[:n, :n]


@pytest.mark.parametrize("s", [0, 1])
@pytest.mark.parametrize("kind", ["noise", "smooth", "extreme"])
def test_cccm_matches_the_format_text(s, kind):
    """Every block of 4..32 on a 76x68 chroma plane (edges: clamped luma,
    missing units, the fallback below 16 template samples): noise, a smooth
    luma-chroma relation with a spatial shift, and planes of only 0 and 4080
    (the largest sums the fit can meet)."""
    rng = np.random.default_rng(41 + s)
    w, h = 76, 68
    lw, lh = w << s, h << s
    if kind == "noise":
        lrec = rng.integers(0, SAMPLE_MAX + 1, (lh, lw))
        rec = rng.integers(0, SAMPLE_MAX + 1, (h, w))
    elif kind == "extreme":
        lrec = rng.choice([0, SAMPLE_MAX], (lh, lw))
        rec = rng.choice([0, SAMPLE_MAX], (h, w))
    else:
        yy, xx = np.mgrid[0:lh, 0:lw]
        lrec = (2000 + 1500 * np.sin(xx / 7.0) * np.cos(yy / 5.0)).astype(np.int64)
        c = lrec[::1 << s, ::1 << s][:h, :w]
        rec = np.clip(3000 - c // 2 + np.roll(c, 1, axis=1) // 8 + rng.integers(-10, 11, (h, w)),
                      0, SAMPLE_MAX)
    lrec, rec = lrec.astype(np.int16), rec.astype(np.int16)
    fitted = 0
    for n in (4, 8, 16, 32):
        for y in range(0, h, n):
            for x in range(0, w, n):
                want = cccm_reference(lrec, rec, x, y, n, s)
                assert np.array_equal(_predict_cccm(lrec, rec, x, y, n, s), want), (n, x, y)
                fitted += not np.array_equal(want, reference(lrec, rec, x, y, n, s, 0))
    assert fitted > 100          # the filter, not the fallback to mode 35


def test_cccm_falls_back_to_mode_35_without_a_template():
    """The first block of a plane has no decoded neighbours (0 samples <
    CCCM_MIN_SAMPLES): mode 35's prediction (mid-grey here)."""
    rng = np.random.default_rng(4)
    lrec = rng.integers(0, SAMPLE_MAX, (32, 32)).astype(np.int16)
    rec = rng.integers(0, SAMPLE_MAX, (32, 32)).astype(np.int16)
    assert CCCM_MIN_SAMPLES > 0
    assert np.array_equal(_predict_cccm(lrec, rec, 0, 0, 8, 0), reference(lrec, rec, 0, 0, 8, 0, 0))
