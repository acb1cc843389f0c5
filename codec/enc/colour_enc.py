"""Colour conversion, the encoder's side (float): the image's colour
transform, RGB -> its planes ("YCbCr"), squared-error helpers, and 4:2:0
chroma downsampling chosen by least squares so that the
decoder's upsampler (common/colour.py) reproduces the full-resolution
chroma as closely as possible.
"""
from collections import namedtuple

import numpy as np

from ..common.colour import UP_TAPS, up_tap_src
from ..common.constants import COLOUR_SHIFT, CT_BT601, SAMPLE_MAX, SAMPLE_SHIFT
from ..jit import alloc_kernel, kernel

# cm: the coded fields (int64[12]: the inverse matrix in 2**-COLOUR_SHIFT, R,
# G, B rows; the plane offsets in sample units); exact: the forward matrix
# (8-bit RGB -> sample units) that the decoder's integer inverse undoes;
# offs: the offsets as floats; weights: per plane the RGB squared error of a
# unit error in it.
ColourTransform = namedtuple("ColourTransform", ["cm", "exact", "offs", "weights"])


def transform_of(cm):
    """The ColourTransform of the coded fields cm.  The weights drop the
    cross terms of the inverse's columns: the planes' errors are independent."""
    cm = np.asarray(cm, np.int64)
    minv = cm[:9].reshape(3, 3) / float(1 << COLOUR_SHIFT)
    exact = np.linalg.inv(minv) * float(1 << SAMPLE_SHIFT)
    weights = (minv ** 2).sum(axis=0)
    return ColourTransform(cm.copy(), exact, cm[9:].astype(np.float64), weights)


def bt601_transform():
    """BT.601 full range (grey images)."""
    return transform_of(CT_BT601)


def gradient_moments(rgb):
    """Exact sums of the products of the three channels' horizontal and
    vertical first differences (int64[3, 3]) of uint8 RGB (h, w, 3)."""
    acc = np.zeros((3, 3), np.int64)
    _gradient_moments(np.ascontiguousarray(rgb), acc)
    return acc


@kernel
def _gradient_moments(rgb, acc):
    """acc (int64[3, 3], zeroed) += the sums of gradient_moments; upper
    triangle accumulated, then mirrored."""
    h, w = rgb.shape[0], rgb.shape[1]
    for j in range(h):
        for i in range(w):
            for dj, di in ((0, 1), (1, 0)):
                if j + dj < h and i + di < w:
                    for a in range(3):
                        da = np.int64(rgb[j + dj, i + di, a]) - np.int64(rgb[j, i, a])
                        for b in range(a, 3):
                            db = np.int64(rgb[j + dj, i + di, b]) - np.int64(rgb[j, i, b])
                            acc[a, b] += da * db
    acc[1, 0] = acc[0, 1]
    acc[2, 0] = acc[0, 2]
    acc[2, 1] = acc[1, 2]


def colour_transform(rgb):
    """The image's own colour transform (uint8 RGB (h, w, 3) -> ColourTransform):
    the eigenvectors of the covariance of its channels' horizontal and
    vertical first differences, largest eigenvalue first.  Intra prediction
    removes what is smooth, so the differences stand for what is left to
    code; their decorrelating rotation concentrates it in the first plane.
    (The covariance of the samples themselves, dominated by smooth
    gradients, bought a quarter as much on the corpus.)  Each row is scaled
    so that its range over 8-bit RGB spans 0..255 (as BT.601's do) and
    offset to start at 0; the first row's sum and each other row's largest
    entry are made positive.  The covariance sums are exact integers and the
    matrix is rounded to the coded precision, so the choice is the same on
    every machine but for ties at a rounding boundary."""
    cov = gradient_moments(rgb).astype(np.float64)
    if not cov.any():                   # flat: any transform codes it, keep the usual one
        return bt601_transform()
    _, vecs = np.linalg.eigh(cov)
    rows = vecs[:, ::-1].T.copy()
    if rows[0].sum() < 0:
        rows[0] = -rows[0]
    for k in (1, 2):
        if rows[k][np.argmax(np.abs(rows[k]))] < 0:
            rows[k] = -rows[k]
    fwd = rows / np.abs(rows).sum(axis=1, keepdims=True)
    off = -np.minimum(fwd, 0.0).sum(axis=1) * 255.0
    minv = np.rint(np.linalg.inv(fwd) * float(1 << COLOUR_SHIFT)).astype(np.int64)
    offs = np.rint(off * float(1 << SAMPLE_SHIFT)).astype(np.int64)
    return transform_of(np.concatenate([minv.reshape(9), offs]))


def rgb_to_ycc(rgb, ct, pad_to=None):
    """float64 planes (Y, Cb, Cr: those of the ColourTransform ct) in
    internal sample units (8-bit value * 16), clipped to the sample range,
    optionally padded by edge replication to pad_to = (hp, wp)."""
    h, w = rgb.shape[:2]
    hp, wp = pad_to if pad_to is not None else (h, w)
    out = np.empty((3, hp, wp))
    _rgb_to_ycc_kernel(np.ascontiguousarray(rgb), ct.exact, ct.offs, out)
    return out[0], out[1], out[2]


@kernel
def _rgb_to_ycc_kernel(rgb, m, off, out):
    h, w = rgb.shape[0], rgb.shape[1]
    hp, wp = out.shape[1], out.shape[2]
    for j in range(hp):
        jj = min(j, h - 1)
        for i in range(wp):
            ii = min(i, w - 1)
            r = float(rgb[jj, ii, 0])
            g = float(rgb[jj, ii, 1])
            b = float(rgb[jj, ii, 2])
            for k in range(3):
                v = m[k, 0] * r + m[k, 1] * g + m[k, 2] * b + off[k]
                out[k, j, i] = min(max(v, 0.0), float(SAMPLE_MAX))


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
def _solve_cols(lo, y, band):
    """y (h, n) <- y (L L^T)^-1, row by row: eight rows at a time through a
    transposed band (the rows as vector lanes; a row at a time, each step
    waited on the division before it: 3x the time), each row's operations
    in the same order as a row alone, so the same values.  band: (n, 8)
    float64 scratch."""
    h, n = y.shape
    for r0 in range(0, h, 8):
        nr = min(8, h - r0)
        for k in range(n):
            for j in range(nr):
                band[k, j] = y[r0 + j, k]
        for k in range(n):
            b = band[k]
            for d in range(1, min(k, 3) + 1):
                f = lo[k, d]
                p = band[k - d]
                for j in range(nr):
                    b[j] -= f * p[j]
            g = lo[k, 0]
            for j in range(nr):
                b[j] = b[j] / g
        for k in range(n - 1, -1, -1):
            b = band[k]
            for d in range(1, min(n - 1 - k, 3) + 1):
                f = lo[k + d, d]
                p = band[k + d]
                for j in range(nr):
                    b[j] -= f * p[j]
            g = lo[k, 0]
            for j in range(nr):
                b[j] = b[j] / g
        for k in range(n):
            for j in range(nr):
                y[r0 + j, k] = band[k, j]


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
    _solve_cols(_normal_cholesky(wc, w), c, np.empty((wc, 8)))
    return np.clip(c, 0.0, float(SAMPLE_MAX))
