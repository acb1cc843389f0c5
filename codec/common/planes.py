"""Plane geometry and assembly shared by encoder and decoder."""
from collections import namedtuple

import numpy as np

from .constants import (COLOUR_GREY, COLOUR_YCC420, LOG2_MAX_BLOCK, LOG2_MIN_BLOCK, MIN_BLOCK)
from .colour import grey_to_rgb, ycc420_to_rgb, ycc444_to_rgb
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
# contexts; the decoder's hold only whether each level is nonzero, see
# new_plane_state), and per 4x4 unit: smaps = log2 leaf size, mmaps = intra mode,
# cbmaps = coded-block flag, qmaps = the step index it was coded with.  The
# kernels take it splatted (*state), in this order.
PlaneState = namedtuple("PlaneState", ["recs", "cmaps", "smaps", "mmaps", "cbmaps", "qmaps"])


def new_plane_state(shapes, level_flags=False):
    """A zeroed PlaneState for planes of the given (h, w) shapes.  The
    encoder's cmaps hold the levels (int16; its write pass reads them back);
    with level_flags (the decoder) they hold int8 nonzero flags, all the
    contexts read (contexts.coloc_count tests != 0).  Half the memory, and
    0.86-0.93 of the decode time of int16 levels (tools.decode_ab, corpus,
    5 rounds), more than the bytes alone would suggest: the map is written
    and read in every leaf."""
    recs, cmaps, smaps, mmaps, cbmaps, qmaps = [], [], [], [], [], []
    for i in range(3):
        hp, wp = padded(shapes[i]) if i < len(shapes) else (MIN_BLOCK, MIN_BLOCK)
        # int16 holds every sample (<= 4080) and level (<= 32767)
        recs.append(np.zeros((hp, wp), np.int16))
        cmaps.append(np.zeros((hp, wp), np.int8 if level_flags else np.int16))
        u = (hp >> LOG2_MIN_BLOCK, wp >> LOG2_MIN_BLOCK)
        smaps.append(np.zeros(u, np.int8))
        mmaps.append(np.zeros(u, np.int8))
        cbmaps.append(np.zeros(u, np.int8))
        qmaps.append(np.zeros(u, np.int16))
    return PlaneState(tuple(recs), tuple(cmaps), tuple(smaps), tuple(mmaps), tuple(cbmaps),
                      tuple(qmaps))


@kernel
def fill_units(m, ux, uy, nu, v):
    """Set the nu x nu units from (ux, uy) of unit map m to v (clipped to the map)."""
    h, w = m.shape
    for j in range(uy, min(uy + nu, h)):
        for i in range(ux, min(ux + nu, w)):
            m[j, i] = v


@inline_kernel
def _set_leaf_units(smap, mmap, cbmap, x, y, n, log2n, mode, nz):
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    nu = n >> LOG2_MIN_BLOCK
    fill_units(smap, ux, uy, nu, log2n)
    fill_units(mmap, ux, uy, nu, mode)
    fill_units(cbmap, ux, uy, nu, 1 if nz else 0)


@kernel
def set_leaf_maps(smap, mmap, cbmap, cmap, x, y, n, log2n, mode, nz, lv):
    """Record a coded leaf of size n at (x, y): its log2 size, mode and cbf in
    the 4x4-unit maps, its levels (or zeros) in cmap at their block-local
    positions (what later leaves' contexts read)."""
    _set_leaf_units(smap, mmap, cbmap, x, y, n, log2n, mode, nz)
    # through row views indexed from 0: no negative-index handling, so the
    # copies vectorise (as in common/recon.py)
    for yy in range(n):
        crow = cmap[y + yy, x:x + n]
        if nz:
            lrow = lv[yy, :n]
            for xx in range(n):
                crow[xx] = lrow[xx]
        else:
            for xx in range(n):
                crow[xx] = 0


@kernel
def set_leaf_maps_once(smap, mmap, cbmap, cmap, x, y, n, log2n, mode, nz, lv, nv, nu):
    """set_leaf_maps for the decoder: its cmap holds nonzero flags (int8,
    new_plane_state(level_flags=True)), each leaf's area is still zero (the
    decoder records each area once, in a zeroed map), and the leaf's nonzero
    levels all lie in lv[:nv, :nu]: only that box's flags are written."""
    _set_leaf_units(smap, mmap, cbmap, x, y, n, log2n, mode, nz)
    for yy in range(nv):
        crow = cmap[y + yy, x:x + nu]
        lrow = lv[yy, :nu]
        for xx in range(nu):
            crow[xx] = lrow[xx] != 0


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


def planes_to_rgb(recs, width, height, colour, run_bands=None):
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
            ycc420_to_rgb(recs[0], recs[1], recs[2], out, r0, r1)
    else:
        def rows(r0, r1):
            ycc444_to_rgb(recs[0], recs[1], recs[2], out, r0, r1)
    if run_bands is None:
        rows(0, height)
    else:
        run_bands(rows, height)
    return out
