"""Angular prediction (FORMAT.md 5.4): predict_wh against the text's
pseudo-code, luma's four-tap interpolation (format 18) and its table."""
from fractions import Fraction

import numpy as np
import pytest

from codec.common.constants import ANGULAR_CUBIC, MAX_BLOCK, MODE_H, MODE_V, SAMPLE_MAX
from codec.common.predict import ANGLE, INV_ANGLE, MAIN_REF_LEN, predict_wh

SHAPES = [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (3, 2), (2, 3), (5, 4), (4, 6), (6, 5)]


def _keys(x, a=Fraction(-1, 2)):
    x = abs(x)
    if x <= 1:
        return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
    if x < 2:
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
    return Fraction(0)


def _half_away(v):
    return int(np.sign(v)) * int(abs(v) + Fraction(1, 2))


def test_cubic_table_is_the_keys_kernel_rounded_as_format_md_says():
    for f in range(1, 32):
        t = Fraction(f, 32)
        exact = [64 * _keys(1 + t), 64 * _keys(t), 64 * _keys(1 - t), 64 * _keys(2 - t)]
        near = 1 if f <= 16 else 2                      # the centre tap nearer the position
        row = ANGULAR_CUBIC[f]
        assert sum(row) == 64, f
        for k in range(4):
            if k != near:
                assert row[k] == _half_away(exact[k]), (f, k)
        assert row == tuple(reversed(ANGULAR_CUBIC[32 - f])), f


def _model(ref, w, h, mode, luma):
    """FORMAT.md 5.4 for a w x h block, written from the text."""
    n2 = w + h
    left = [ref[n2 - 1 - k] for k in range(n2)]
    top = [ref[n2 + 1 + k] for k in range(n2)]
    corner = ref[n2]
    angle = int(ANGLE[mode])
    vertical = mode >= 18
    nlines, nlen = (h, w) if vertical else (w, h)
    main = {0: corner}
    for k in range(1, n2 + 1):
        main[k] = top[k - 1] if vertical else left[k - 1]
    if luma:
        main[n2 + 1] = main[n2]
    if angle < 0 and ((nlines * angle >> 5) < -1 or luma):
        for k in range(nlines * angle >> 5, 0):
            j = min(-1 + ((-k * int(INV_ANGLE[-angle]) + 128) >> 8), n2 - 1)
            main[k] = corner if j < 0 else (left[j] if vertical else top[j])
    pred = np.zeros((h, w), np.int64)
    for a in range(nlines):
        pos = (a + 1) * angle
        i, f = pos >> 5, pos & 31
        for b in range(nlen):
            if f == 0:
                v = main[i + b + 1]
            elif luma:
                c = ANGULAR_CUBIC[f]
                v = (c[0] * main[i + b] + c[1] * main[i + b + 1] + c[2] * main[i + b + 2]
                     + c[3] * main[i + b + 3] + 32) >> 6
                v = min(max(v, 0), SAMPLE_MAX)
            else:
                v = ((32 - f) * main[i + b + 1] + f * main[i + b + 2] + 16) >> 5
            if vertical:
                pred[a, b] = v
            else:
                pred[b, a] = v
    if luma and w < 32 and h < 32:
        if mode == MODE_V:
            for y in range(h):
                pred[y, 0] = min(max(top[0] + ((left[y] - corner) >> 1), 0), SAMPLE_MAX)
        elif mode == MODE_H:
            for x in range(w):
                pred[0, x] = min(max(left[0] + ((top[x] - corner) >> 1), 0), SAMPLE_MAX)
    return pred


@pytest.mark.parametrize("lw,lh", SHAPES)
def test_angular_modes_follow_format_md(lw, lh):
    """Every angular mode, luma (four taps) and chroma (two), on random
    references with full-swing steps (the clip bites), in a work array of
    exactly MAIN_REF_LEN and in a large one."""
    rng = np.random.default_rng(lw * 8 + lh)
    w, h = 1 << lw, 1 << lh
    for trial in range(3):
        ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
        vals = rng.integers(0, SAMPLE_MAX + 1, 2 * (w + h) + 1)
        if trial == 2:
            vals = np.where(vals > SAMPLE_MAX // 2, SAMPLE_MAX, 0)
        ref[:2 * (w + h) + 1] = vals
        for pt in (0, 1):
            for mode in range(2, 35):
                want = _model(list(ref), w, h, mode, pt == 0)
                for size in (MAIN_REF_LEN, 4 * MAIN_REF_LEN + MAX_BLOCK * MAX_BLOCK):
                    got = np.full((MAX_BLOCK, MAX_BLOCK), -1, np.int64)
                    predict_wh(ref, w, h, lw, lh, mode, got, pt, np.zeros(size, np.int64))
                    assert np.array_equal(got[:h, :w], want), (pt, mode, size)


def test_four_taps_follow_a_smooth_signal_closer_than_two():
    """The reason for format 18: along a smooth reference (a sinusoid of 8
    samples' period) the cubic kernel tracks the continuous signal much better
    than the linear blend, rounding of its 1/64 weights included."""
    w = h = 16
    n2 = w + h

    def top(x):                 # the top row's signal; top(-1) is the corner
        return 2040 + 1000 * np.sin(2 * np.pi * x / 8)

    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    ref[n2:2 * n2 + 1] = np.rint(top(np.arange(-1, n2)))
    err = {}
    for pt in (0, 1):
        for mode in (28, 30, 31):       # vertical, angles 2, 5, 9 in 1/32 per row
            got = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
            predict_wh(ref, w, h, 4, 4, mode, got, pt, np.zeros(MAIN_REF_LEN, np.int64))
            pos = np.arange(w)[None, :] + (np.arange(h)[:, None] + 1) * ANGLE[mode] / 32
            err[pt, mode] = np.abs(got[:h, :w] - top(pos)).mean()
    assert all(err[0, m] < err[1, m] / 3 for m in (28, 30, 31)), err
