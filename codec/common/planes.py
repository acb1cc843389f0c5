"""Plane geometry and assembly shared by encoder and decoder."""
from collections import namedtuple

import numpy as np

from .constants import (COLOUR_GREY, COLOUR_YCC420, LOG2_MAX_BLOCK, LOG2_MIN_BLOCK, MIN_BLOCK)
from .colour import grey_to_rgb, upsample420, ycc_to_rgb
from ..jit import kernel


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
# contexts), and per 4x4 unit: smaps = log2 leaf size, mmaps = intra mode,
# cbmaps = coded-block flag, qmaps = the step index it was coded with.  The
# kernels take it splatted (*state), in this order.
PlaneState = namedtuple("PlaneState", ["recs", "cmaps", "smaps", "mmaps", "cbmaps", "qmaps"])


def new_plane_state(shapes):
    """A zeroed PlaneState for planes of the given (h, w) shapes."""
    recs, cmaps, smaps, mmaps, cbmaps, qmaps = [], [], [], [], [], []
    for i in range(3):
        hp, wp = padded(shapes[i]) if i < len(shapes) else (MIN_BLOCK, MIN_BLOCK)
        # int16 holds every sample (<= 4080) and level (<= 32767): 4 bytes/sample in all
        recs.append(np.zeros((hp, wp), np.int16))
        cmaps.append(np.zeros((hp, wp), np.int16))
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


def planes_to_rgb(recs, width, height, colour):
    """Reconstructed (padded) planes -> RGB uint8 (height, width, 3); normative."""
    out = np.empty((height, width, 3), dtype=np.uint8)
    y = np.ascontiguousarray(recs[0][:height, :width])
    if colour == COLOUR_GREY:
        grey_to_rgb(y, out)
        return out
    if colour == COLOUR_YCC420:
        hc, wc = (height + 1) // 2, (width + 1) // 2
        cb = upsample420(np.ascontiguousarray(recs[1][:hc, :wc]), height, width)
        cr = upsample420(np.ascontiguousarray(recs[2][:hc, :wc]), height, width)
    else:
        cb = np.ascontiguousarray(recs[1][:height, :width])
        cr = np.ascontiguousarray(recs[2][:height, :width])
    ycc_to_rgb(y, cb, cr, out)
    return out
