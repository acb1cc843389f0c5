"""Plane geometry and assembly shared by encoder and decoder."""
from collections import namedtuple

import numpy as np

from .constants import (CB_NONE, COLOUR_GREY, COLOUR_YCC420, LOG2_MAX_BLOCK, LOG2_MIN_BLOCK,
                        MIN_BLOCK)
from .colour import grey_to_rgb, ycc420_to_rgb, ycc444_to_rgb
from .shapes import SHAPE_H, SHAPE_LH, SHAPE_LW, SHAPE_W
from ..jit import inline_kernel, kernel


def plane_shapes(width, height, colour):
    """[(h, w), ...] of the coded planes (before padding)."""
    if colour == COLOUR_GREY:
        return [(height, width)]
    if colour == COLOUR_YCC420:
        hc, wc = (height + 1) // 2, (width + 1) // 2
        return [(height, width), (hc, wc), (hc, wc)]
    return [(height, width)] * 3


def padded(shape):
    h, w = shape
    return (-(-h // MIN_BLOCK) * MIN_BLOCK, -(-w // MIN_BLOCK) * MIN_BLOCK)


def ctu_log2(colour):
    """CTU size (log2) of each plane slot; chroma CTUs cover the same area as luma's."""
    c = LOG2_MAX_BLOCK - 1 if colour == COLOUR_YCC420 else LOG2_MAX_BLOCK
    return np.array([LOG2_MAX_BLOCK, c, c], dtype=np.int64)


# The per-plane state of a coding pass, each field a tuple of 3 arrays (one
# per plane slot; dummies for absent planes): recs = reconstructed samples,
# cmaps = each leaf's levels at their block-local positions (the co-located
# contexts; the decoder keeps only which levels are nonzero, as a mask per
# 4x4 unit, see new_plane_state), and per 4x4 unit: smaps = the leaf's
# shape (leaf_code: log2 width and height; 0 = no leaf yet), mmaps = intra
# mode, cbmaps = coded block (constants.CB_NONE, CB_CODED, CB_OTHER: no
# levels, levels in the size's transform, in the other one), qmaps = the
# step index it was coded with.  The kernels take it splatted (*state), in
# this order.
PlaneState = namedtuple("PlaneState", ["recs", "cmaps", "smaps", "mmaps", "cbmaps", "qmaps"])


def new_plane_state(shapes, level_masks=False):
    """A zeroed PlaneState for planes of the given (h, w) shapes.  The
    encoder's cmaps hold the levels (int16, a sample each; its write pass
    reads them back).  With level_masks (the decoder) a cmap holds, per 4x4
    unit, which of its 16 levels are nonzero: bit 4 (y & 3) + (x & 3) of a
    uint16, all the contexts read (contexts.coloc_count_mask).  An eighth
    of a byte per sample instead of two: the decoder touches fewer fresh
    pages per image.
    tools.decode_ab, 5 rounds on the corpus: int8 flags per sample took
    0.879 / 0.858 / 0.926 of the int16 levels' decode time (4:4:4 lambda
    362 / 4:2:0 lambda 362 / 4:4:4 lambda 22.6); these masks about 0.97 of
    the int8 flags' (every run, 5-9 rounds, the machine noisy by +-5 %
    between rounds: 0.958, 1.116, 0.981 / 0.946, 0.849, 0.964 / 0.947,
    0.967, 1.031, 0.974)."""
    recs, cmaps, smaps, mmaps, cbmaps, qmaps = [], [], [], [], [], []
    for i in range(3):
        hp, wp = padded(shapes[i]) if i < len(shapes) else (MIN_BLOCK, MIN_BLOCK)
        # int16 holds every sample (<= 4080) and level (<= 32767)
        recs.append(np.zeros((hp, wp), np.int16))
        u = (hp >> LOG2_MIN_BLOCK, wp >> LOG2_MIN_BLOCK)
        cmaps.append(np.zeros(u, np.uint16) if level_masks else np.zeros((hp, wp), np.int16))
        smaps.append(np.zeros(u, np.int8))
        mmaps.append(np.zeros(u, np.int8))
        cbmaps.append(np.zeros(u, np.int8))
        qmaps.append(np.zeros(u, np.int16))
    return PlaneState(tuple(recs), tuple(cmaps), tuple(smaps), tuple(mmaps), tuple(cbmaps),
                      tuple(qmaps))


@inline_kernel
def leaf_code(lw, lh):
    """A leaf's entry in the leaf-shape map smap: log2 width | log2 height << 4
    (never 0: the decoder reads 0 as 'not decoded yet')."""
    return lw | (lh << 4)


@inline_kernel
def leaf_lw(v):
    """log2 width of the leaf whose smap entry is v."""
    return np.int64(v) & 15


@inline_kernel
def leaf_lh(v):
    """log2 height of the leaf whose smap entry is v."""
    return np.int64(v) >> 4


@inline_kernel
def leaf_min_log2(v):
    """log2 of the shorter side of the leaf whose smap entry is v."""
    return min(np.int64(v) & 15, np.int64(v) >> 4)


@kernel
def fill_units_wh(m, ux, uy, nuw, nuh, v):
    """Set the nuw x nuh units from (ux, uy) of unit map m to v (clipped to the map)."""
    h, w = m.shape
    for j in range(uy, min(uy + nuh, h)):
        for i in range(ux, min(ux + nuw, w)):
            m[j, i] = v


@inline_kernel
def _set_leaf_units(smap, mmap, cbmap, x, y, sc, mode, cb):
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    lw = SHAPE_LW[sc]
    lh = SHAPE_LH[sc]
    nuw = 1 << (lw - LOG2_MIN_BLOCK)
    nuh = 1 << (lh - LOG2_MIN_BLOCK)
    fill_units_wh(smap, ux, uy, nuw, nuh, leaf_code(lw, lh))
    fill_units_wh(mmap, ux, uy, nuw, nuh, mode)
    fill_units_wh(cbmap, ux, uy, nuw, nuh, cb)


@kernel
def set_leaf_maps(smap, mmap, cbmap, cmap, x, y, sc, mode, cb, lv):
    """Record a coded leaf of shape class sc at (x, y): its shape, mode and
    coded-block value cb (CB_*) in the 4x4-unit maps, its levels (or zeros
    if cb is CB_NONE) in cmap at their block-local positions (what later
    leaves' contexts read)."""
    nz = cb != CB_NONE
    _set_leaf_units(smap, mmap, cbmap, x, y, sc, mode, cb)
    w = SHAPE_W[sc]
    # through row views indexed from 0: no negative-index handling, so the
    # copies vectorise (as in common/recon.py)
    for yy in range(SHAPE_H[sc]):
        crow = cmap[y + yy, x:x + w]
        if nz:
            lrow = lv[yy, :w]
            for xx in range(w):
                crow[xx] = lrow[xx]
        else:
            for xx in range(w):
                crow[xx] = 0


@kernel
def set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, sc, mode, cb, lv, nv, nu):
    """set_leaf_maps for the decoder, whose cmap holds nonzero masks per 4x4
    unit (new_plane_state(level_masks=True)): the leaf's area is still zero
    (the decoder records each area once, in a zeroed map) and its nonzero
    levels all lie in lv[:nv, :nu], so only the units of that box are
    written.  lv is zero beyond the box (dec_coeffs' contract), so the box
    is widened to whole units (<= the width, a multiple of 4) and each unit
    row's four flags are packed at once."""
    _set_leaf_units(smap, mmap, cbmap, x, y, sc, mode, cb)
    nu4 = (nu + 3) >> LOG2_MIN_BLOCK
    ux = x >> LOG2_MIN_BLOCK
    for yy in range(nv):
        mrow = cmap[(y + yy) >> LOG2_MIN_BLOCK, ux:ux + nu4]
        lrow = lv[yy, :nu4 << LOG2_MIN_BLOCK]
        sh = (yy & 3) << 2
        for g in range(nu4):
            bits = (np.int64(lrow[4 * g] != 0) | (np.int64(lrow[4 * g + 1] != 0) << 1) |
                    (np.int64(lrow[4 * g + 2] != 0) << 2) | (np.int64(lrow[4 * g + 3] != 0) << 3))
            mrow[g] |= np.uint16(bits << sh)


# A CTU's coding tree is walked in pre-order, z-order, from an explicit stack
# of (x, y, log2 size) rows (numba's cache cannot hold recursive functions);
# the decoder and the encoder's write pass walk it alike.  Each level pushes
# 4 rows and pops one: 3 pending per level, 5 levels, plus the root.
TREE_STACK_ROWS = 32


@inline_kernel
def forced_split(x, y, n, w, h):
    """A node of size n at (x, y) that crosses the plane's border is split
    without a flag (the format's implicit split)."""
    return x + n > w or y + n > h


@inline_kernel
def pop_node(stack, sp):
    """(new stack size, x, y, log2 size) of the node on top of the stack."""
    sp -= 1
    return sp, stack[sp, 0], stack[sp, 1], stack[sp, 2]


@inline_kernel
def push_quarters(stack, sp, x, y, log2s):
    """Push the four quarters of a node in reverse z-order, so that the first
    quarter is popped first; returns the new stack size."""
    half = 1 << (log2s - 1)
    for k in range(3, -1, -1):
        stack[sp, 0] = x + (k & 1) * half
        stack[sp, 1] = y + (k >> 1) * half
        stack[sp, 2] = log2s - 1
        sp += 1
    return sp


def planes_to_rgb(recs, width, height, colour, cm, run_bands=None):
    """Reconstructed (padded) planes -> RGB uint8 (height, width, 3); normative.
    run_bands(f, height), if given, calls f(r0, r1) over row bands that cover
    rows 0..height (on several threads: the kernels release the GIL; each
    band writes its own rows, so the image is the same however they run)."""
    out = np.empty((height, width, 3), dtype=np.uint8)
    if colour == COLOUR_GREY:
        def rows(r0, r1):
            grey_to_rgb(recs[0], out, r0, r1)
    elif colour == COLOUR_YCC420:
        def rows(r0, r1):
            ycc420_to_rgb(recs[0], recs[1], recs[2], out, r0, r1, cm)
    else:
        def rows(r0, r1):
            ycc444_to_rgb(recs[0], recs[1], recs[2], out, r0, r1, cm)
    if run_bands is None:
        rows(0, height)
    else:
        run_bands(rows, height)
    return out
