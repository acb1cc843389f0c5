"""Colour conversion and chroma upsampling, the normative (integer) part.

4:2:0 chroma upsampling with a 4-tap cubic filter (a = -0.5) at phases -1/4
and +1/4 (chroma sited at the centre of each 2x2 luma block), and the
planes -> RGB through the stream's colour transform (an integer 3x3 matrix
and three offsets from the header; "YCbCr" names the three planes, whatever
transform the encoder chose).  The encoder's side (choosing the transform,
RGB -> planes, least-squares downsampling against this upsampler) is
enc/colour_enc.py.
"""
import numpy as np

from .constants import COLOUR_SHIFT, SAMPLE_MAX, SAMPLE_SHIFT
from ..jit import alloc_plane_kernel, inline_kernel, kernel, plane_kernel

# 4-tap upsampling filter, 7-bit: output at phase -1/4 uses c[i-2..i+1]
UP_TAPS = np.array([-3, 29, 111, -9], dtype=np.int64)
_UP_SHIFT = 7



@kernel
def up_tap_src(o, t, n_in):
    """Input index of tap t (0..3) for output o of the 2x upsampler, edge-clamped:
    odd outputs (phase +1/4) read c[i+2-t], even ones (phase -1/4) c[i-2+t], i = o/2."""
    i = o >> 1
    k = i + 2 - t if o & 1 else i - 2 + t
    return min(max(k, 0), n_in - 1)


@inline_kernel
def _clip_sample(v):
    return min(max(v, np.int32(0)), np.int32(SAMPLE_MAX))


@inline_kernel
def _to_u8(v):
    return np.uint8(min(max(v, np.int32(0)), np.int32(255)))


@kernel
def _rgb_row(yrow, cb, cr, out_row, n, rgb, cm):
    """Planes -> RGB of one row of n samples (internal units; the chroma rows
    are the planes' own (4:4:4) or the upsampler's int32 buffers), into
    out_row (n, 3) uint8; rgb: (3, >= n) int32 scratch; cm: int32[12], the
    inverse matrix row by row (R, G, B from planes 0, 1, 2) and the planes'
    offsets.  The three channels are computed in planar form and then
    interleaved: two loops that vectorise, where one interleaving loop does
    not (2.6x, measured).  int32 throughout: c and off <= 4080 < 2**12 and
    |M| < 2**15, so |M c| and |M off| < 3 * 2**27 and no partial sum reaches
    2**31."""
    sh = COLOUR_SHIFT + SAMPLE_SHIFT
    m00, m01, m02 = np.int32(cm[0]), np.int32(cm[1]), np.int32(cm[2])
    m10, m11, m12 = np.int32(cm[3]), np.int32(cm[4]), np.int32(cm[5])
    m20, m21, m22 = np.int32(cm[6]), np.int32(cm[7]), np.int32(cm[8])
    # the offsets and the rounding folded into one constant per channel:
    # M (c - off) + rnd = M c + (rnd - M off), the same integers
    rnd = np.int32(1 << (sh - 1))
    o0, o1, o2 = np.int32(cm[9]), np.int32(cm[10]), np.int32(cm[11])
    kr = np.int32(rnd - m00 * o0 - m01 * o1 - m02 * o2)
    kg = np.int32(rnd - m10 * o0 - m11 * o1 - m12 * o2)
    kb = np.int32(rnd - m20 * o0 - m21 * o1 - m22 * o2)
    tr = rgb[0]
    tg = rgb[1]
    tb = rgb[2]
    for i in range(n):
        a = np.int32(yrow[i])
        b = np.int32(cb[i])
        c = np.int32(cr[i])
        tr[i] = np.int32(m00 * a + m01 * b + m02 * c + kr) >> sh
        tg[i] = np.int32(m10 * a + m11 * b + m12 * c + kg) >> sh
        tb[i] = np.int32(m20 * a + m21 * b + m22 * c + kb) >> sh
    flat = out_row.reshape(3 * n)
    for i in range(n):
        flat[3 * i] = _to_u8(tr[i])
        flat[3 * i + 1] = _to_u8(tg[i])
        flat[3 * i + 2] = _to_u8(tb[i])


@kernel
def _up_vertical(c, oy, hc, wc, vrow):
    """The vertical pass of the upsampler for output row oy: vrow[2 + x]
    (x < wc), values * 128, with the row's ends repeated twice on either
    side for the horizontal pass (edge clamping)."""
    r0 = c[up_tap_src(oy, 0, hc)]
    r1 = c[up_tap_src(oy, 1, hc)]
    r2 = c[up_tap_src(oy, 2, hc)]
    r3 = c[up_tap_src(oy, 3, hc)]
    v = vrow[2:2 + wc]
    t0, t1, t2, t3 = np.int32(UP_TAPS[0]), np.int32(UP_TAPS[1]), np.int32(UP_TAPS[2]), \
        np.int32(UP_TAPS[3])
    for x in range(wc):
        v[x] = np.int32(t0 * r0[x] + t1 * r1[x] + t2 * r2[x] + t3 * r3[x])
    vrow[0] = vrow[2]
    vrow[1] = vrow[2]
    vrow[wc + 2] = vrow[wc + 1]
    vrow[wc + 3] = vrow[wc + 1]


@kernel
def _up_horizontal(vrow, wc, row):
    """The horizontal pass: row[2 j] (phase -1/4) and row[2 j + 1] (phase
    +1/4) from the padded vertical pass, rounded, clipped samples."""
    rnd = np.int32(1 << (2 * _UP_SHIFT - 1))
    t0, t1, t2, t3 = np.int32(UP_TAPS[0]), np.int32(UP_TAPS[1]), np.int32(UP_TAPS[2]), \
        np.int32(UP_TAPS[3])
    m2 = vrow[0:wc]                 # v[j - 2]
    m1 = vrow[1:wc + 1]
    z0 = vrow[2:wc + 2]
    p1 = vrow[3:wc + 3]
    p2 = vrow[4:wc + 4]
    for j in range(wc):
        e = np.int32(t0 * m2[j] + t1 * m1[j] + t2 * z0[j] + t3 * p1[j] + rnd)
        o = np.int32(t0 * p2[j] + t1 * p1[j] + t2 * z0[j] + t3 * m1[j] + rnd)
        row[2 * j] = _clip_sample(e >> (2 * _UP_SHIFT))
        row[2 * j + 1] = _clip_sample(o >> (2 * _UP_SHIFT))


@alloc_plane_kernel
def ycc420_to_rgb(y, cb, cr, out, r0, r1, cm):
    """Normative 4:2:0 YCbCr -> RGB uint8 out[h, w, 3], rows r0 <= oy < r1:
    each output row's chroma is upsampled (vertical pass, then horizontal)
    into row buffers and converted at once, so no full-size chroma plane is
    made.  y may be padded beyond (h, w), cb/cr beyond (ceil(h / 2), ceil(w / 2))."""
    w = out.shape[1]
    wc = (w + 1) >> 1
    _rows420(y, cb, cr, out, r0, r1, np.empty((2, wc + 4), np.int32),
             np.empty((2, 2 * wc), np.int32), np.empty((3, w), np.int32), cm)


@plane_kernel
def _rows420(y, cb, cr, out, r0, r1, vbuf, rbuf, rgb, cm):
    """ycc420_to_rgb's loop, without reference counting (each row view
    handed on would otherwise cost two atomic updates per array)."""
    h, w = out.shape[0], out.shape[1]
    hc, wc = (h + 1) >> 1, (w + 1) >> 1
    vb = vbuf[0]
    vr = vbuf[1]
    rb = rbuf[0]
    rr = rbuf[1]
    for oy in range(r0, r1):
        _up_vertical(cb, oy, hc, wc, vb)
        _up_vertical(cr, oy, hc, wc, vr)
        _up_horizontal(vb, wc, rb)
        _up_horizontal(vr, wc, rr)
        _rgb_row(y[oy], rb, rr, out[oy], w, rgb, cm)


@alloc_plane_kernel
def ycc444_to_rgb(y, cb, cr, out, r0, r1, cm):
    """Normative 4:4:4 YCbCr -> RGB uint8 out[h, w, 3], rows r0 <= oy < r1;
    the planes may be padded."""
    _rows444(y, cb, cr, out, r0, r1, np.empty((3, out.shape[1]), np.int32), cm)


@plane_kernel
def _rows444(y, cb, cr, out, r0, r1, rgb, cm):
    """ycc444_to_rgb's loop, without reference counting."""
    w = out.shape[1]
    for oy in range(r0, r1):
        _rgb_row(y[oy], cb[oy], cr[oy], out[oy], w, rgb, cm)


@plane_kernel
def grey_to_rgb(y, out, r0, r1):
    """Normative grey -> RGB uint8 out[h, w, 3], rows r0 <= j < r1; y may be padded."""
    w = out.shape[1]
    rnd = np.int32(1 << (SAMPLE_SHIFT - 1))
    for j in range(r0, r1):
        yrow = y[j]
        orow = out[j]
        for i in range(w):
            v = _to_u8(np.int32(yrow[i] + rnd) >> SAMPLE_SHIFT)
            orow[i, 0] = v
            orow[i, 1] = v
            orow[i, 2] = v
