"""CLIC 2019 metrics, defined once.

* bpp: 8 * (sum of whole file sizes) / (sum of width*height) over the set.
* PSNR: 10*log10(255^2 / MSE) with ONE MSE over all RGB values of all images.
* MS-SSIM: per image as the 2019 evaluation server computes it, then the
  plain mean over images.  On the RGB float image, at each of 5 scales the
  SSIM and contrast-structure maps of all three channels are averaged
  together (11x11 Gaussian, sigma 1.5, 'valid' convolution, window shrunk to
  min(11, h, w) with sigma scaled alike; K1 0.01, K2 0.03, L 255); between
  scales a 2x2 box filter with reflect padding, then every second pixel;
  weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333; no clamping.
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..jit import alloc_kernel

MSSSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
_K1, _K2, _L = 0.01, 0.03, 255.0


def _gauss(size, sigma):
    # odd size: integer offsets -r..r; even size: half-integer offsets
    radius = size // 2
    start, stop = -radius, radius + 1
    offset = 0.0
    if size % 2 == 0:
        offset = 0.5
        stop -= 1
    y, x = np.mgrid[offset + start:stop, offset + start:stop]
    g = np.exp(-((x * x + y * y) / (2.0 * sigma * sigma)))
    return g / g.sum()


@alloc_kernel
def _ssim_cs_kernel(a, b, g1, c1, c2):
    """Mean SSIM and CS over all channels of (h, w, c) float arrays with the
    separable kernel g1 x g1 ('valid').  Vertical pass of the five moments,
    then horizontal pass fused with the per-pixel SSIM/CS and the sums.
    Rows are flattened to w*c so the inner loops vectorise."""
    size = g1.shape[0]
    h, w, nc = a.shape
    ho = h - size + 1
    wo = w - size + 1
    wc = w * nc
    af = a.reshape(h, wc)
    bf = b.reshape(h, wc)
    t1 = np.zeros(wc)
    t2 = np.zeros(wc)
    t11 = np.zeros(wc)
    t22 = np.zeros(wc)
    t12 = np.zeros(wc)
    m1 = np.zeros(wo * nc)
    m2 = np.zeros(wo * nc)
    m11 = np.zeros(wo * nc)
    m22 = np.zeros(wo * nc)
    m12 = np.zeros(wo * nc)
    ssum = 0.0
    csum = 0.0
    for i in range(ho):
        t1[:] = 0.0
        t2[:] = 0.0
        t11[:] = 0.0
        t22[:] = 0.0
        t12[:] = 0.0
        for t in range(size):
            g = g1[t]
            for k in range(wc):
                x = af[i + t, k]
                y = bf[i + t, k]
                t1[k] += g * x
                t2[k] += g * y
                t11[k] += g * (x * x)
                t22[k] += g * (y * y)
                t12[k] += g * (x * y)
        m1[:] = 0.0
        m2[:] = 0.0
        m11[:] = 0.0
        m22[:] = 0.0
        m12[:] = 0.0
        for t in range(size):
            g = g1[t]
            o = t * nc
            for k in range(wo * nc):
                m1[k] += g * t1[k + o]
                m2[k] += g * t2[k + o]
                m11[k] += g * t11[k + o]
                m22[k] += g * t22[k + o]
                m12[k] += g * t12[k + o]
        for k in range(wo * nc):
            mu11 = m1[k] * m1[k]
            mu22 = m2[k] * m2[k]
            mu12 = m1[k] * m2[k]
            v1 = 2.0 * (m12[k] - mu12) + c2
            v2 = (m11[k] - mu11) + (m22[k] - mu22) + c2
            ssim = ((2.0 * mu12 + c1) * v1) / ((mu11 + mu22 + c1) * v2)
            ssum += ssim
            csum += v1 / v2
    n = ho * wo * nc
    return ssum / n, csum / n


def _ssim_cs(a, b, max_val=_L, filter_size=11, filter_sigma=1.5):
    """Mean SSIM and CS over all channels of float arrays (h, w, c)."""
    h, w, _ = a.shape
    size = min(filter_size, h, w)
    sigma = size * filter_sigma / filter_size
    g1 = _gauss(size, sigma).sum(axis=1)  # the 2-D Gaussian is the outer product of its marginals
    return _ssim_cs_kernel(np.ascontiguousarray(a), np.ascontiguousarray(b), g1,
                           (_K1 * max_val) ** 2, (_K2 * max_val) ** 2)


def ms_ssim(img1, img2):
    """MS-SSIM of two RGB images (h, w, 3), CLIC 2019 server definition."""
    a = np.asarray(img1, dtype=np.float64)
    b = np.asarray(img2, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    if a.ndim != 3:
        raise ValueError(f"expected (h, w, 3) images, got {a.shape}")
    down = np.ones((2, 2, 1)) / 4.0
    mssim, mcs = [], []
    for _ in range(len(MSSSIM_WEIGHTS)):
        s, c = _ssim_cs(a, b)
        mssim.append(s)
        mcs.append(c)
        a, b = [ndimage.convolve(x, down, mode="reflect")[::2, ::2, :] for x in (a, b)]
    mssim = np.array(mssim)
    mcs = np.array(mcs)
    n = len(MSSSIM_WEIGHTS)
    return float(np.prod(mcs[:n - 1] ** MSSSIM_WEIGHTS[:n - 1]) * (mssim[n - 1] ** MSSSIM_WEIGHTS[n - 1]))


def sse(img1, img2):
    """Sum of squared differences over all RGB values (int64 exact, returned as float)."""
    d = np.asarray(img1, dtype=np.int64) - np.asarray(img2, dtype=np.int64)
    return float((d * d).sum())


def psnr_from_mse(mse):
    # a Python float, so that comparisons give bool (a numpy bool is not JSON)
    return float("inf") if mse <= 0 else 10.0 * math.log10(255.0 ** 2 / mse)


@dataclass(frozen=True)
class ImageScore:
    """What the set aggregation needs of one image."""
    name: str
    pixels: int        # width * height
    nbytes: int        # whole file size
    sse: float         # over the 3 * pixels RGB values
    msssim: float


@dataclass(frozen=True)
class SetScore:
    images: int
    pixels: int
    nbytes: int
    bpp: float
    mse: float
    psnr: float
    msssim: float


def aggregate(scores):
    """The CLIC 2019 set score of a list of ImageScore."""
    scores = list(scores)
    if not scores:
        raise ValueError("no images to aggregate")
    pixels = sum(s.pixels for s in scores)
    nbytes = sum(s.nbytes for s in scores)
    mse = sum(s.sse for s in scores) / (3.0 * pixels)
    return SetScore(images=len(scores), pixels=pixels, nbytes=nbytes, bpp=8.0 * nbytes / pixels,
                    mse=mse, psnr=psnr_from_mse(mse),
                    msssim=float(np.mean([s.msssim for s in scores])))


def score_image(name, original, decoded, nbytes):
    original = np.asarray(original)
    decoded = np.asarray(decoded)
    if original.shape != decoded.shape:
        raise ValueError(f"{name}: decoded shape {decoded.shape} != original {original.shape}")
    h, w = original.shape[:2]
    return ImageScore(name=name, pixels=h * w, nbytes=int(nbytes), sse=sse(original, decoded),
                      msssim=ms_ssim(original, decoded))
