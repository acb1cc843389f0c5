"""The normative colour path (4:2:0 upsampling, YCbCr -> RGB) against a
direct numpy evaluation of its definition, at the extremes of the sample
range and at every edge case of the plane sizes."""
import numpy as np
import pytest

from codec.common.colour import UP_TAPS
from codec.common.constants import (COLOUR_GREY, COLOUR_SHIFT, COLOUR_YCC420, COLOUR_YCC444,
                                    CT_BT601, CT_COEF_MAX, SAMPLE_MAX, SAMPLE_SHIFT)
from codec.common.planes import planes_to_rgb


def _upsample_axis(c, n_out, axis):
    """2x along axis: output o at phase -1/4 (even: c[i-2+t]) or +1/4 (odd:
    c[i+2-t]) of i = o // 2, taps UP_TAPS, indices clamped; values * 128."""
    n_in = c.shape[axis]
    out = []
    for o in range(n_out):
        i = o // 2
        acc = 0
        for t in range(4):
            k = i + 2 - t if o % 2 else i - 2 + t
            acc = acc + int(UP_TAPS[t]) * np.take(c, min(max(k, 0), n_in - 1), axis=axis)
        out.append(acc)
    return np.stack(out, axis=axis)


def _reference(y, cb, cr, colour, cm):
    h, w = y.shape
    y = y.astype(np.int64)
    if colour == COLOUR_GREY:
        v = np.clip((y + (1 << (SAMPLE_SHIFT - 1))) >> SAMPLE_SHIFT, 0, 255)
        return np.repeat(v[:, :, None], 3, axis=2).astype(np.uint8)
    if colour == COLOUR_YCC420:
        ups = []
        for c in (cb, cr):
            v = _upsample_axis(c.astype(np.int64), h, 0)
            v = _upsample_axis(v, w, 1)
            ups.append(np.clip((v + (1 << 13)) >> 14, 0, SAMPLE_MAX))
        cb, cr = ups
    c = [y - cm[9], cb.astype(np.int64) - cm[10], cr.astype(np.int64) - cm[11]]
    sh = COLOUR_SHIFT + SAMPLE_SHIFT
    rgb = [(sum(int(cm[3 * k + p]) * c[p] for p in range(3)) + (1 << (sh - 1))) >> sh
           for k in range(3)]
    return np.clip(np.stack(rgb, axis=2), 0, 255).astype(np.uint8)


# BT.601; the largest coefficients and offsets the header allows (the widest
# sums the int32 kernel meets); a random transform
TRANSFORMS = {
    "bt601": np.array(CT_BT601, np.int32),
    "widest": np.array([CT_COEF_MAX, -CT_COEF_MAX, CT_COEF_MAX] * 2
                       + [-CT_COEF_MAX, -CT_COEF_MAX, -CT_COEF_MAX] + [0, SAMPLE_MAX, 0], np.int32),
    "random": np.concatenate([np.random.default_rng(3).integers(-9000, 9000, 9),
                              np.random.default_rng(4).integers(0, SAMPLE_MAX + 1, 3)]).astype(np.int32),
}


def _padded(a, rng):
    """a inside a larger plane of random samples (decoded planes are padded)."""
    h, w = a.shape
    p = rng.integers(0, SAMPLE_MAX + 1, (h + 3, w + 5)).astype(np.int16)
    p[:h, :w] = a
    return p


@pytest.mark.parametrize("colour", [COLOUR_YCC420, COLOUR_YCC444, COLOUR_GREY])
@pytest.mark.parametrize("h, w", [(1, 1), (1, 2), (2, 1), (3, 5), (4, 4), (7, 9), (16, 33),
                                  (37, 20)])
@pytest.mark.parametrize("kind", ["random", "extremes"])
@pytest.mark.parametrize("ct", sorted(TRANSFORMS))
def test_planes_to_rgb_matches_the_definition(colour, h, w, kind, ct):
    rng = np.random.default_rng(h * 1000 + w * 10 + colour)
    hc, wc = ((h + 1) // 2, (w + 1) // 2) if colour == COLOUR_YCC420 else (h, w)

    def plane(ph, pw):
        if kind == "extremes":      # full swings: the largest sums the kernels meet
            return (rng.integers(0, 2, (ph, pw)) * SAMPLE_MAX).astype(np.int16)
        return rng.integers(0, SAMPLE_MAX + 1, (ph, pw)).astype(np.int16)

    y, cb, cr = plane(h, w), plane(hc, wc), plane(hc, wc)
    recs = [_padded(y, rng)] + ([] if colour == COLOUR_GREY else
                                [_padded(cb, rng), _padded(cr, rng)])
    got = planes_to_rgb(recs, w, h, colour, TRANSFORMS[ct])
    assert np.array_equal(got, _reference(y, cb, cr, colour, TRANSFORMS[ct]))
