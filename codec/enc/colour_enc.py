"""Colour conversion, the encoder's side (float): RGB -> YCbCr, squared-error
helpers, and 4:2:0 chroma downsampling chosen by least squares so that the
decoder's upsampler (common/colour.py) reproduces the full-resolution
chroma as closely as possible.
"""
import numpy as np

from ..common.colour import UP_TAPS, up_tap_src
from ..common.constants import SAMPLE_MAX, SAMPLE_MID, SAMPLE_SHIFT
from ..jit import alloc_kernel, kernel

_FWD = np.array([[0.299, 0.587, 0.114],
                 [-0.168735892, -0.331264108, 0.5],
                 [0.5, -0.418687589, -0.081312411]])
RGB_WEIGHTS = np.array([3.0, 0.344136 ** 2 + 1.772 ** 2, 1.402 ** 2 + 0.714136 ** 2])
"""Squared-error weight of a unit error in Y, Cb, Cr on the sum over R, G, B."""


def rgb_to_ycc(rgb, pad_to=None):
    """float64 planes (Y, Cb, Cr) in internal sample units (8-bit value * 16),
    optionally padded by edge replication to pad_to = (hp, wp)."""
    h, w = rgb.shape[:2]
    hp, wp = pad_to if pad_to is not None else (h, w)
    out = np.empty((3, hp, wp))
    _rgb_to_ycc_kernel(np.ascontiguousarray(rgb), _FWD * float(1 << SAMPLE_SHIFT),
                       float(SAMPLE_MID), out)
    return out[0], out[1], out[2]


@kernel
def _rgb_to_ycc_kernel(rgb, m, mid, out):
    h, w = rgb.shape[0], rgb.shape[1]
    hp, wp = out.shape[1], out.shape[2]
    for j in range(hp):
        jj = min(j, h - 1)
        for i in range(wp):
            ii = min(i, w - 1)
            r = float(rgb[jj, ii, 0])
            g = float(rgb[jj, ii, 1])
            b = float(rgb[jj, ii, 2])
            out[0, j, i] = m[0, 0] * r + m[0, 1] * g + m[0, 2] * b
            out[1, j, i] = m[1, 0] * r + m[1, 1] * g + m[1, 2] * b + mid
            out[2, j, i] = m[2, 0] * r + m[2, 1] * g + m[2, 2] * b + mid


@kernel
def sse_change(org, old, new):
    """sum of (org - new)^2 - (org - old)^2 (org float, old/new integer planes
    of one shape); only changed samples are visited (a filter's trial)."""
    h, w = old.shape
    acc = 0.0
    for j in range(h):
        for i in range(w):
            if new[j, i] != old[j, i]:
                e1 = org[j, i] - new[j, i]
                e0 = org[j, i] - old[j, i]
                acc += e1 * e1 - e0 * e0
    return acc


@kernel
def rgb_sse(a, b):
    """Exact squared error between two uint8 RGB images (as float)."""
    acc = np.int64(0)
    h, w, c = a.shape
    for j in range(h):
        for i in range(w):
            for k in range(c):
                d = np.int64(a[j, i, k]) - np.int64(b[j, i, k])
                acc += d * d
    return float(acc)


# --- encoder side: least-squares downsampling ---------------------------------
# The adjoints of the normative upsampler's two 1-D passes (in float),
# writing into given arrays.

@kernel
def _up_axis0_adjoint(e, out):
    """out (n_in, w) = the adjoint of the vertical 2x upsampling (taps as
    up_tap_src, weights UP_TAPS / 128) applied to e (n_out, w)."""
    n_out, w = e.shape
    n_in = out.shape[0]
    for k in range(n_in):
        for x in range(w):
            out[k, x] = 0.0
    for o in range(n_out):
        for t in range(4):
            k = up_tap_src(o, t, n_in)
            f = UP_TAPS[t] / 128.0
            for x in range(w):
                out[k, x] += f * e[o, x]


@kernel
def _up_axis1_adjoint(e, out):
    """out (h, n_in) = the adjoint of the horizontal 2x upsampling applied to
    e (h, n_out)."""
    h, n_out = e.shape
    n_in = out.shape[1]
    for y in range(h):
        for k in range(n_in):
            out[y, k] = 0.0
        for o in range(n_out):
            for t in range(4):
                out[y, up_tap_src(o, t, n_in)] += UP_TAPS[t] / 128.0 * e[y, o]


@alloc_kernel
def _normal_cholesky(n_in, n_out):
    """Cholesky factor L of U^T U for the float 1-D upsampler U (n_out x
    n_in), banded: L[k, d] = L(k, k - d), d = 0..3 (one output reads 4
    consecutive inputs, so U^T U has bandwidth 3)."""
    g = np.zeros((n_in, 4))
    ks = np.zeros(4, np.int64)
    fs = np.zeros(4)
    for o in range(n_out):
        for t in range(4):
            ks[t] = up_tap_src(o, t, n_in)
            fs[t] = UP_TAPS[t] / 128.0
        for a in range(4):
            for b in range(4):
                d = ks[a] - ks[b]
                if 0 <= d <= 3:
                    g[ks[a], d] += fs[a] * fs[b]
    lo = np.zeros((n_in, 4))
    for k in range(n_in):
        for j in range(max(0, k - 3), k + 1):
            acc = g[k, k - j]
            for m in range(max(0, k - 3), j):
                acc -= lo[k, k - m] * lo[j, j - m]
            if j == k:
                lo[k, 0] = np.sqrt(max(acc, 1e-12))
            else:
                lo[k, k - j] = acc / lo[j, 0]
    return lo


@kernel
def _solve_rows(lo, y):
    """y (n, w) <- (L L^T)^-1 y, every column at once (L from _normal_cholesky)."""
    n, w = y.shape
    for k in range(n):
        for d in range(1, min(k, 3) + 1):
            f = lo[k, d]
            for x in range(w):
                y[k, x] -= f * y[k - d, x]
        f = 1.0 / lo[k, 0]
        for x in range(w):
            y[k, x] *= f
    for k in range(n - 1, -1, -1):
        for d in range(1, min(n - 1 - k, 3) + 1):
            f = lo[k + d, d]
            for x in range(w):
                y[k, x] -= f * y[k + d, x]
        f = 1.0 / lo[k, 0]
        for x in range(w):
            y[k, x] *= f


@kernel
def _solve_cols(lo, y):
    """y (h, n) <- y (L L^T)^-1, row by row."""
    h, n = y.shape
    for r in range(h):
        for k in range(n):
            acc = y[r, k]
            for d in range(1, min(k, 3) + 1):
                acc -= lo[k, d] * y[r, k - d]
            y[r, k] = acc / lo[k, 0]
        for k in range(n - 1, -1, -1):
            acc = y[r, k]
            for d in range(1, min(n - 1 - k, 3) + 1):
                acc -= lo[k + d, d] * y[r, k + d]
            y[r, k] = acc / lo[k, 0]


def downsample420(plane):
    """Chroma plane (h, w) float -> (ceil(h/2), ceil(w/2)) minimising the
    squared error after the decoder's upsampling.  The upsampler is
    separable, U0 c U1^T, so the least-squares optimum is separable too:
    c = (U0^T U0)^-1 U0^T plane U1 (U1^T U1)^-1, two banded solves (a
    conjugate-gradient solve of the 2-D problem took 5 full-plane passes
    more and stopped short of the optimum)."""
    h, w = plane.shape
    hc, wc = (h + 1) // 2, (w + 1) // 2
    plane = np.ascontiguousarray(plane, dtype=np.float64)
    cols = np.empty((hc, w))
    _up_axis0_adjoint(plane, cols)
    _solve_rows(_normal_cholesky(hc, h), cols)
    c = np.empty((hc, wc))
    _up_axis1_adjoint(cols, c)
    _solve_cols(_normal_cholesky(wc, w), c)
    return np.clip(c, 0.0, float(SAMPLE_MAX))
