"""Encoder side of the edge offsets (common/edge_offset.py): per plane, the
magnitudes of each direction's four class offsets and each CTU's direction
(or none), chosen by D + lambda * R.

The statistics are exact: for every direction, CTU and class, the number of
samples and the sum of their errors org - rec, so an offset o changes that
group's squared error by n o^2 - 2 o sum.  Directions and offsets are found
by alternating: each direction's offsets are the rounded mean error of the
CTUs that chose it (all CTUs at first), then every CTU takes its cheapest
choice.  The rates are estimates (a bin about a bit); the choice only
changes what the encoder writes, the decoder applies what is coded.
"""
import numpy as np

from ..common.constants import EO_CLASSES, EO_DIRS, EO_OFFSET_BITS, EO_OFFSET_MAX
from ..common.edge_offset import EO_SIGN, apply_edge_offset, eo_class, offset_table
from ..jit import alloc_kernel

_ROW_STEP = 2            # statistics from every second row (half the time)
_ROUNDS = 3              # alternations of offsets and CTU choices
_BITS_CTU_OFF = 1.0      # a CTU's on flag
_BITS_CTU_ON = 3.0       # its on flag and two direction bins
_BITS_PLANE = 1.0 + EO_DIRS     # the plane's flag and its direction mask
_BITS_DIR = EO_CLASSES * EO_OFFSET_BITS


@alloc_kernel
def _class_stats(org, rec, ctu, n, s, row_step):
    """n[d, cy, cx, k] += samples of class k for direction d in CTU (cy, cx),
    s[...] += their summed error org - rec (the classification of
    apply_edge_offset; class 0 is counted too, and ignored) on every
    row_step-th row from row 1.  One pass over the rows for all four
    directions, without branches per sample (a branch per class cost
    about twice the time); each CTU span of a row adds into small local
    sums.  About 12 ms for a 1.5 MP plane on every second row."""
    h, w = rec.shape
    cols = n.shape[2]
    nl = np.zeros((EO_DIRS, EO_CLASSES + 1), np.int64)
    sl = np.zeros((EO_DIRS, EO_CLASSES + 1))
    for y in range(1, h - 1, row_step):
        cy = y // ctu
        up = rec[y - 1]
        row = rec[y]
        down = rec[y + 1]
        err = org[y]
        for cx in range(cols):
            x0 = max(cx * ctu, 1)
            x1 = min((cx + 1) * ctu, w - 1)
            nl[:] = 0
            sl[:] = 0.0
            for x in range(x0, x1):
                c = np.int64(row[x])
                e = err[x] - c
                k0 = eo_class(c, np.int64(row[x - 1]), np.int64(row[x + 1]))
                k1 = eo_class(c, np.int64(up[x]), np.int64(down[x]))
                k2 = eo_class(c, np.int64(up[x - 1]), np.int64(down[x + 1]))
                k3 = eo_class(c, np.int64(up[x + 1]), np.int64(down[x - 1]))
                nl[0, k0] += 1
                sl[0, k0] += e
                nl[1, k1] += 1
                sl[1, k1] += e
                nl[2, k2] += 1
                sl[2, k2] += e
                nl[3, k3] += 1
                sl[3, k3] += e
            for d in range(EO_DIRS):
                for k in range(EO_CLASSES + 1):
                    n[d, cy, cx, k] += nl[d, k]
                    s[d, cy, cx, k] += sl[d, k]


def edge_offset_off(shape, ctu):
    """The parameters of a plane without edge offsets."""
    rows, cols = -(-shape[0] // ctu), -(-shape[1] // ctu)
    return False, np.zeros((EO_DIRS, EO_CLASSES), np.int64), 0, np.zeros((rows, cols), np.uint8)


def choose_edge_offset(org, rec, ctu, wd, lam):
    """(on, mags int64 (EO_DIRS, EO_CLASSES), mask int (bit d: direction d's
    offsets are coded), choice uint8 (rows, cols): 0 off, 1 + direction),
    and rec offset in place when on.  wd: the plane's squared-error weight."""
    h, w = rec.shape
    rows, cols = -(-h // ctu), -(-w // ctu)
    n = np.zeros((EO_DIRS, rows, cols, EO_CLASSES + 1), np.int64)
    s = np.zeros((EO_DIRS, rows, cols, EO_CLASSES + 1))
    _class_stats(org, rec, ctu, n, s, _ROW_STEP)
    # the rows not visited are taken to be like those visited
    n, s = n[..., 1:] * float(_ROW_STEP), s[..., 1:] * float(_ROW_STEP)
    sign = EO_SIGN[1:].astype(np.float64)
    choice = np.full((rows, cols), -1)
    mags = np.zeros((EO_DIRS, EO_CLASSES), np.int64)
    for r in range(_ROUNDS):
        for d in range(EO_DIRS):
            sel = np.ones((rows, cols), bool) if r == 0 else choice == d
            nn, ss = n[d][sel].sum(axis=0), s[d][sel].sum(axis=0)
            mean = np.where(nn > 0, ss / np.maximum(nn, 1.0), 0.0) * sign
            mags[d] = np.clip(np.rint(mean), 0, EO_OFFSET_MAX)
        o = mags * sign                                        # (dirs, classes)
        dsse = wd * (n * o[:, None, None, :] ** 2 - 2 * o[:, None, None, :] * s).sum(axis=-1)
        cost = np.concatenate([np.full((1, rows, cols), lam * _BITS_CTU_OFF),
                               dsse + lam * _BITS_CTU_ON])
        choice = cost.argmin(axis=0) - 1
    used = [d for d in range(EO_DIRS) if (choice == d).any()]
    gain = -(cost.min(axis=0).sum() + lam * (_BITS_PLANE + _BITS_DIR * len(used)))
    if not used or gain <= lam * 1.0:
        return edge_offset_off(rec.shape, ctu)
    mask = sum(1 << d for d in used)
    for d in range(EO_DIRS):
        if not mask >> d & 1:
            mags[d] = 0
    choice = (choice + 1).astype(np.uint8)
    apply_edge_offset(rec, offset_table(mags), choice, ctu)
    return True, mags, mask, choice
