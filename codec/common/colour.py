"""Colour conversion and chroma upsampling, the normative (integer) part.

4:2:0 chroma upsampling with a 4-tap cubic filter (a = -0.5) at phases -1/4
and +1/4 (chroma sited at the centre of each 2x2 luma block), and YCbCr ->
RGB (BT.601 full range, 16-bit fixed point).  The encoder's side (RGB ->
YCbCr, least-squares downsampling against this upsampler) is
enc/colour_enc.py.
"""
import numpy as np

from .constants import SAMPLE_MAX, SAMPLE_MID, SAMPLE_SHIFT
from ..jit import alloc_kernel, kernel

# 4-tap upsampling filter, 7-bit: output at phase -1/4 uses c[i-2..i+1]
UP_TAPS = np.array([-3, 29, 111, -9], dtype=np.int64)
_UP_SHIFT = 7

# BT.601 full-range inverse, coefficients * 2**16
_CR_R = 91881
_CB_G = 22554
_CR_G = 46802
_CB_B = 116130


@kernel
def up_tap_src(o, t, n_in):
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
                acc += UP_TAPS[t] * src[up_tap_src(oy, t, h), x]
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
                acc += UP_TAPS[t] * v[y, up_tap_src(ox, t, w)]
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
