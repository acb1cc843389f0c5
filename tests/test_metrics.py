"""CLIC metrics against hand-computed values and the literal reference."""
import math

import numpy as np
import pytest

from codec.sets.metrics import ImageScore, MSSSIM_WEIGHTS, aggregate, ms_ssim, score_image, sse
from msssim_reference import ms_ssim_reference


def test_sse_and_aggregate_by_hand():
    a = np.zeros((2, 3, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 3
    b[1, 2, 2] = 4
    assert sse(a, b) == 25.0
    s1 = ImageScore("a", pixels=6, nbytes=10, sse=25.0, msssim=0.9)
    s2 = ImageScore("b", pixels=4, nbytes=5, sse=0.0, msssim=0.7)
    t = aggregate([s1, s2])
    assert t.bpp == pytest.approx(8 * 15 / 10)
    assert t.mse == pytest.approx(25 / 30)               # one MSE over all RGB values
    assert t.psnr == pytest.approx(10 * math.log10(255 ** 2 / (25 / 30)))
    assert t.msssim == pytest.approx(0.8)                # plain mean over images


def test_msssim_constant_images_by_hand():
    """Constant images: sigma terms vanish, cs = 1 at every scale and
    ssim = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1), so MS-SSIM = ssim^w5."""
    a = np.full((64, 64, 3), 100, np.uint8)
    b = np.full((64, 64, 3), 110, np.uint8)
    c1 = (0.01 * 255) ** 2
    s = (2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1)
    assert ms_ssim(a, b) == pytest.approx(s ** MSSSIM_WEIGHTS[4], abs=1e-12)
    assert ms_ssim(a, a) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (11, 11), (12, 40), (37, 53), (64, 48)])
def test_msssim_matches_reference(shape):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    a = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    b = np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    assert ms_ssim(a, b) == pytest.approx(ms_ssim_reference(a, b), abs=1e-10)


def test_score_image_shape_mismatch():
    with pytest.raises(ValueError):
        score_image("x", np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8), 1)
