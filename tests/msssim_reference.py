"""Slow, literal MS-SSIM (FFT 'valid' convolution on (1, h, w, c) arrays, as
the CLIC 2019 server computes it), used only to check codec.sets.metrics."""
import numpy as np
from scipy import ndimage, signal

from codec.sets.metrics import MSSSIM_WEIGHTS, _gauss


def _ssim_cs(a, b, size_max=11, sigma_max=1.5):
    _, h, w, _ = a.shape
    size = min(size_max, h, w)
    sigma = size * sigma_max / size_max
    win = np.reshape(_gauss(size, sigma), (1, size, size, 1))
    mu1 = signal.fftconvolve(a, win, mode="valid")
    mu2 = signal.fftconvolve(b, win, mode="valid")
    s11 = signal.fftconvolve(a * a, win, mode="valid") - mu1 * mu1
    s22 = signal.fftconvolve(b * b, win, mode="valid") - mu2 * mu2
    s12 = signal.fftconvolve(a * b, win, mode="valid") - mu1 * mu2
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    v1 = 2 * s12 + c2
    v2 = s11 + s22 + c2
    return (np.mean(((2 * mu1 * mu2 + c1) * v1) / ((mu1 * mu1 + mu2 * mu2 + c1) * v2)),
            np.mean(v1 / v2))


def ms_ssim_reference(img1, img2):
    a = np.asarray(img1, np.float64)[None]
    b = np.asarray(img2, np.float64)[None]
    down = np.ones((1, 2, 2, 1)) / 4.0
    ss, cs = [], []
    for _ in range(5):
        s, c = _ssim_cs(a, b)
        ss.append(s)
        cs.append(c)
        a, b = [ndimage.convolve(x, down, mode="reflect")[:, ::2, ::2, :] for x in (a, b)]
    return float(np.prod(np.array(cs[:4]) ** MSSSIM_WEIGHTS[:4]) * ss[4] ** MSSSIM_WEIGHTS[4])
