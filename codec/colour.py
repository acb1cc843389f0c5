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
from .jit import alloc_kernel, inline_kernel, kernel

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
# Float versions of the normative upsampler's two 1-D passes and their
# adjoints, writing into given arrays: the least-squares solve below runs
# them on whole planes several times, and fresh full-plane temporaries (page
# faults) had cost more than the arithmetic.

@kernel
def _up_axis0(c, out):
    """out (n_out, w) = c (n_in, w) upsampled along axis 0."""
    n_in, w = c.shape
    n_out = out.shape[0]
    for o in range(n_out):
        for x in range(w):
            out[o, x] = 0.0
        for t in range(4):
            k = _tap_src(o, t, n_in)
            f = UP_TAPS[t] / 128.0
            for x in range(w):
                out[o, x] += f * c[k, x]


@kernel
def _up_axis0_adjoint(e, out):
    """out (n_in, w) = the adjoint of _up_axis0 applied to e (n_out, w)."""
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
def _up_axis1(c, out):
    """out (h, n_out) = c (h, n_in) upsampled along axis 1; away from the
    edges (i - 2 >= 0, i + 2 < n_in) the taps need no clamping."""
    h, n_in = c.shape
    n_out = out.shape[1]
    f0 = UP_TAPS[0] / 128.0
    f1 = UP_TAPS[1] / 128.0
    f2 = UP_TAPS[2] / 128.0
    f3 = UP_TAPS[3] / 128.0
    ilo = 2
    ihi = min(n_in - 2, n_out >> 1)
    if ihi <= ilo:
        ilo = ihi = n_out
    for y in range(h):
        for o in range(min(2 * ilo, n_out)):
            out[y, o] = _up1_clamped(c, y, o, n_in)
        for i in range(ilo, ihi):          # outputs 2i (phase -1/4) and 2i + 1 (+1/4)
            out[y, 2 * i] = (f0 * c[y, i - 2] + f1 * c[y, i - 1] + f2 * c[y, i] +
                             f3 * c[y, i + 1])
            out[y, 2 * i + 1] = (f0 * c[y, i + 2] + f1 * c[y, i + 1] + f2 * c[y, i] +
                                 f3 * c[y, i - 1])
        for o in range(2 * ihi, n_out):
            out[y, o] = _up1_clamped(c, y, o, n_in)


@inline_kernel
def _up1_clamped(c, y, o, n_in):
    acc = 0.0
    for t in range(4):
        acc += UP_TAPS[t] / 128.0 * c[y, _tap_src(o, t, n_in)]
    return acc


@kernel
def _up_axis1_adjoint(e, out):
    """out (h, n_in) = the adjoint of _up_axis1 applied to e (h, n_out)."""
    h, n_out = e.shape
    n_in = out.shape[1]
    for y in range(h):
        for k in range(n_in):
            out[y, k] = 0.0
        for o in range(n_out):
            for t in range(4):
                out[y, _tap_src(o, t, n_in)] += UP_TAPS[t] / 128.0 * e[y, o]


@kernel
def _sumsq(a):
    acc = 0.0
    for j in range(a.shape[0]):
        for i in range(a.shape[1]):
            acc += a[j, i] * a[j, i]
    return acc


@kernel
def _mean2x2(plane, out):
    """out = the means of plane's 2x2 blocks (the last row / column repeated
    when the size is odd)."""
    h, w = plane.shape
    hc, wc = out.shape
    for j in range(hc):
        y0 = 2 * j
        y1 = min(y0 + 1, h - 1)
        for i in range(wc):
            x0 = 2 * i
            x1 = min(x0 + 1, w - 1)
            out[j, i] = 0.25 * (plane[y0, x0] + plane[y0, x1] + plane[y1, x0] + plane[y1, x1])


@alloc_kernel
def _cgls420(plane, c, iterations):
    """CGLS on min ||up(c) - plane||^2 from c (refined in place); up is the
    float upsampler (axis 0, then axis 1)."""
    h, w = plane.shape
    hc, wc = c.shape
    rows = np.empty((h, wc))         # after the axis-0 pass
    q = np.empty((h, w))
    r = np.empty((h, w))
    cols = np.empty((hc, w))          # after the axis-0 adjoint
    s = np.empty((hc, wc))
    d = np.empty((hc, wc))
    _up_axis0(c, rows)
    _up_axis1(rows, q)
    for j in range(h):
        for i in range(w):
            r[j, i] = plane[j, i] - q[j, i]
    _up_axis0_adjoint(r, cols)
    _up_axis1_adjoint(cols, s)
    for j in range(hc):
        for i in range(wc):
            d[j, i] = s[j, i]
    gamma = _sumsq(s)
    for it in range(iterations):
        if gamma <= 1e-9:
            break
        _up_axis0(d, rows)
        _up_axis1(rows, q)
        qq = _sumsq(q)
        if qq <= 0.0:
            break
        alpha = gamma / qq
        for j in range(hc):
            for i in range(wc):
                c[j, i] += alpha * d[j, i]
        if it == iterations - 1:
            break                   # the next direction would go unused
        for j in range(h):
            for i in range(w):
                r[j, i] -= alpha * q[j, i]
        _up_axis0_adjoint(r, cols)
        _up_axis1_adjoint(cols, s)
        g_new = _sumsq(s)
        beta = g_new / gamma
        for j in range(hc):
            for i in range(wc):
                d[j, i] = s[j, i] + beta * d[j, i]
        gamma = g_new


def downsample420(plane, iterations=2):
    """Chroma plane (h, w) float -> (ceil(h/2), ceil(w/2)) minimising the
    squared error after the decoder's upsampling (CGLS from the 2x2 mean)."""
    h, w = plane.shape
    plane = np.ascontiguousarray(plane, dtype=np.float64)
    c = np.empty(((h + 1) // 2, (w + 1) // 2))
    _mean2x2(plane, c)
    _cgls420(plane, c, iterations)
    return np.clip(c, 0.0, float(SAMPLE_MAX))
