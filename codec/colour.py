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

@alloc_kernel
def _up_axis0(c, n_out):
    """Float version of the normative 1-D upsampler along axis 0."""
    n_in, w = c.shape
    out = np.zeros((n_out, w))
    for o in range(n_out):
        for t in range(4):
            k = _tap_src(o, t, n_in)
            f = UP_TAPS[t] / 128.0
            for x in range(w):
                out[o, x] += f * c[k, x]
    return out


@alloc_kernel
def _up_axis0_adjoint(e, n_in):
    n_out, w = e.shape
    out = np.zeros((n_in, w))
    for o in range(n_out):
        for t in range(4):
            k = _tap_src(o, t, n_in)
            f = UP_TAPS[t] / 128.0
            for x in range(w):
                out[k, x] += f * e[o, x]
    return out


@alloc_kernel
def _up_axis1(c, n_out):
    """_up_axis0 along axis 1 (same arithmetic, no transposed copies)."""
    h, n_in = c.shape
    out = np.zeros((h, n_out))
    for y in range(h):
        for o in range(n_out):
            acc = 0.0
            for t in range(4):
                acc += UP_TAPS[t] / 128.0 * c[y, _tap_src(o, t, n_in)]
            out[y, o] = acc
    return out


@alloc_kernel
def _up_axis1_adjoint(e, n_in):
    h, n_out = e.shape
    out = np.zeros((h, n_in))
    for y in range(h):
        for o in range(n_out):
            for t in range(4):
                out[y, _tap_src(o, t, n_in)] += UP_TAPS[t] / 128.0 * e[y, o]
    return out


def _up2d(c, h, w):
    return _up_axis1(_up_axis0(np.ascontiguousarray(c), h), w)


def _up2d_adjoint(e, hc, wc):
    return _up_axis1_adjoint(_up_axis0_adjoint(np.ascontiguousarray(e), hc), wc)


def downsample420(plane, iterations=2):
    """Chroma plane (h, w) float -> (ceil(h/2), ceil(w/2)) minimising the
    squared error after the decoder's upsampling (CGLS from the 2x2 mean)."""
    h, w = plane.shape
    hc, wc = (h + 1) // 2, (w + 1) // 2
    p = np.pad(plane, ((0, 2 * hc - h), (0, 2 * wc - w)), mode="edge")
    c = p.reshape(hc, 2, wc, 2).mean(axis=(1, 3))
    r = plane - _up2d(c, h, w)
    s = _up2d_adjoint(r, hc, wc)
    d = s.copy()
    gamma = float((s * s).sum())
    for _ in range(iterations):
        if gamma <= 1e-9:
            break
        q = _up2d(d, h, w)
        alpha = gamma / float((q * q).sum())
        c += alpha * d
        r -= alpha * q
        s = _up2d_adjoint(r, hc, wc)
        g_new = float((s * s).sum())
        d = s + (g_new / gamma) * d
        gamma = g_new
    return np.clip(c, 0.0, float(SAMPLE_MAX))
