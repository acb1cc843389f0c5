"""Context layout and derivation, shared by encoder and decoder.

Only this module decides which adaptive context a bin uses, so the two sides
cannot drift apart.  The layout below is part of the format.

Glossary: pt = plane type (0 luma, 1 chroma); sc = size class (0 = 4x4 ...
4 = 64x64); d = x + y, the anti-diagonal of a coefficient; template = the
already-coded neighbours (x+1,y), (x+2,y), (x,y+1), (x,y+2), (x+1,y+1).

The derivations are tiny and run per coefficient, so they are inlined into
their callers (inline='always'); like every kernel they run without
reference counting (codec/jit.py), which made each call with array
arguments cost tens of ns, more than the derivation itself.
"""
import numpy as np

from .constants import LOG2_MAX_BLOCK, LOG2_MIN_QUARTER, MODE_CFL, NUM_SIZES
from ..jit import inline_kernel, kernel

NPT = 2
NSC = NUM_SIZES
NUM_LAST_CLS = 2 * (NUM_SIZES + 1) + 1     # bit length of a scan index in a 64x64 block: 0..12
NUM_DIAG_CLS = 5
NUM_SIG_TMPL = 4
NUM_COLOC = 3
NUM_QSETS = 3          # significance context set from the dependent-quantisation state
NUM_GT_TMPL = 5
NUM_GT_DIAG = 3
MODE_BINS = 3          # mpm flag, mpm index > 0, mpm index > 1

# offsets of each syntax element's context block
CTX_SPLIT = 0
CTX_MODE = CTX_SPLIT + NPT * (NSC - 1) * 3
CTX_CBF = CTX_MODE + NPT * MODE_BINS
CTX_LAST_CLS = CTX_CBF + NPT * NSC * 3
CTX_LAST_BIT = CTX_LAST_CLS + NPT * NSC * NUM_LAST_CLS
CTX_SIG = CTX_LAST_BIT + NPT * NSC * NUM_LAST_CLS
CTX_GT1 = CTX_SIG + NPT * NUM_QSETS * NSC * NUM_DIAG_CLS * NUM_SIG_TMPL * NUM_COLOC
CTX_GT2 = CTX_GT1 + NPT * NUM_GT_DIAG * NUM_GT_TMPL
CTX_CFL = CTX_GT2 + NPT * NUM_GT_DIAG * NUM_GT_TMPL
CTX_CFL2 = CTX_CFL + 3      # a CfL leaf: two models or one
CTX_CFL_SIDE = CTX_CFL2 + 1  # its training side: both (0) or one; then left (0) or top
CTX_RESTORE = CTX_CFL_SIDE + 2
RESTORE_BINS = 5       # plane uses the filter; flags per CTU follow; CTU flag (0..2 left/top on)
CTX_QDELTA = CTX_RESTORE + NPT * RESTORE_BINS
QDELTA_BINS = 3            # delta != 0; |delta| > 1; |delta| > 2 (luma CTUs only)
CTX_CCCM = CTX_QDELTA + QDELTA_BINS    # a CfL leaf: the cross-component filter (mode 41)
CTX_TRANSFORM = CTX_CCCM + 1   # a coded block from 8x8: its size's transform (0) or the other (1)
CTX_EDGE = CTX_TRANSFORM + NPT * (NSC - 1)
EDGE_BINS = 7          # plane uses edge offsets; CTU on (0..2 left/top on); direction bit 0, bit 1 (by bit 0)
CTX_BT = CTX_EDGE + NPT * EDGE_BINS    # format 13, luma nodes from 8x8 not split in four:
BT_BINS = 2 * 3        # split in two (by left/top neighbours 0..2), then its direction (by the same)
NUM_BT_NODE_SIZES = NSC - 1
NUM_QUARTER_NODE_SIZES = LOG2_MAX_BLOCK - LOG2_MIN_QUARTER + 1
CTX_TERNARY = CTX_BT + NUM_BT_NODE_SIZES * BT_BINS   # format 16, per node size 16..64: a node
CTX_QUARTERS = CTX_TERNARY + NUM_QUARTER_NODE_SIZES  # split in two is split in three instead;
CTX_CROSS = CTX_QUARTERS + NUM_QUARTER_NODE_SIZES    # a half is split again in two quarters;
# format 17, per node size 16..64: a half or a ternary middle, then a quarter, split across
NUM_CTX = CTX_CROSS + 2 * NUM_QUARTER_NODE_SIZES


def _context_groups():
    """Context -> rate group (format v5: each group's adaptation shifts are
    sent at the start of the payload).  Every syntax element per plane type,
    CfL with the chroma modes, the last-position class and bit contexts
    together, the two post filters (restoration, edge offsets) and the
    quantiser deltas one group each."""
    g = np.full(NUM_CTX, -1, np.int64)
    for pt in range(NPT):
        g[CTX_SPLIT + pt * (NSC - 1) * 3:CTX_SPLIT + (pt + 1) * (NSC - 1) * 3] = 0 + pt
        g[CTX_MODE + pt * MODE_BINS:CTX_MODE + (pt + 1) * MODE_BINS] = 2 + pt
        g[CTX_CBF + pt * NSC * 3:CTX_CBF + (pt + 1) * NSC * 3] = 4 + pt
        g[CTX_TRANSFORM + pt * (NSC - 1):CTX_TRANSFORM + (pt + 1) * (NSC - 1)] = 4 + pt
        for base in (CTX_LAST_CLS, CTX_LAST_BIT):
            g[base + pt * NSC * NUM_LAST_CLS:base + (pt + 1) * NSC * NUM_LAST_CLS] = 6 + pt
        nsig = NUM_QSETS * NSC * NUM_DIAG_CLS * NUM_SIG_TMPL * NUM_COLOC
        g[CTX_SIG + pt * nsig:CTX_SIG + (pt + 1) * nsig] = 8 + pt
        ngt = NUM_GT_DIAG * NUM_GT_TMPL
        g[CTX_GT1 + pt * ngt:CTX_GT1 + (pt + 1) * ngt] = 10 + pt
        g[CTX_GT2 + pt * ngt:CTX_GT2 + (pt + 1) * ngt] = 12 + pt
    g[CTX_CFL:CTX_RESTORE] = 3
    g[CTX_RESTORE:CTX_QDELTA] = 14
    g[CTX_QDELTA:CTX_CCCM] = 15
    g[CTX_CCCM] = 3
    g[CTX_EDGE:CTX_BT] = 14
    g[CTX_BT:NUM_CTX] = 0          # binary and ternary splits, quarters, splits across: with the split flags
    assert (g >= 0).all()
    return g


CTX_GROUP = _context_groups()
NUM_RATE_GROUPS = 16

# Golomb-Rice parameter of the level remainder from the template's magnitude sum
RICE_FROM_SUM = np.array([0] * 6 + [1] * 8 + [2] * 14 + [3] * 36 + [4] * 64, dtype=np.int64)
RICE_SUM_CAP = RICE_FROM_SUM.shape[0] - 1
REM_PREFIX_MAX = 4          # unary prefix length before the Exp-Golomb escape
EG_MAX_PREFIX = 20          # decoder refuses longer Exp-Golomb prefixes


@inline_kernel
def ctx_split(pt, sc, nb):
    """Split flag of a node of size class sc >= 1; nb = number of left/top
    neighbour leaves smaller than the node (0..2)."""
    return CTX_SPLIT + (pt * (NSC - 1) + (sc - 1)) * 3 + nb


@inline_kernel
def ctx_mode(pt, b):
    return CTX_MODE + pt * MODE_BINS + b


@kernel
def ctx_restore(pt, b):
    """b = 0: the plane's filter flag; 1: per-CTU flags follow; 2 + nb: a CTU
    flag, nb = number of left/top CTUs filtered."""
    return CTX_RESTORE + pt * RESTORE_BINS + b


@kernel
def ctx_edge(pt, b):
    """b = 0: the plane's edge-offset flag; 1 + nb: a CTU's on flag, nb = number
    of left/top CTUs on; 4: a direction's first bit; 5 + first bit: its second."""
    return CTX_EDGE + pt * EDGE_BINS + b


@inline_kernel
def ctx_qdelta(b):
    return CTX_QDELTA + b


@inline_kernel
def ctx_bt(sc, b, nb):
    """A luma node of size class sc >= 1 not split in four: b = 0 'split in
    two', 1 'vertically' (format 13); nb: left/top neighbour count (0..2)."""
    return CTX_BT + ((sc - 1) * 2 + b) * 3 + nb


@inline_kernel
def ctx_ternary(log2s):
    """A luma node of 2**log2s >= 16 split in two: split in three instead (format 16)."""
    return CTX_TERNARY + log2s - LOG2_MIN_QUARTER


@inline_kernel
def ctx_quarters(log2s):
    """A half of a luma node of 2**log2s >= 16: split again in two quarters (format 16)."""
    return CTX_QUARTERS + log2s - LOG2_MIN_QUARTER


@inline_kernel
def ctx_cross(quarter, log2s):
    """A part of a luma node of 2**log2s >= 16 split in two or three (a half
    or the middle; quarter: a quarter): split across its long side (format 17)."""
    return CTX_CROSS + (NUM_QUARTER_NODE_SIZES if quarter else 0) + log2s - LOG2_MIN_QUARTER


@inline_kernel
def ctx_cfl(nb):
    """Chroma 'is chroma-from-luma' flag; nb = left/top chroma leaves using it (0..2)."""
    return CTX_CFL + nb


@inline_kernel
def ctx_cccm():
    return CTX_CCCM


@inline_kernel
def ctx_cfl2():
    """A chroma-from-luma leaf's 'two models' flag."""
    return CTX_CFL2


@inline_kernel
def ctx_cfl_side(b):
    """A chroma-from-luma leaf's training side: b = 0 'one side only', 1 'the top'."""
    return CTX_CFL_SIDE + b


@inline_kernel
def ctx_cbf(pt, sc, nb):
    return CTX_CBF + (pt * NSC + sc) * 3 + nb


@inline_kernel
def ctx_transform(pt, sc):
    """A coded block's transform bin (format 10), by plane type and size
    class sc >= 1 (4x4 blocks have none)."""
    return CTX_TRANSFORM + pt * (NSC - 1) + sc - 1


@inline_kernel
def ctx_last_cls(pt, sc, b):
    return CTX_LAST_CLS + (pt * NSC + sc) * NUM_LAST_CLS + b


@inline_kernel
def ctx_last_bit(pt, sc, cls):
    return CTX_LAST_BIT + (pt * NSC + sc) * NUM_LAST_CLS + cls


@inline_kernel
def diag_class(d):
    if d == 0:
        return 0
    if d <= 2:
        return 1
    if d <= 5:
        return 2
    if d <= 9:
        return 3
    return 4


@inline_kernel
def template(lv, n, x, y):
    """(sum of min(|l|,4), number of nonzeros, sum of |l| capped) over the
    template of an n x n block."""
    return template_wh(lv, n, n, x, y)


@inline_kernel
def template_wh(lv, w, h, x, y):
    """template() of a w x h block."""
    s = 0
    ns = 0
    full = 0
    if x + 1 < w:
        a = abs(lv[y, x + 1])
        s += min(a, 4)
        ns += a != 0
        full += a
        if x + 2 < w:
            a = abs(lv[y, x + 2])
            s += min(a, 4)
            ns += a != 0
            full += a
        if y + 1 < h:
            a = abs(lv[y + 1, x + 1])
            s += min(a, 4)
            ns += a != 0
            full += a
    if y + 1 < h:
        a = abs(lv[y + 1, x])
        s += min(a, 4)
        ns += a != 0
        full += a
        if y + 2 < h:
            a = abs(lv[y + 2, x])
            s += min(a, 4)
            ns += a != 0
            full += a
    return s, ns, min(full, RICE_SUM_CAP)


# how far the template reaches right and down: the zero margin template_padded needs
TEMPLATE_REACH = 2


@inline_kernel
def template_padded(lv, x, y):
    """template() where lv is zero beyond the block in TEMPLATE_REACH more
    rows and columns (the decoder's level scratch: MAX_BLOCK + TEMPLATE_REACH
    square, zero outside the block being read): the same sums without the
    edge tests."""
    a = abs(lv[y, x + 1])
    b = abs(lv[y, x + 2])
    c = abs(lv[y + 1, x + 1])
    d = abs(lv[y + 1, x])
    e = abs(lv[y + 2, x])
    s = min(a, 4) + min(b, 4) + min(c, 4) + min(d, 4) + min(e, 4)
    # counted as int64: numpy adds bool scalars as a logical or (NUMBA_DISABLE_JIT)
    ns = (np.int64(a != 0) + np.int64(b != 0) + np.int64(c != 0) + np.int64(d != 0) +
          np.int64(e != 0))
    return s, ns, min(a + b + c + d + e, RICE_SUM_CAP)


@inline_kernel
def coloc_count(cmap, bx, by, w, h, x, y):
    """How many of the left/top same-size (w x h) areas hold a nonzero level
    at the same frequency (x, y); only low frequencies (x, y < 4) look.
    cmap holds every decoded leaf's levels at their block-local positions."""
    if x >= 4 or y >= 4:
        return 0
    c = 0
    if bx >= w and cmap[by + y, bx - w + x] != 0:
        c += 1
    if by >= h and cmap[by - h + y, bx + x] != 0:
        c += 1
    return c


@inline_kernel
def coloc_count_mask(cm, bx, by, w, h, x, y):
    """coloc_count for the decoder's map of nonzero masks per 4x4 unit
    (planes.new_plane_state(level_masks=True)).  The same answer: the leaf
    is aligned to its width w and height h (>= 4), so for x, y < 4 the
    sample read, (bx - w + x, by + y) or (bx + x, by - h + y), lies in the
    unit at the neighbour area's origin, at bit 4 y + x."""
    if x >= 4 or y >= 4:
        return 0
    b = 4 * y + x
    c = 0
    if bx >= w and (np.int64(cm[by >> 2, (bx - w) >> 2]) >> b) & 1:
        c += 1
    if by >= h and (np.int64(cm[(by - h) >> 2, bx >> 2]) >> b) & 1:
        c += 1
    return c


@inline_kernel
def ctx_sig(pt, sc, d, tsum, coloc, qset):
    """qset: 0 without dependent quantisation, else max(0, state - 1) (the
    quantiser and parity history change how likely a nonzero level is)."""
    t = min((tsum + 1) >> 1, NUM_SIG_TMPL - 1)
    return CTX_SIG + ((((pt * NUM_QSETS + qset) * NSC + sc) * NUM_DIAG_CLS + diag_class(d)) *
                      NUM_SIG_TMPL + t) * NUM_COLOC + coloc


@inline_kernel
def _gt_diag(d):
    if d == 0:
        return 0
    if d <= 3:
        return 1
    return 2


@inline_kernel
def ctx_gt1(pt, d, tsum, tnz):
    g = min(max(tsum - tnz, 0), NUM_GT_TMPL - 1)
    return CTX_GT1 + (pt * NUM_GT_DIAG + _gt_diag(d)) * NUM_GT_TMPL + g


@inline_kernel
def ctx_gt2(pt, d, tsum, tnz):
    g = min(max(tsum - tnz, 0), NUM_GT_TMPL - 1)
    return CTX_GT2 + (pt * NUM_GT_DIAG + _gt_diag(d)) * NUM_GT_TMPL + g


@inline_kernel
def rice_param(full):
    return RICE_FROM_SUM[full]


@inline_kernel
def bit_length(v):
    n = 0
    while v > 0:
        n += 1
        v >>= 1
    return n


# Neighbour counts over the 4x4-unit maps (left and top units of a block at
# unit (ux, uy)) that select the split, cbf and chroma-from-luma contexts.
@inline_kernel
def nb_split(smap, ux, uy, log2s):
    """Left/top leaves whose shorter side is below the node's size (0..2);
    smap holds planes.leaf_code entries (inlined here: planes imports this
    module's users)."""
    nb = 0
    if ux > 0:
        v = np.int64(smap[uy, ux - 1])
        if min(v & 15, v >> 4) < log2s:
            nb += 1
    if uy > 0:
        v = np.int64(smap[uy - 1, ux])
        if min(v & 15, v >> 4) < log2s:
            nb += 1
    return nb


@inline_kernel
def nb_nonzero(m, x, y):
    """Left/top entries of map m at (x, y) that are nonzero (0..2): the cbf
    neighbours over the 4x4-unit map, the restoration-flag neighbours over
    the CTU map.  Counted into an int: a sum of the uint8 flags would stay
    uint8 under numpy's scalar rules (NUMBA_DISABLE_JIT) and overflow the
    context index."""
    nb = 0
    if x > 0 and m[y, x - 1] != 0:
        nb += 1
    if y > 0 and m[y - 1, x] != 0:
        nb += 1
    return nb


@inline_kernel
def nb_cfl(mmap, ux, uy):
    """Left/top chroma leaves coded from luma (either CfL mode): 0..2."""
    nb = 0
    if ux > 0 and mmap[uy, ux - 1] >= MODE_CFL:
        nb += 1
    if uy > 0 and mmap[uy - 1, ux] >= MODE_CFL:
        nb += 1
    return nb

