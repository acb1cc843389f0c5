"""Edge offsets, shared by encoder and decoder: the last filter of a plane,
after deblocking and restoration.

Each sample is compared with its two neighbours along the CTU's direction
(left/right, above/below, above-left/below-right, above-right/below-left).
A neighbour less than EO_FLAT away counts as equal; with s the sum of the
two comparisons' signs (-1, 0, +1), the sample's class is
    1 (s = -2, a local minimum), 2 (s = -1), 3 (s = +1), 4 (s = +2, a local
    maximum), none (s = 0),
and the plane's offset of that direction and class is added (clipped to the
sample range).  Offsets raise minima and lower maxima: classes 1 and 2 add
their magnitude, 3 and 4 subtract it, so only magnitudes are coded.
Samples in the plane's first and last row and column keep their value (a
neighbour would be outside), and every comparison reads the restored plane,
not a sample already offset, so the CTU order does not matter.
"""
import numpy as np

from .constants import EO_CLASSES, EO_DIRS, EO_FLAT, SAMPLE_MAX
from ..jit import alloc_plane_kernel, inline_kernel

# (dy, dx) of the first neighbour of each direction; the second is opposite
EO_NEIGHBOUR = np.array([(0, -1), (-1, 0), (-1, -1), (-1, 1)], dtype=np.int64)
# the sign of each class's offset (index 0: no class)
EO_SIGN = np.array([0, 1, 1, -1, -1], dtype=np.int64)


def offset_table(mags):
    """int64 (EO_DIRS, EO_CLASSES + 1): the signed offset of every direction
    and class (class 0 adds nothing) from the coded magnitudes (EO_DIRS, EO_CLASSES)."""
    t = np.zeros((EO_DIRS, EO_CLASSES + 1), np.int64)
    t[:, 1:] = np.asarray(mags, np.int64) * EO_SIGN[1:]
    return t


@inline_kernel
def _sign(d):
    """-1, 0 or +1: the comparison of a sample with a neighbour d below it."""
    return np.int64(d >= EO_FLAT) - np.int64(d <= -EO_FLAT)


# the class of a sample from the sum of its two comparisons, + 2
EO_CLASS_OF = np.array([1, 2, 0, 3, 4], dtype=np.int64)


@inline_kernel
def eo_class(c, a, b):
    """The class (0..4) of a sample c with neighbours a and b (int64),
    without branches."""
    return EO_CLASS_OF[_sign(c - a) + _sign(c - b) + 2]


@alloc_plane_kernel
def apply_edge_offset(rec, table, choice, ctu):
    """Offset rec (int16, a whole plane) in place in every CTU (ctu x ctu
    samples) whose choice is nonzero (choice = 1 + direction); table from
    offset_table.  Reads a copy of the plane.  Every sample of a CTU takes
    its class's offset, class 0's being zero, so the loop has no branch per
    sample (clipping a sample that did not move changes nothing)."""
    h, w = rec.shape
    rows, cols = choice.shape
    src = rec.copy()
    for cy in range(rows):
        for cx in range(cols):
            c = np.int64(choice[cy, cx])
            if c == 0:
                continue
            d = c - 1
            dy = EO_NEIGHBOUR[d, 0]
            dx = EO_NEIGHBOUR[d, 1]
            y0 = max(cy * ctu, 1)
            y1 = min((cy + 1) * ctu, h - 1)
            x0 = max(cx * ctu, 1)
            x1 = min((cx + 1) * ctu, w - 1)
            off = table[d]
            for y in range(y0, y1):
                row = src[y]
                first = src[y + dy]
                second = src[y - dy]
                out = rec[y]
                for x in range(x0, x1):
                    v = np.int64(row[x])
                    k = eo_class(v, np.int64(first[x + dx]), np.int64(second[x - dx]))
                    out[x] = min(max(v + off[k], 0), SAMPLE_MAX)
