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
from ..jit import alloc_plane_kernel, inline_kernel, kernel, plane_kernel

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


@kernel
def _offset_span(row, first, second, x0, x1, dx, off, out):
    """out[x - x0] for x0 <= x < x1: row's samples offset by their class
    along a direction whose first neighbour of column x is first[x + dx]
    and second second[x - dx] (the rows above / below, or row itself).
    Branch-free int32 (samples and offsets are far inside its range), each
    class's offset selected by comparisons (eo_class's rule without its
    table lookup, which would keep the loop from vectorising);
    every input is read through a view starting at its offset."""
    n = x1 - x0
    c = row[x0:x0 + n]
    a = first[x0 + dx:x0 + dx + n]
    b = second[x0 - dx:x0 - dx + n]
    o = out[:n]
    o1 = np.int32(off[1])
    o2 = np.int32(off[2])
    o3 = np.int32(off[3])
    o4 = np.int32(off[4])
    flat = np.int32(EO_FLAT)
    top = np.int32(SAMPLE_MAX)
    zero = np.int32(0)
    for i in range(n):
        v = np.int32(c[i])
        da = v - np.int32(a[i])
        db = v - np.int32(b[i])
        s = (np.int32(da >= flat) - np.int32(da <= -flat) + np.int32(db >= flat) -
             np.int32(db <= -flat))
        add = (np.int32(s == -2) * o1 + np.int32(s == -1) * o2 + np.int32(s == 1) * o3 +
               np.int32(s == 2) * o4)
        o[i] = min(max(v + add, zero), top)


@plane_kernel
def _offset_plane(rec, src, table, choice, ctu, out):
    """apply_edge_offset's loops (without reference counting: no array is
    allocated here, and each row view would otherwise cost two atomic
    updates).  A run of CTUs with the same direction along a CTU row is one
    span."""
    h, w = rec.shape
    rows, cols = choice.shape
    for cy in range(rows):
        y0 = max(cy * ctu, 1)
        y1 = min((cy + 1) * ctu, h - 1)
        cx = 0
        while cx < cols:
            c = np.int64(choice[cy, cx])
            if c == 0:
                cx += 1
                continue
            end = cx + 1
            while end < cols and np.int64(choice[cy, end]) == c:
                end += 1
            d = c - 1
            dy = EO_NEIGHBOUR[d, 0]
            dx = EO_NEIGHBOUR[d, 1]
            x0 = max(cx * ctu, 1)
            x1 = min(end * ctu, w - 1)
            cx = end
            if x1 <= x0:
                continue
            off = table[d]
            for y in range(y0, y1):
                _offset_span(src[y], src[y + dy], src[y - dy], x0, x1, dx, off, out)
                dst = rec[y, x0:x1]
                for x in range(x1 - x0):
                    dst[x] = out[x]


@alloc_plane_kernel
def apply_edge_offset(rec, table, choice, ctu):
    """Offset rec (int16, a whole plane) in place in every CTU (ctu x ctu
    samples) whose choice is nonzero (choice = 1 + direction); table from
    offset_table.  Reads a copy of the plane; each span of a row is one
    branch-free loop (_offset_span) into a scratch row, then copied."""
    _offset_plane(rec, rec.copy(), table, choice, ctu, np.empty(rec.shape[1], np.int32))
