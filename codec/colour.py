"""Colour transform and chroma resampling.

Decoder side (normative, integer): 4:2:0 chroma upsampling with a 4-tap
cubic filter (a = -0.5) at phases -1/4 and +1/4 (chroma sited at the centre
of each 2x2 luma block), and YCbCr -> RGB (BT.601 full range, 16-bit fixed
point).  Encoder side (float): RGB -> YCbCr, and chroma downsampling chosen
by least squares so that the decoder's upsampler reproduces the full-
resolution chroma as closely as possible.
"""
import numpy as np

from .constants import SAMPLE_MAX, SAMPLE_MID, SAMPLE_SHIFT
from .jit import alloc_kernel, kernel

# 4-tap upsampling filter, 7-bit: output at phase -1/4 uses c[i-2..i+1]
UP_TAPS = np.array([-3, 29, 111, -9], dtype=np.int64)
_UP_SHIFT = 7

# BT.601 full-range inverse, coefficients * 2**16
_CR_R = 91881
_CB_G = 22554
_CR_G = 46802
_CB_B = 116130

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


@kernel
def _tap_src(o, t, n_in):
    """Input index of tap t (0..3) for output o of the 2x upsampler, edge-clamped:
    odd outputs (phase +1/4) read c[i+2-t], even ones (phase -1/4) c[i-2+t], i = o/2."""
    i = o >> 1
    k = i + 2 - t if o & 1 else i - 2 + t
    return min(max(k, 0), n_in - 1)


@alloc_kernel
def _up_rows(src, out_h):
    """Vertical 2x upsampling: int64 (h, w) -> (out_h, w), values * 128."""
    h, w = src.shape
    out = np.empty((out_h, w), dtype=np.int64)
    for oy in range(out_h):
        for x in range(w):
            acc = np.int64(0)
            for t in range(4):
                acc += UP_TAPS[t] * src[_tap_src(oy, t, h), x]
            out[oy, x] = acc
    return out


@alloc_kernel
def upsample420(c, out_h, out_w):
    """Normative chroma upsampling of an integer plane to (out_h, out_w), int16."""
    v = _up_rows(c.astype(np.int64), out_h)
    h = v.shape[0]
    w = c.shape[1]
    out = np.empty((out_h, out_w), dtype=np.int16)
    rnd = np.int64(1) << (2 * _UP_SHIFT - 1)
    for y in range(h):
        for ox in range(out_w):
            acc = np.int64(0)
            for t in range(4):
                acc += UP_TAPS[t] * v[y, _tap_src(ox, t, w)]
            r = (acc + rnd) >> (2 * _UP_SHIFT)
            if r < 0:
                r = 0
            elif r > SAMPLE_MAX:
                r = SAMPLE_MAX
            out[y, ox] = r
    return out


@kernel
def ycc_to_rgb(y, cb, cr, out):
    """Normative YCbCr (internal units, equal sizes) -> RGB uint8 out[h, w, 3]."""
    h, w = out.shape[0], out.shape[1]
    sh = 16 + SAMPLE_SHIFT
    rnd = np.int64(1) << (sh - 1)
    for j in range(h):
        for i in range(w):
            yy = np.int64(y[j, i]) << 16
            b_ = np.int64(cb[j, i]) - SAMPLE_MID
            r_ = np.int64(cr[j, i]) - SAMPLE_MID
            r = (yy + _CR_R * r_ + rnd) >> sh
            g = (yy - _CB_G * b_ - _CR_G * r_ + rnd) >> sh
            b = (yy + _CB_B * b_ + rnd) >> sh
            out[j, i, 0] = 0 if r < 0 else (255 if r > 255 else r)
            out[j, i, 1] = 0 if g < 0 else (255 if g > 255 else g)
            out[j, i, 2] = 0 if b < 0 else (255 if b > 255 else b)


@kernel
def grey_to_rgb(y, out):
    h, w = out.shape[0], out.shape[1]
    rnd = 1 << (SAMPLE_SHIFT - 1)
    for j in range(h):
        for i in range(w):
            v = (np.int64(y[j, i]) + rnd) >> SAMPLE_SHIFT
            v = 0 if v < 0 else (255 if v > 255 else v)
            out[j, i, 0] = v
            out[j, i, 1] = v
            out[j, i, 2] = v


# --- encoder side: least-squares downsampling ---------------------------------
# The adjoints of the normative upsampler's two 1-D passes (in float),
# writing into given arrays.

@kernel
def _up_axis0_adjoint(e, out):
    """out (n_in, w) = the adjoint of the vertical 2x upsampling (taps as
    _tap_src, weights UP_TAPS / 128) applied to e (n_out, w)."""
    n_out, w = e.shape
    n_in = out.shape[0]
    for k in range(n_in):
        for x in range(w):
            out[k, x] = 0.0
    for o in range(n_out):
        for t in range(4):
            k = _tap_src(o, t, n_in)
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
                out[y, _tap_src(o, t, n_in)] += UP_TAPS[t] / 128.0 * e[y, o]


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
            ks[t] = _tap_src(o, t, n_in)
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
