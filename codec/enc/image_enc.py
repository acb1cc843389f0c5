"""Encoder kernel: CTU loop, RD search of partition and intra mode, coding.

For each CTU (raster order) and each plane, two passes:
  1. search: quadtree walk; at each node the leaf is tried with the best
     intra modes (a SATD pre-selection: planar, DC, a coarse pass over the
     angles refined around the best, the MPMs; chroma: the MPMs and CfL; then
     full RD for the best few: DCT, RDOQ, rates from the frozen context
     states), then (luma, from 8x8, format 13) the node split in two halves
     each way (from 16x16, formats 16 and 17: in three, and each part as a
     leaf or split again along or across its long side), then the split in
     four; the cheapest J = D + lambda*R wins;
  2. write: the decided tree is coded with live contexts; the levels and the
     reconstruction are those of the search, which are exactly what the
     decoder computes (every leaf was predicted from final neighbours: the
     parts of a split node take their availability from the node's map of
     decoded parts, S_NODE).
Per-plane state lives in arrays: rec (reconstruction), cmap (signed levels at
their block-local positions, for the co-located contexts), and 4x4-unit
maps smap (leaf shape: planes.leaf_code), mmap (mode), cbmap (coded-block flag).
"""
import math
from collections import namedtuple

import numpy as np

from ..common.constants import (BT_HORIZONTAL, BT_VERTICAL, CB_CODED, CB_NONE, CB_OTHER,
                                LOG2_MIN_BLOCK, LOG2_MIN_BT, LOG2_MIN_QUARTER, MAX_BLOCK,
                                PART_CROSSED, PART_LEAF, PART_QUARTERED,
                                MODE_CCCM, MODE_CFL,
                                MODE_DC, MODE_PLANAR, NUM_MODE_SLOTS, NUM_MODES, NUM_MPM, NUM_SIZES,
                                TR_DST7)
from ..common.shapes import (SHAPE_CC, SHAPE_H, SHAPE_LH, SHAPE_LW, SHAPE_W, bt_shape,
                             part_offset, quarter_shape)
from ..common.contexts import NUM_CTX, nb_cfl, nb_nonzero, nb_split
from .rdoq import rdoq
from .trellis import depq_trellis
from ..jit import alloc_kernel, inline_kernel, kernel
from .syntax_enc import (any_mode_syntax, bt_syntax, cbf_syntax, coeff_syntax, cross_syntax,
                         qdelta_syntax,
                         mode_bits_table, quarters_syntax, split_syntax, ternary_syntax,
                         transform_syntax)
from ..common.planes import (TREE_STACK_ROWS, forced_split, leaf_lh, leaf_lw, pop_node,
                             push_quarters, set_leaf_maps)
from ..common.predict import build_refs_node_wh, mode_candidates, predict_any, predict_half
from ..common.probmodel import fill_costs
from ..common.quant import set_ctu_step
from ..common.recon import (NUM_RECON_SLOTS, R_AVAIL, R_CI, R_FREF, R_LV, R_MAIN, R_MPM, R_PRED,
                            R_REF, R_RI, R_TMPI, new_recon_scratch, reconstruct)
from ..common.transform import (block_transform, fdct2, fdct2_low, fdct_half,
                                transform_bin_sent)

_INF = 1e300
MAX_DEPTH = 12     # quadtree depths 0..4, a split node's parts searched up to 6 below
# A part's leaves (S_BT_MC, S_PART_MC rows): their count, then (x, y offset in
# the part, shape class, mode, coded-block value) for each (at most 4: a half
# in two quarters each split across), then the part's layout: PART_* and, for
# a quartered half, QUARTER_CROSSED << q for each quarter q split across
MC_LEN = 22
MC_LAYOUT = 21
QUARTER_CROSSED = 4
# The search's name for a node's ternary split (format 16; the stream sends
# its direction as a binary split's, then the ternary bin)
TT_HORIZONTAL = BT_HORIZONTAL + 2
TT_VERTICAL = BT_VERTICAL + 2
# Mode search: SATD of the residual (+ sqrt(lambda) * mode bits) over planar,
# DC and every coarse-th angle (every 8th for large blocks), then halving
# steps around the best angle, and the MPMs; the best few (the effort's
# full-RD count per size class) go through the full DCT + RDOQ + rate path
# (SATD ranks large blocks reliably, and their DCTs are costly).
ROUGH_SKIP_MIN_LOG2 = 5     # rough_skip_pct applies to 32x32 and 64x64 luma leaves
COARSE_STEP_LARGE = 8      # 32x32 and 64x64: coarse pass over every 8th angle
# chroma mostly follows luma (DM, CfL): searching its angles too costs ~40% of a
# 4:4:4 encode for little gain
CHROMA_MPM_ONLY = True
# the one-side CfL modes are searched on chroma leaves from this size (and
# only where both-sides CfL is within the full-RD margin of the best mode):
# with 4 samples per side their fits are rarely chosen; searching every leaf
# cost ~10 % of the encode at lambda 22.6 for +0.002 dB at 0.15 bpp
CFL_SIDE_MIN_BLOCK = 8
# the cross-component filter (mode 41) is searched on every chroma leaf from
# this size: its fit reads a template of 16n + 16 samples, about 2 per
# predicted sample at 8x8 and 4.5 at 4x4, where it is rarely chosen
# (6 corpus images at lambda 362: chroma 4x4 leaves cover 0.0-0.8 % of the area)
CCCM_MIN_BLOCK = 8
# A large block tried in DST-VII (the other transform from 16x16) keeps only
# its first OTHER_TRANSFORM_KEEP frequencies in each direction (the encoder
# codes the rest as zeros; the format allows any): the direct products of
# a whole DST-VII cost 6.4x (64x64) and 2.7x (32x32) those of its 16x16
# corner, and at the rates where the other transform pays, a large block's
# levels sit in that corner (the corner gave +0.033 dB of the whole
# evaluation's +0.036 in the development loop, an 8x8 corner +0.026)
OTHER_TRANSFORM_KEEP = 16
# dependent quantisation: candidate modes are ranked by RDOQ at this uniform
# step, in 1/128 of the scale unit (1.77: as good as the lambda-equivalent
# sqrt(LAMBDA_PER_STEP2_DEPQ / LAMBDA_PER_STEP2) = 2.24 in the measurements)
DEPQ_RANK_STEP = 226
# A leaf whose J is below this many bits' worth (lambda * bits, times the
# effort's percentage) is not split: [plane type, size class].  Chosen from
# the split gains logged on 6 corpus images at lambda 362 and 16 (each skips
# 20-85 % of the split searches of its size); on the whole corpus at lambda
# 362: +9 % speed for +0.07 % bits and -0.005 dB.  (Seeding the angle search
# of small blocks with the enclosing block's best angle was tried too: +1 %
# bits, -0.02 dB there.)
SPLIT_SKIP_BITS = np.array([[0, 30, 50, 80, 100], [0, 20, 25, 30, 60]], dtype=np.float64)

# Encoder effort: how much of the search runs (the format is the same).
Effort = namedtuple("Effort", [
    "full_rd_4", "full_rd_8", "full_rd_16", "full_rd_32", "full_rd_64",  # modes through full RD
    "chroma_extra",         # chroma: this many more (CfL competes with the luma-derived modes)
    "coarse_step",          # coarse angle step below 32x32
    "skip_pct",             # SPLIT_SKIP_BITS scale, percent
    "restore_fits",         # restoration-filter fits (encoder.py; the 2nd refits on the CTUs
                            # it helped)
    "margin_pct",           # a runner-up goes through full RD only if its rough cost is
                            # within this percentage of the best's
    "margin_pct_depq",      # the same with dependent quantisation (high rates)
    "chroma_extra_depq",    # chroma_extra with dependent quantisation
    "skip_pct_depq",        # skip_pct with dependent quantisation
    "restore_fits_depq",    # restore_fits with dependent quantisation
    "other_transform",      # 1: each leaf's full-RD winner is tried in the other transform
                            # (without dependent quantisation: format 10 sends the choice
                            # only there)
    "bt_min_log2",          # luma nodes from 2**bt_min_log2 to 2**bt_max_log2 are tried
    "bt_max_log2",          # split in two halves (format 13; EncoderConfig.binary_split) ...
    "bt_depq",              # ... with dependent quantisation too (1) or only without it (0)
    "rough_skip_pct",       # without dependent quantisation, a luma leaf from 32x32 whose best
                            # rough cost per pixel exceeds this percentage of sqrt(lambda) is
                            # not coded: the node splits (0: every leaf is coded)
    "qdelta_tries",         # each luma CTU searched at its quantiser delta and this many
                            # deltas QDELTA_TRY_STEP apart on either side; the lowest J is
                            # coded (0: the delta from the unit weights only)
])
# "fast" (measured on the whole corpus, docs/RESULTS.md): one mode through
# full RD, coarse angles every 8th, twice the split-skip thresholds.
# "slow" at high rates (dependent quantisation, lambda 22.6, whole corpus):
# margin 125 -> 110 took 6 % off the encode time for +0.03 % J, no chroma
# extra 5 % for +0.03 %; at lambda 362 the same cost +0.16 % / +0.12 % J.
# Format 9's cross-component filter costs about 10 % of the encode time at
# both points; it is paid by the split-skip scale: 150 % without dependent
# quantisation, 200 % with it.  (Measured on 6 corpus images, 4:4:4, with a
# coarse angle step of 6 that was then dropped, since 2 + 6k never reaches
# mode 34: against skip 100 % and step 4, skip 150 % and step 6 -7.6 % time
# for +0.023 % J at lambda 362, -5.0 % for +0.024 % at 22.6; skip 200 % and
# step 6 -12 % for +0.25 % / -11 % for +0.068 %.)
# Format 10's other transform, tried on each leaf's full-RD winner from 8x8
# (whole corpus, development loop at 0.15 bpp, against format 9's 35.071 dB):
# +0.036 dB; encode time (farm-bench, 4 corpus images, whole processes,
# median of 7-9 pairs) +6.4 % at lambda 362 4:4:4, +5.1 % at 4:2:0, none at
# 22.6 (dependent quantisation).  Tried from 4x4 too: +0.001 dB for 1.4 %
# more; from 16x16 only: +0.018 dB.  "fast" leaves it out.
# Format 13's binary splits (luma halves), development loop at 0.15 bpp
# against no binary-split search (35.128 dB): nodes 8..64 +0.083, 8..32
# +0.076, 16..64 +0.032, so the 8x8 nodes' 8x4 / 4x8 halves bring most of
# it; a half's angles seeded from its node's best 3 (no angle scan) -0.004,
# one mode through full RD -0.031.  Encode time (in-process, fastest of 2-4
# per image, 4:2:0 at lambda 362): nodes 8 only +6 % (paired runs later:
# +15 %, below), 8..16 +31-36 %, 8..32 +59 %; with dependent quantisation
# (lambda 22.6, 4:4:4) 8 only +17 %, for -0.5 % bits at MS-SSIM 0.993
# (every size).  "slow" searches the 8x8 nodes
# without dependent quantisation (+0.050 dB: 35.178), "max" every size with it.
# Their encode time paid back in part by chroma_extra 1 -> 0 at the low-rate
# point (it was already 0 with dependent quantisation): 4:2:0 at lambda 362,
# 2 corpus images, median of 12 paired in-process runs: binary splits +15 %,
# chroma_extra 0 -4 %; development loop 35.178 -> 35.172 dB; and by one
# restoration fit instead of two there (restore_fits 1; the fit phase
# 0.59 -> 0.46 s of ~8.5 s, 4:4:4 at lambda 362): 35.172 -> 35.169 dB (at the
# transparent point it cost +0.06 %: restore_fits_depq keeps two).  Tried and
# dropped (no time saved, or too little for what they cost): only the
# direction whose halves' pre-selection cost less through full RD (35.151),
# a half's angles seeded from its node's best 3 or 6 instead of the coarse
# scan (35.164 / 35.165; no time saved), a half through at most 2 / 1
# full-RD modes (no time saved either: the margin already stops most
# runners-up), no 4x4 luma leaves where binary splits are searched (35.140,
# -4..-6 %; with 16x16 binary-split nodes 35.160, +10 %).  Where the
# halves' +15 % goes is still open.
# rough_skip_pct (issue 17, eighteenth session): a 32x32 / 64x64 luma leaf
# whose best rough cost per pixel exceeds 1.2 sqrt(lambda) is not coded
# (the node splits).  Development loop at the low-rate point against 35.305
# dB: 120 % 35.304, 50 % 35.265; encode time 4:2:0 at lambda 362 (4 corpus
# images, paired fresh-process runs, 4 rounds) -4.4 %.  Without dependent
# quantisation only; "max" codes every leaf.
EFFORTS = {
    "slow": Effort(full_rd_4=3, full_rd_8=3, full_rd_16=2, full_rd_32=2, full_rd_64=1,
                   chroma_extra=0, coarse_step=4, skip_pct=150, restore_fits=1, margin_pct=125,
                   margin_pct_depq=110, chroma_extra_depq=0, skip_pct_depq=200, restore_fits_depq=2,
                   other_transform=1, bt_min_log2=3, bt_max_log2=3, bt_depq=0, rough_skip_pct=120,
                   qdelta_tries=0),
    "fast": Effort(full_rd_4=1, full_rd_8=1, full_rd_16=1, full_rd_32=1, full_rd_64=1,
                   chroma_extra=0, coarse_step=8, skip_pct=200, restore_fits=1, margin_pct=125,
                   margin_pct_depq=125, chroma_extra_depq=0, skip_pct_depq=200, restore_fits_depq=1,
                   other_transform=0, bt_min_log2=3, bt_max_log2=2, bt_depq=0, rough_skip_pct=120,
                   qdelta_tries=0),
    # "max": the SATD pre-selection is what "slow" leaves on the table.  Whole
    # corpus at lambda 350/650 (PSNR at 0.15 bpp, wall time of the 36 encodes):
    # slow 34.938 dB 16.2 s; 3-6 modes through full RD 34.973 (20.9 s); no split
    # skip 34.946 (17.9 s); angles every 2nd 34.939; this row 35.005 (28.9 s);
    # every pre-selected mode through full RD 35.012 (40.9 s): saturated.
    "max": Effort(full_rd_4=10, full_rd_8=10, full_rd_16=8, full_rd_32=6, full_rd_64=4,
                  chroma_extra=2, coarse_step=2, skip_pct=0, restore_fits=2, margin_pct=400,
                  margin_pct_depq=400, chroma_extra_depq=2, skip_pct_depq=0, restore_fits_depq=2,
                  other_transform=1, bt_min_log2=3, bt_max_log2=6, bt_depq=1, rough_skip_pct=0,
                  qdelta_tries=2),
}
# The kernels read an effort as an int64 row (scratch slot S_PARAMS), by these slots
P_FULL_RD = Effort._fields.index("full_rd_4")           # + size class
P_CHROMA_EXTRA = Effort._fields.index("chroma_extra")
P_COARSE = Effort._fields.index("coarse_step")
P_SKIP_PCT = Effort._fields.index("skip_pct")
P_SKIP_PCT_DEPQ = Effort._fields.index("skip_pct_depq")
P_MARGIN = Effort._fields.index("margin_pct")
P_MARGIN_DEPQ = Effort._fields.index("margin_pct_depq")
P_CHROMA_EXTRA_DEPQ = Effort._fields.index("chroma_extra_depq")
P_OTHER_TRANSFORM = Effort._fields.index("other_transform")
P_BT_MIN = Effort._fields.index("bt_min_log2")
P_BT_MAX = Effort._fields.index("bt_max_log2")
P_BT_DEPQ = Effort._fields.index("bt_depq")
P_ROUGH_SKIP = Effort._fields.index("rough_skip_pct")
P_QD_TRIES = Effort._fields.index("qdelta_tries")
QDELTA_TRY_STEP = 2     # an eighth of an octave of step size (QSTEP_PER_OCTAVE 16)
P_BT = len(Effort._fields)      # after the effort's fields: EncoderConfig.binary_split (0 / 1)


def search_params(effort, binary_split=True):
    """The kernels' search-parameter row for an effort name (see EFFORTS),
    then whether the luma search tries binary splits at all (P_BT)."""
    return np.array(list(EFFORTS[effort]) + [int(binary_split)], np.int64)


# Scratch slots (see new_scratch): the reconstruction's (common/recon.py, the
# decoder's too), then the search's own
S_REF, S_AVAIL, S_PRED, S_LV, S_CI, S_RI, S_TMPI, S_FREF, S_MAIN, S_MPM = (
    R_REF, R_AVAIL, R_PRED, R_LV, R_CI, R_RI, R_TMPI, R_FREF, R_MAIN, R_MPM)
S_BLK, S_COEF, S_TMPF, S_WORK, S_SAVE_REC, S_SAVE_LV, S_EST, S_HAD, S_EO, S_MBITS, S_PROV, \
    S_BPS, S_BPK, S_SCLU, S_BCOEF, S_PARAMS, S_COSTS, S_BT_REC, S_BT_LV, S_BT_MC, S_PART_MC, \
    S_NODE, S_ND = range(NUM_RECON_SLOTS, NUM_RECON_SLOTS + 23)


def new_scratch(effort="slow", binary_split=True):
    """The search's work arrays: the reconstruction scratch, then the
    original block (S_BLK, float) and its DCT (S_COEF) with float32 work
    arrays (S_TMPF, S_EO), RDOQ's work rows (S_WORK), the reconstruction and
    levels saved per quadtree depth (S_SAVE_REC, S_SAVE_LV), the modes'
    rough costs and bits (S_EST, S_MBITS), the Hadamard block (S_HAD), the
    trellis' provisional levels and back-pointers (S_PROV, S_BPS, S_BPK),
    the rank-step scales (S_SCLU), the best candidate's coefficients
    (S_BCOEF), the effort's parameter row (S_PARAMS), the bin cost table
    (S_COSTS), per quadtree depth the binary and ternary splits tried:
    their reconstruction (S_BT_REC[depth, split - 1], split = BT_* or
    TT_*), their parts' levels (S_BT_LV[depth, split - 1, part]) and leaves
    (S_BT_MC[depth, split - 1, part]: see MC_LEN), a part's candidate leaves
    per slot (S_PART_MC), the split node whose parts are being searched
    (S_NODE: units x0, y0, x1, y1; zeros outside _try_halves), and the
    layout code of each node's winning split for write_ctu (S_ND[depth,
    unit y, unit x] in the CTU; 0: a leaf or the split in four)."""
    m = MAX_BLOCK
    return new_recon_scratch() + (
        np.zeros((m, m), np.float64), np.zeros((m, m), np.float64), np.zeros((m, m), np.float32),
        np.zeros((4, m * m), np.float64),
        np.zeros((MAX_DEPTH, m, m), np.int32), np.zeros((MAX_DEPTH, m, m), np.int32),
        np.zeros(NUM_MODE_SLOTS, np.float64), np.zeros((m + 1, 8), np.float64),
        np.zeros((m, m), np.float32), np.zeros(NUM_MODE_SLOTS, np.float64),
        np.zeros((m, m), np.int32), np.zeros((m * m, 4), np.int64), np.zeros((m * m, 4), np.int64),
        np.zeros((m, m), np.int64), np.zeros((m, m), np.float64),
        search_params(effort, binary_split), np.zeros((NUM_CTX, 2), np.float64),
        np.zeros((MAX_DEPTH, 4, m, m), np.int16), np.zeros((MAX_DEPTH, 4, 3, m, m), np.int32),
        np.zeros((MAX_DEPTH, 4, 3, MC_LEN), np.int64), np.zeros((MAX_DEPTH, MC_LEN), np.int64),
        np.zeros(4, np.int64), np.zeros((MAX_DEPTH, m >> LOG2_MIN_BLOCK, m >> LOG2_MIN_BLOCK),
                                        np.int64))


@inline_kernel
def _had4(a0, a1, a2, a3):
    b0 = a0 + a1
    b1 = a0 - a1
    b2 = a2 + a3
    b3 = a2 - a3
    return b0 + b2, b1 + b3, b0 - b2, b1 - b3


@inline_kernel
def _had8(a0, a1, a2, a3, a4, a5, a6, a7):
    """An 8-point Hadamard transform (in no particular order of its outputs)."""
    p0, p1, p2, p3 = _had4(a0, a1, a2, a3)
    q0, q1, q2, q3 = _had4(a4, a5, a6, a7)
    return p0 + q0, p1 + q1, p2 + q2, p3 + q3, p0 - q0, p1 - q1, p2 - q2, p3 - q3


@kernel
def _satd8_band(org, x, y, pred, py, n, had):
    """Adds the sums of |8x8 Hadamard coefficients| of the 8 rows org[y:y+8,
    x:x+n] - pred[py:py+8, :n] per row of coefficients into had[MAX_BLOCK].
    The vertical butterflies run per column with the columns as vector lanes
    (the rows are read through views indexed from 0) and store the column
    transposed (had[c, 0..7]); the horizontal ones then run per tile with
    the 8 rows as lanes.  The loops' trip counts are not constants, so that
    numba's LLVM vectorises them instead of unrolling them into scalar code
    (30 % less time than butterflies on scalars per 8x8 tile from 16x16
    blocks, 13 % at 8x8, in a loop over a plane)."""
    o0 = org[y, x:x + n]
    o1 = org[y + 1, x:x + n]
    o2 = org[y + 2, x:x + n]
    o3 = org[y + 3, x:x + n]
    o4 = org[y + 4, x:x + n]
    o5 = org[y + 5, x:x + n]
    o6 = org[y + 6, x:x + n]
    o7 = org[y + 7, x:x + n]
    q0 = pred[py, :n]
    q1 = pred[py + 1, :n]
    q2 = pred[py + 2, :n]
    q3 = pred[py + 3, :n]
    q4 = pred[py + 4, :n]
    q5 = pred[py + 5, :n]
    q6 = pred[py + 6, :n]
    q7 = pred[py + 7, :n]
    for c in range(n):
        e0, e1, e2, e3, e4, e5, e6, e7 = _had8(
            o0[c] - q0[c], o1[c] - q1[c], o2[c] - q2[c], o3[c] - q3[c],
            o4[c] - q4[c], o5[c] - q5[c], o6[c] - q6[c], o7[c] - q7[c])
        hc = had[c]
        hc[0] = e0
        hc[1] = e1
        hc[2] = e2
        hc[3] = e3
        hc[4] = e4
        hc[5] = e5
        hc[6] = e6
        hc[7] = e7
    acc = had[MAX_BLOCK]
    lanes = acc.shape[0]
    for x0 in range(0, n, 8):
        g0 = had[x0]
        g1 = had[x0 + 1]
        g2 = had[x0 + 2]
        g3 = had[x0 + 3]
        g4 = had[x0 + 4]
        g5 = had[x0 + 5]
        g6 = had[x0 + 6]
        g7 = had[x0 + 7]
        for r in range(lanes):
            f0, f1, f2, f3, f4, f5, f6, f7 = _had8(g0[r], g1[r], g2[r], g3[r],
                                                   g4[r], g5[r], g6[r], g7[r])
            acc[r] += ((abs(f0) + abs(f1)) + (abs(f2) + abs(f3))
                       + ((abs(f4) + abs(f5)) + (abs(f6) + abs(f7))))


@kernel
def satd(org, x, y, pred, n, had):
    """Sum of |Hadamard coefficients| (4x4 blocks for n = 4, else 8x8), scaled
    to ~ the sum of |orthonormal transform coefficients| of org - pred: the
    per-pixel cost of the mode pre-selection.  had: float64 scratch of
    (MAX_BLOCK + 1, 8).  (4x4 stays on scalars: the vector form was slower.)"""
    if n == 4:
        s = 0.0
        for i in range(4):
            r = y + i
            had[i, 0], had[i, 1], had[i, 2], had[i, 3] = _had4(
                org[r, x] - pred[i, 0], org[r, x + 1] - pred[i, 1],
                org[r, x + 2] - pred[i, 2], org[r, x + 3] - pred[i, 3])
        for j in range(4):
            c0, c1, c2, c3 = _had4(had[0, j], had[1, j], had[2, j], had[3, j])
            s += abs(c0) + abs(c1) + abs(c2) + abs(c3)
        return s / 4
    acc = had[MAX_BLOCK]
    for r in range(8):
        acc[r] = 0.0
    for y0 in range(0, n, 8):
        _satd8_band(org, x, y + y0, pred, y0, n, had)
    s = 0.0
    for r in range(8):
        s += acc[r]
    return s / 8


@kernel
def _rough(org, rec, lrec, x, y, n, log2n, pt, mode, mbits, cshift, lam_sqrt, wd_sqrt,
           ref, fref, avail, pred, main, had, est):
    """SATD-based cost of a mode (cached in est).  Takes its scratch arrays one
    by one: passing the scratch tuple cost ~0.3 us per call while kernels
    counted references (codec/jit.py), as much as a whole 4x4 prediction and SATD."""
    if est[mode] < _INF:
        return est[mode]
    predict_any(mode, ref, fref, n, log2n, pred, pt, main, avail, lrec, rec, x, y, cshift)
    j = wd_sqrt * satd(org, x, y, pred, n, had) + lam_sqrt * mbits[mode]
    est[mode] = j
    return j


@kernel
def _angle_search(org, rec, lrec, x, y, n, log2s, pt, mbits, cshift, lam_sqrt, wd_sqrt,
                  ref, fref, avail, pred, main, had, est, coarse_small):
    """Rough costs (into est) of a coarse pass over the angles, then of
    halving steps around the best one."""
    best_ang = 2
    coarse = COARSE_STEP_LARGE if log2s >= 5 else coarse_small
    step = coarse >> 1
    for m in range(2, NUM_MODES, coarse):
        j = _rough(org, rec, lrec, x, y, n, log2s, pt, m, mbits, cshift, lam_sqrt,
                   wd_sqrt, ref, fref, avail, pred, main, had, est)
        if j < est[best_ang]:
            best_ang = m
    while step >= 1:
        c = best_ang
        for m in (c - step, c + step):
            if 2 <= m < NUM_MODES:
                j = _rough(org, rec, lrec, x, y, n, log2s, pt, m, mbits, cshift,
                           lam_sqrt, wd_sqrt, ref, fref, avail, pred, main, had, est)
                if j < est[best_ang]:
                    best_ang = m
        step >>= 1


@kernel
def _unit_mean(m, ux, uy, nu):
    acc = 0.0
    for j in range(nu):
        for i in range(nu):
            acc += m[uy + j, ux + i]
    return acc / (nu * nu)


@kernel
def _quantise(coef, scl, n, log2s, sc, pt, cmap, x, y, costs, lam, wd, cbf0, cbf1, lv, dep, st,
              buf, work, prov, bps, bpk):
    """Levels of one residual block into lv; returns (nz, estimated bits of
    the cbf and the coefficients, transform-domain squared error), the bits
    and error from the quantiser's own estimate (RDOQ or the trellis) instead
    of a re-count.  Scratch arrays one by one (see _rough)."""
    if dep:
        nz, jc, d = depq_trellis(coef, scl, n, log2s, sc, pt, cmap, x, y, costs, lam, wd, cbf0,
                               cbf1, lv, work, prov, bps, bpk)
    else:
        nz, jc, d = rdoq(coef, scl, n, log2s, sc, pt, cmap, x, y, costs, lam, wd, cbf0, cbf1,
                         lv, work, st, buf)
    if not nz:
        return False, cbf0, d
    return True, cbf1 + max(jc - d * wd, 0.0) / lam, d


@kernel
def _sole_candidate(est, n_full, limit):
    """After the first full-RD candidate was taken out of est: whether the
    mode loop would stop there (no other mode within the margin, or n_full 1)."""
    if n_full <= 1:
        return True
    for m in range(NUM_MODE_SLOTS):
        if est[m] <= limit:
            return False
    return True


@inline_kernel
def _preselect(org, rec, lrec, x, y, n, log2s, pt, cflnb, cshift, lam, wd, probs,
               scr):
    """Stage 1 of a leaf: the rough cost (SATD + sqrt(lambda) * mode bits) of
    every mode the pre-selection tries, into scr[S_EST] (_INF for the rest):
    planar and DC, a coarse pass over the angles refined around the best
    (luma), the MPMs (and CfL for chroma).  The references are built and the
    MPMs derived (scr[S_REF], scr[S_MPM]); the mode bits are in scr[S_MBITS]."""
    est = scr[S_EST]
    mpm = scr[S_MPM]
    mbits = scr[S_MBITS]
    ref = scr[S_REF]
    fref = scr[S_FREF]
    avail = scr[S_AVAIL]
    pred = scr[S_PRED]
    main = scr[S_MAIN]
    had = scr[S_HAD]
    for m in range(NUM_MODE_SLOTS):
        est[m] = _INF
    lam_sqrt = math.sqrt(lam)
    wd_sqrt = math.sqrt(wd)
    mode_bits_table(mpm, pt, cflnb, probs, mbits)
    for m in (MODE_PLANAR, MODE_DC):
        _rough(org, rec, lrec, x, y, n, log2s, pt, m, mbits, cshift, lam_sqrt, wd_sqrt,
               ref, fref, avail, pred, main, had, est)
    if pt == 0 or not CHROMA_MPM_ONLY:
        _angle_search(org, rec, lrec, x, y, n, log2s, pt, mbits, cshift, lam_sqrt,
                      wd_sqrt, ref, fref, avail, pred, main, had, est,
                      scr[S_PARAMS][P_COARSE])
    for i in range(NUM_MPM + (2 if pt != 0 else 0)):
        m = mpm[i] if i < NUM_MPM else MODE_CFL + (i - NUM_MPM)     # chroma: CfL from both sides
        _rough(org, rec, lrec, x, y, n, log2s, pt, m, mbits, cshift, lam_sqrt, wd_sqrt,
               ref, fref, avail, pred, main, had, est)
    if pt != 0 and n >= CCCM_MIN_BLOCK:
        _rough(org, rec, lrec, x, y, n, log2s, pt, MODE_CCCM, mbits, cshift, lam_sqrt, wd_sqrt,
               ref, fref, avail, pred, main, had, est)
    if pt != 0 and n >= CFL_SIDE_MIN_BLOCK:
        # CfL from one side only where CfL from both could enter full RD
        # (see CFL_SIDE_MIN_BLOCK)
        best = _INF
        for m in range(NUM_MODE_SLOTS):
            best = min(best, est[m])
        if min(est[MODE_CFL], est[MODE_CFL + 1]) <= best * (scr[S_PARAMS][P_MARGIN] * 0.01):
            for m in range(MODE_CFL + 2, MODE_CCCM):
                _rough(org, rec, lrec, x, y, n, log2s, pt, m, mbits, cshift, lam_sqrt, wd_sqrt,
                       ref, fref, avail, pred, main, had, est)


@inline_kernel
def _rank_scales(scl, n, scr):
    """The uniform scales candidates are ranked at with dependent quantisation
    (DEPQ_RANK_STEP / 128 of the scale unit), in scr[S_SCLU]."""
    qscl = scr[S_SCLU]
    for kv in range(n):
        for ku in range(n):
            qscl[kv, ku] = (scl[kv, ku] * DEPQ_RANK_STEP + 64) >> 7
    return qscl


@inline_kernel
def _full_rd(org, rec, lrec, cmap, x, y, n, log2s, sc, pt, cshift, scl, dep, lam, wd,
             cbf0, cbf1, save_lv, probs, st, buf, scr):
    """Stage 2 of a leaf: the best few pre-selected modes (the effort's count
    per size; a runner-up only within its margin of the first) through the
    residual's DCT and the quantiser, J from the quantiser's own estimate.
    The winner's levels go to save_lv (with dependent quantisation: ranked by
    RDOQ at the uniform step, its coefficients kept in scr[S_BCOEF] for the
    trellis).  Returns (mode, nz, bits, J, the mode pred holds, sole): sole =
    the first candidate was the only one (dependent quantisation: its DCT is
    left in scr[S_COEF] for the trellis, unranked)."""
    est = scr[S_EST]
    prm = scr[S_PARAMS]
    pred = scr[S_PRED]
    blk = scr[S_BLK]
    coef = scr[S_COEF]
    lv = scr[S_LV]
    bcoef = scr[S_BCOEF]
    n_full = prm[P_FULL_RD + sc]
    if pt != 0:
        n_full += prm[P_CHROMA_EXTRA_DEPQ if dep else P_CHROMA_EXTRA]
    margin = prm[P_MARGIN_DEPQ if dep else P_MARGIN] * 0.01
    qscl = _rank_scales(scl, n, scr) if dep else scl
    best = _INF
    best_mode = MODE_DC
    best_nz = False
    best_r = 0.0
    first = _INF
    pred_mode = -1
    for k in range(n_full):
        mode = -1
        for m in range(NUM_MODE_SLOTS):
            if est[m] < _INF and (mode < 0 or est[m] < est[mode]):
                mode = m
        if mode < 0:
            break
        if k == 0:
            first = est[mode]
        elif est[mode] > margin * first:
            break
        est[mode] = _INF
        predict_any(mode, scr[S_REF], scr[S_FREF], n, log2s, pred, pt, scr[S_MAIN], scr[S_AVAIL],
                    lrec, rec, x, y, cshift)
        pred_mode = mode
        # the residual's DCT: one transform per candidate (the source's DCT,
        # shared by the candidates, would cost one more per leaf)
        for yy in range(n):
            for xx in range(n):
                blk[yy, xx] = org[y + yy, x + xx] - pred[yy, xx]
        fdct2(blk, n, sc, block_transform(sc, False), coef, scr[S_TMPF], scr[S_EO])
        if dep and k == 0 and _sole_candidate(est, n_full, margin * first):
            return mode, False, 0.0, _INF, pred_mode, True       # nothing to rank
        nz, r, d = _quantise(coef, qscl, n, log2s, sc, pt, cmap, x, y, scr[S_COSTS], lam, wd,
                             cbf0, cbf1, lv, False, st, buf, scr[S_WORK], scr[S_PROV], scr[S_BPS],
                             scr[S_BPK])
        r += scr[S_MBITS][mode]
        j = d * wd + lam * r
        if j < best:
            best = j
            best_mode = mode
            best_nz = nz
            best_r = r
            for yy in range(n):
                for xx in range(n):
                    save_lv[yy, xx] = lv[yy, xx]
                    if dep:
                        bcoef[yy, xx] = coef[yy, xx]
    return best_mode, best_nz, best_r, best, pred_mode, False


@inline_kernel
def _try_other_transform(org, rec, lrec, cmap, x, y, n, log2s, sc, pt, cshift, scl, lam, wd,
                         cbf0, cbf1, mode, r, j, pred_mode, save_lv, probs, st, buf, scr):
    """The full-RD winner (levels in save_lv, bits r, J j, all in its size's
    transform) coded in the other transform instead, kept if its J plus the
    transform bin's is lower.  Returns (cb, bits with the bin, the mode pred
    holds)."""
    pred = scr[S_PRED]
    blk = scr[S_BLK]
    coef = scr[S_COEF]
    lv = scr[S_LV]
    if pred_mode != mode:
        predict_any(mode, scr[S_REF], scr[S_FREF], n, log2s, pred, pt, scr[S_MAIN], scr[S_AVAIL],
                    lrec, rec, x, y, cshift)
    energy = 0.0
    for yy in range(n):
        for xx in range(n):
            v = org[y + yy, x + xx] - pred[yy, xx]
            blk[yy, xx] = v
            energy += v * v
    tr = block_transform(sc, True)
    keep = min(n, OTHER_TRANSFORM_KEEP) if tr == TR_DST7 else n
    if keep < n:
        fdct2_low(blk, n, sc, tr, keep, coef, scr[S_TMPF])
    else:
        fdct2(blk, n, sc, tr, coef, scr[S_TMPF], scr[S_EO])
    nz, r2, d2 = _quantise(coef, scl, n, log2s, sc, pt, cmap, x, y, scr[S_COSTS], lam, wd, cbf0,
                           cbf1, lv, False, st, buf, scr[S_WORK], scr[S_PROV], scr[S_BPS],
                           scr[S_BPK])
    if keep < n:
        # the frequencies not computed are coded as zeros: their energy (the
        # block's less the kept coefficients', the transform being orthonormal)
        # is distortion too
        for kv in range(keep):
            for ku in range(keep):
                energy -= coef[kv, ku] * coef[kv, ku]
        d2 += max(energy, 0.0)
    r2 += scr[S_MBITS][mode]
    if nz:
        r2 += transform_syntax(1, pt, sc, probs, st, buf, False)
    t0 = transform_syntax(0, pt, sc, probs, st, buf, False)
    if d2 * wd + lam * r2 >= j + lam * t0:
        return CB_CODED, r + t0, mode
    for yy in range(n):
        for xx in range(n):
            save_lv[yy, xx] = lv[yy, xx]
    return (CB_OTHER if nz else CB_NONE), r2, mode


@inline_kernel
def _rough_says_split(est, skip_pct, n, log2s, pt, dep, lam):
    """Whether a leaf is left uncoded after its pre-selection (its J is then
    _INF and the search splits the node): a luma leaf from ROUGH_SKIP_MIN_LOG2
    without dependent quantisation whose best rough cost exceeds skip_pct
    percent of sqrt(lambda) per pixel.  At the low-rate point the 64x64 leaf
    is searched on 97 % of the luma area and ends on a third; such busy
    leaves all but never beat their split."""
    if skip_pct <= 0 or dep or pt != 0 or log2s < ROUGH_SKIP_MIN_LOG2:
        return False
    best = _INF
    for m in range(NUM_MODE_SLOTS):
        best = min(best, est[m])
    return best > skip_pct * 0.01 * n * n * math.sqrt(lam)


@kernel
def _leaf_search(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, depth, pt,
                 ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr):
    """Choose the intra mode of the leaf at (x, y), reconstruct it into rec and
    the maps (copies at S_SAVE_REC/S_SAVE_LV[depth]); returns (J, mode, cb)
    with the pixel-domain D, cb its coded-block value (CB_*).  aq:
    distortion weight per 4x4 unit (encoder-only adaptive quantisation; all
    ones for the PSNR tuning).  Stages: the rough
    pre-selection of modes, full RD of the best few, then (dependent
    quantisation) the trellis on the winner, or (without it) the winner in
    the other transform, and its reconstruction."""
    n = 1 << log2s
    sc = log2s - LOG2_MIN_BLOCK
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    wd = wd * _unit_mean(aq, ux, uy, n >> LOG2_MIN_BLOCK)
    scl = scale[sc]
    save_lv = scr[S_SAVE_LV][depth]
    build_refs_node_wh(rec, smap, x, y, n, n, ctu_ulog2, scr[S_REF], scr[S_AVAIL], scr[S_NODE])
    mode_candidates(mmap, ux, uy, pt, lmmap, cshift, scr[S_MPM])
    _preselect(org, rec, lrec, x, y, n, log2s, pt, nb_cfl(mmap, ux, uy) if pt != 0 else 0, cshift,
               lam, wd, probs, scr)
    if _rough_says_split(scr[S_EST], scr[S_PARAMS][P_ROUGH_SKIP], n, log2s, pt, dep, lam):
        return _INF, MODE_DC, CB_CODED
    cnb = nb_nonzero(cbmap, ux, uy)
    cbf0 = cbf_syntax(0, pt, sc, cnb, probs, st, buf, False)
    cbf1 = cbf_syntax(1, pt, sc, cnb, probs, st, buf, False)
    mode, nz, r, j, pred_mode, sole = _full_rd(org, rec, lrec, cmap, x, y, n, log2s, sc, pt,
                                               cshift, scl, dep, lam, wd, cbf0, cbf1, save_lv,
                                               probs, st, buf, scr)
    cb = CB_CODED if nz else CB_NONE
    if nz and transform_bin_sent(sc, dep):
        if scr[S_PARAMS][P_OTHER_TRANSFORM]:
            cb, r, pred_mode = _try_other_transform(org, rec, lrec, cmap, x, y, n, log2s, sc, pt,
                                                    cshift, scl, lam, wd, cbf0, cbf1, mode, r, j,
                                                    pred_mode, save_lv, probs, st, buf, scr)
            nz = cb != CB_NONE
        else:
            r += transform_syntax(0, pt, sc, probs, st, buf, False)
    pred = scr[S_PRED]
    if dep:                          # the winner's levels from the trellis
        nz, r, _ = _quantise(scr[S_COEF] if sole else scr[S_BCOEF], scl, n, log2s, sc, pt, cmap, x,
                             y, scr[S_COSTS], lam, wd, cbf0, cbf1, save_lv, True, st, buf,
                             scr[S_WORK], scr[S_PROV], scr[S_BPS], scr[S_BPK])
        r += scr[S_MBITS][mode]
        cb = CB_CODED if nz else CB_NONE
    if pred_mode != mode:            # a later candidate overwrote the winner's prediction
        predict_any(mode, scr[S_REF], scr[S_FREF], n, log2s, pred, pt, scr[S_MAIN], scr[S_AVAIL],
                    lrec, rec, x, y, cshift)
    reconstruct(pred, save_lv, nz, scl, n, sc, block_transform(sc, cb == CB_OTHER), rec, x, y,
                scr[S_CI], scr[S_RI], scr[S_TMPI], dep)
    save_rec = scr[S_SAVE_REC][depth]
    d = 0.0
    for yy in range(n):
        for xx in range(n):
            v = rec[y + yy, x + xx]
            save_rec[yy, xx] = v
            e = org[y + yy, x + xx] - v
            d += e * e
    set_leaf_maps(smap, mmap, cbmap, cmap, x, y, sc, mode, cb, save_lv)
    return d * wd + lam * r, mode, cb


@kernel
def _satd_half(org, x, y, pred, sc, had):
    """satd of a split half: the sum over its square tiles of the short side."""
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    t = min(w, h)
    s = 0.0
    for ty in range(0, h, t):
        for tx in range(0, w, t):
            s += satd(org, x + tx, y + ty, pred[ty:ty + t, tx:tx + t], t, had)
    return s


@kernel
def _rough_half(org, x, y, sc, mode, mbits, lam_sqrt, wd_sqrt, ref, fref, pred, main, had,
                est):
    """_rough for a luma split half."""
    if est[mode] < _INF:
        return est[mode]
    predict_half(ref, fref, sc, mode, pred, main)
    j = wd_sqrt * _satd_half(org, x, y, pred, sc, had) + lam_sqrt * mbits[mode]
    est[mode] = j
    return j


@kernel
def _preselect_half(org, x, y, sc, lam, wd, probs, scr):
    """_preselect for a luma split half: planar, DC, the coarse angle pass
    refined around the best, the MPMs."""
    est = scr[S_EST]
    mpm = scr[S_MPM]
    mbits = scr[S_MBITS]
    ref = scr[S_REF]
    fref = scr[S_FREF]
    pred = scr[S_PRED]
    main = scr[S_MAIN]
    had = scr[S_HAD]
    for m in range(NUM_MODE_SLOTS):
        est[m] = _INF
    ls = math.sqrt(lam)
    ws = math.sqrt(wd)
    mode_bits_table(mpm, 0, 0, probs, mbits)
    for m in (MODE_PLANAR, MODE_DC):
        _rough_half(org, x, y, sc, m, mbits, ls, ws, ref, fref, pred, main, had, est)
    best_ang = 2
    coarse = COARSE_STEP_LARGE if max(SHAPE_LW[sc], SHAPE_LH[sc]) >= 5 else scr[S_PARAMS][P_COARSE]
    for m in range(2, NUM_MODES, coarse):
        if _rough_half(org, x, y, sc, m, mbits, ls, ws, ref, fref, pred, main, had,
                       est) < est[best_ang]:
            best_ang = m
    step = coarse >> 1
    while step >= 1:
        c = best_ang
        for m in (c - step, c + step):
            if 2 <= m < NUM_MODES:
                if _rough_half(org, x, y, sc, m, mbits, ls, ws, ref, fref, pred, main, had,
                               est) < est[best_ang]:
                    best_ang = m
        step >>= 1
    for i in range(NUM_MPM):
        _rough_half(org, x, y, sc, mpm[i], mbits, ls, ws, ref, fref, pred, main, had, est)


@kernel
def _unit_mean_wh(m, ux, uy, nuw, nuh):
    acc = 0.0
    for j in range(nuh):
        for i in range(nuw):
            acc += m[uy + j, ux + i]
    return acc / (nuw * nuh)


@kernel
def _leaf_search_half(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, sc, depth,
                      ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr):
    """_leaf_search for a luma split half of shape class sc (format 13; no
    transform choice): the rough pre-selection, full RD of the best few
    (with dependent quantisation ranked by RDOQ at the uniform step, then
    the trellis on the winner, as _full_rd), the winner reconstructed into
    rec and the maps, its levels in scr[S_SAVE_LV][depth].  Returns (J,
    mode, cb)."""
    w = SHAPE_W[sc]
    h = SHAPE_H[sc]
    cc = SHAPE_CC[sc]
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    wd = wd * _unit_mean_wh(aq, ux, uy, w >> LOG2_MIN_BLOCK, h >> LOG2_MIN_BLOCK)
    scl = scale[sc]
    save_lv = scr[S_SAVE_LV][depth]
    prm = scr[S_PARAMS]
    est = scr[S_EST]
    pred = scr[S_PRED]
    blk = scr[S_BLK]
    coef = scr[S_COEF]
    lv = scr[S_LV]
    build_refs_node_wh(rec, smap, x, y, w, h, ctu_ulog2, scr[S_REF], scr[S_AVAIL], scr[S_NODE])
    mode_candidates(mmap, ux, uy, 0, lmmap, cshift, scr[S_MPM])
    _preselect_half(org, x, y, sc, lam, wd, probs, scr)
    cnb = nb_nonzero(cbmap, ux, uy)
    cbf0 = cbf_syntax(0, 0, cc, cnb, probs, st, buf, False)
    cbf1 = cbf_syntax(1, 0, cc, cnb, probs, st, buf, False)
    n_full = prm[P_FULL_RD + max(SHAPE_LW[sc], SHAPE_LH[sc]) - LOG2_MIN_BLOCK]
    margin = prm[P_MARGIN_DEPQ if dep else P_MARGIN] * 0.01
    qscl = scl
    if dep:
        qscl = scr[S_SCLU]
        for kv in range(h):
            for ku in range(w):
                qscl[kv, ku] = (scl[kv, ku] * DEPQ_RANK_STEP + 64) >> 7
    bcoef = scr[S_BCOEF]
    sole = False
    best = _INF
    best_mode = MODE_DC
    best_nz = False
    best_r = 0.0
    first = _INF
    pred_mode = -1
    for k in range(n_full):
        mode = -1
        for m in range(NUM_MODE_SLOTS):
            if est[m] < _INF and (mode < 0 or est[m] < est[mode]):
                mode = m
        if mode < 0:
            break
        if k == 0:
            first = est[mode]
        elif est[mode] > margin * first:
            break
        est[mode] = _INF
        predict_half(scr[S_REF], scr[S_FREF], sc, mode, pred, scr[S_MAIN])
        pred_mode = mode
        for yy in range(h):
            for xx in range(w):
                blk[yy, xx] = org[y + yy, x + xx] - pred[yy, xx]
        fdct_half(blk, sc, coef, scr[S_TMPF])
        if dep and k == 0 and _sole_candidate(est, n_full, margin * first):
            sole = True                     # nothing to rank: the trellis takes coef
            best_mode = mode
            break
        nz, r, d = _quantise(coef, qscl, w, 0, sc, 0, cmap, x, y, scr[S_COSTS], lam, wd, cbf0,
                             cbf1, lv, False, st, buf, scr[S_WORK], scr[S_PROV], scr[S_BPS],
                             scr[S_BPK])
        r += scr[S_MBITS][mode]
        j = d * wd + lam * r
        if j < best:
            best = j
            best_mode = mode
            best_nz = nz
            best_r = r
            for yy in range(h):
                for xx in range(w):
                    save_lv[yy, xx] = lv[yy, xx]
                    if dep:
                        bcoef[yy, xx] = coef[yy, xx]
    if dep:                          # the winner's levels from the trellis
        best_nz, best_r, _ = _quantise(coef if sole else bcoef, scl, w, 0, sc, 0, cmap, x, y,
                                       scr[S_COSTS], lam, wd, cbf0, cbf1, save_lv, True, st, buf,
                                       scr[S_WORK], scr[S_PROV], scr[S_BPS], scr[S_BPK])
        best_r += scr[S_MBITS][best_mode]
    if pred_mode != best_mode:
        predict_half(scr[S_REF], scr[S_FREF], sc, best_mode, pred, scr[S_MAIN])
    reconstruct(pred, save_lv, best_nz, scl, w, sc, 0, rec, x, y, scr[S_CI], scr[S_RI],
                scr[S_TMPI], dep)
    d = 0.0
    for yy in range(h):
        for xx in range(w):
            e = org[y + yy, x + xx] - rec[y + yy, x + xx]
            d += e * e
    cb = CB_CODED if best_nz else CB_NONE
    set_leaf_maps(smap, mmap, cbmap, cmap, x, y, sc, best_mode, cb, save_lv)
    return d * wd + lam * best_r, best_mode, cb


@kernel
def _mc_set_leaf(mc, i, ox, oy, sc, mode, cb):
    b = 1 + 5 * i
    mc[b] = ox
    mc[b + 1] = oy
    mc[b + 2] = sc
    mc[b + 3] = mode
    mc[b + 4] = cb


@kernel
def _part_maps(smap, mmap, cbmap, cmap, px, py, mc, lsave):
    """A part's leaves (mc; levels in lsave at part-local positions) into the maps."""
    for i in range(mc[0]):
        b = 1 + 5 * i
        ox = mc[b]
        oy = mc[b + 1]
        set_leaf_maps(smap, mmap, cbmap, cmap, px + ox, py + oy, mc[b + 2], mc[b + 3], mc[b + 4],
                      lsave[oy:, ox:])


@kernel
def _clear_units(smap, x, y, w, h):
    """Mark the units of a region not decoded (parts' availability, S_NODE)."""
    for uy in range(y >> LOG2_MIN_BLOCK, (y + h) >> LOG2_MIN_BLOCK):
        for ux in range(x >> LOG2_MIN_BLOCK, (x + w) >> LOG2_MIN_BLOCK):
            smap[uy, ux] = 0


@kernel
def _copy_in(dst, src, x, y, w, h):
    """dst[:h, :w] = src[y:y + h, x:x + w]"""
    for yy in range(h):
        for xx in range(w):
            dst[yy, xx] = src[y + yy, x + xx]


@kernel
def _copy_out(dst, src, x, y, w, h):
    """dst[y:y + h, x:x + w] = src[:h, :w]"""
    for yy in range(h):
        for xx in range(w):
            dst[y + yy, x + xx] = src[yy, xx]


@kernel
def _any_leaf(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, sc, depth, ctu_ulog2,
              scale, dep, lam, wd, aq, probs, st, buf, scr):
    """A luma part's leaf of any shape class: squares through _leaf_search."""
    if sc < NUM_SIZES:
        return _leaf_search(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y,
                            sc + LOG2_MIN_BLOCK, depth, 0, ctu_ulog2, scale, dep, lam, wd, aq,
                            probs, st, buf, scr)
    return _leaf_search_half(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, sc, depth,
                             ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr)


@kernel
def _search_pair(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py, ss, across_x,
                 depth, ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr, jbase, limit,
                 cand, mc):
    """A part split across in two leaves of shape ss (side by side if
    across_x, else stacked): J from jbase, stopping at limit; their levels
    into cand, their entries into mc (mc[0] = 2)."""
    j = jbase
    w = SHAPE_W[ss]
    h = SHAPE_H[ss]
    mc[0] = 2
    for k in range(2):
        ox = k * w if across_x else 0
        oy = 0 if across_x else k * h
        jp, m, cb = _any_leaf(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px + ox,
                              py + oy, ss, depth, ctu_ulog2, scale, dep, lam, wd, aq, probs, st,
                              buf, scr)
        j += jp
        if j >= limit:
            return j
        src = scr[S_SAVE_LV][depth]
        for yy in range(h):
            for xx in range(w):
                cand[oy + yy, ox + xx] = src[yy, xx]
        _mc_set_leaf(mc, k, ox, oy, ss, m, cb)
    return j


@kernel
def _part_leaf(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, sc, depth, ctu_ulog2, scale,
               dep, lam, wd, aq, probs, st, buf, scr, mc, lsave):
    """A part of shape class sc searched as one leaf (its levels at depth,
    copied to lsave; mc: that leaf, layout PART_LEAF); returns its J."""
    jl, m, cb = _leaf_search_half(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, sc,
                                  depth, ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr)
    src = scr[S_SAVE_LV][depth]
    for yy in range(SHAPE_H[sc]):
        for xx in range(SHAPE_W[sc]):
            lsave[yy, xx] = src[yy, xx]
    mc[0] = 1
    mc[MC_LAYOUT] = PART_LEAF
    _mc_set_leaf(mc, 0, 0, 0, sc, m, cb)
    return jl


@kernel
def _take_candidate(mc, mct, layout, lsave, cand, w, h):
    """A part's candidate layout won: its leaves (mct) and levels (cand) become the part's."""
    for i in range(MC_LEN):
        mc[i] = mct[i]
    mc[MC_LAYOUT] = layout
    for yy in range(h):
        for xx in range(w):
            lsave[yy, xx] = cand[yy, xx]


@kernel
def _search_quarter(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, qx, qy, log2s, bt,
                    dq, ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr, mc, lsave):
    """A quarter of a node of 2**log2s split in direction bt: a leaf or
    (format 17) split across in two 2:1 leaves.  Slots dq .. dq + 2."""
    qs = quarter_shape(log2s, bt)
    w = SHAPE_W[qs]
    h = SHAPE_H[qs]
    jl = _part_leaf(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, qx, qy, qs, dq, ctu_ulog2,
                    scale, dep, lam, wd, aq, probs, st, buf, scr, mc, lsave)
    jl += lam * cross_syntax(0, True, log2s, probs, st, buf, False)
    bkp = scr[S_SAVE_REC][dq + 2]
    _copy_in(bkp, rec, qx, qy, w, h)
    _clear_units(smap, qx, qy, w, h)
    cand = scr[S_SAVE_LV][dq + 2]
    mct = scr[S_PART_MC][dq + 2]
    jc = _search_pair(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, qx, qy,
                      bt_shape(log2s - 1, bt), bt == BT_HORIZONTAL, dq + 1, ctu_ulog2, scale,
                      dep, lam, wd, aq, probs, st, buf, scr,
                      lam * cross_syntax(1, True, log2s, probs, st, buf, False), jl, cand, mct)
    if jc < jl:
        _take_candidate(mc, mct, PART_CROSSED, lsave, cand, w, h)
        return jc
    _copy_out(rec, bkp, qx, qy, w, h)
    _part_maps(smap, mmap, cbmap, cmap, qx, qy, mc, lsave)
    return jl


@kernel
def _search_part(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py, mid, log2s, bt,
                 d0, ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr, mc, lsave,
                 no_cross):
    """A half (mid: the middle of a ternary split) of a node of 2**log2s
    split in direction bt: a leaf, (halves from 16x16, format 16) two
    quarters along its long side, or (format 17) two squares across it.
    The winner stays in rec and the maps, its leaves in mc, their levels in
    lsave at part-local positions.  Slots d0 .. d0 + 5.  Returns its J with
    its bins."""
    ps = bt_shape(log2s, bt)
    w = SHAPE_W[ps]
    h = SHAPE_H[ps]
    jl = _part_leaf(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, px, py, ps, d0, ctu_ulog2,
                    scale, dep, lam, wd, aq, probs, st, buf, scr, mc, lsave)
    quart = (not mid) and log2s >= LOG2_MIN_QUARTER
    cross = log2s >= LOG2_MIN_QUARTER and not no_cross
    if quart:
        jl += lam * quarters_syntax(0, log2s, probs, st, buf, False)
    if cross:
        jl += lam * cross_syntax(0, False, log2s, probs, st, buf, False)
    if not quart and not cross:
        return jl
    best = jl
    bkp = scr[S_SAVE_REC][d0 + 5]
    _copy_in(bkp, rec, px, py, w, h)
    cand = scr[S_SAVE_LV][d0 + 4]
    mct = scr[S_PART_MC][d0 + 4]
    if quart:
        _clear_units(smap, px, py, w, h)
        qs = quarter_shape(log2s, bt)
        mq = scr[S_PART_MC][d0 + 1]
        j = lam * quarters_syntax(1, log2s, probs, st, buf, False)
        mct[0] = 0
        lay = PART_QUARTERED
        for q in range(2):
            ox = q * SHAPE_W[qs] if bt == BT_VERTICAL else 0
            oy = q * SHAPE_H[qs] if bt == BT_HORIZONTAL else 0
            j += _search_quarter(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px + ox,
                                 py + oy, log2s, bt, d0 + 1, ctu_ulog2, scale, dep, lam, wd, aq,
                                 probs, st, buf, scr, mq, cand[oy:, ox:])
            for i in range(mq[0]):
                b = 1 + 5 * i
                _mc_set_leaf(mct, mct[0] + i, mq[b] + ox, mq[b + 1] + oy, mq[b + 2], mq[b + 3],
                             mq[b + 4])
            mct[0] += mq[0]
            if mq[MC_LAYOUT] == PART_CROSSED:
                lay |= QUARTER_CROSSED << q
            if j >= best:
                break
        if j < best:
            best = j
            _take_candidate(mc, mct, lay, lsave, cand, w, h)
            _copy_in(bkp, rec, px, py, w, h)
        else:
            _copy_out(rec, bkp, px, py, w, h)
            _part_maps(smap, mmap, cbmap, cmap, px, py, mc, lsave)
    if cross:
        _clear_units(smap, px, py, w, h)
        j0 = lam * cross_syntax(1, False, log2s, probs, st, buf, False)
        if quart:
            j0 += lam * quarters_syntax(0, log2s, probs, st, buf, False)
        j = _search_pair(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px, py,
                         log2s - 1 - LOG2_MIN_BLOCK, bt == BT_HORIZONTAL, d0 + 1, ctu_ulog2,
                         scale, dep, lam, wd, aq, probs, st, buf, scr, j0, best, cand, mct)
        if j < best:
            best = j
            _take_candidate(mc, mct, PART_CROSSED, lsave, cand, w, h)
        else:
            _copy_out(rec, bkp, px, py, w, h)
            _part_maps(smap, mmap, cbmap, cmap, px, py, mc, lsave)
    return best


@kernel
def _try_halves(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x, y, log2s, depth, snb,
                ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr, limit):
    """The binary splits of the luma node at (x, y) (format 13; each half
    searched by _search_part), then from 16x16 the ternary splits (format
    16; the side quarters by _search_quarter, the middle by _search_part).
    Each split's reconstruction, parts' levels and leaves kept in the S_BT_*
    slots at depth, indexed by the split (BT_* or TT_*) - 1.  A split whose
    parts so far already cost `limit` (or the best split's J) is abandoned.
    While the parts are searched, S_NODE holds the node: the units inside it
    are available when decoded (smap cleared before each layout).  Returns
    (J with the split flags, the best split or 0 if none beat limit)."""
    n = 1 << log2s
    half = n >> 1
    sc = log2s - LOG2_MIN_BLOCK
    best = limit
    best_dir = 0
    quarters = log2s >= LOG2_MIN_QUARTER
    node = scr[S_NODE]
    node[0] = x >> LOG2_MIN_BLOCK
    node[1] = y >> LOG2_MIN_BLOCK
    node[2] = (x + n) >> LOG2_MIN_BLOCK
    node[3] = (y + n) >> LOG2_MIN_BLOCK
    j0 = lam * split_syntax(0, 0, sc, snb, probs, st, buf, False)
    for bt in (BT_HORIZONTAL, BT_VERTICAL):
        _clear_units(smap, x, y, n, n)
        j = j0 + lam * bt_syntax(bt, sc, snb, probs, st, buf, False)
        if quarters:
            j += lam * ternary_syntax(0, log2s, probs, st, buf, False)
        for k in range(2):
            j += _search_part(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                              x + (k * half if bt == BT_VERTICAL else 0),
                              y + (k * half if bt == BT_HORIZONTAL else 0), False, log2s, bt,
                              depth + 1, ctu_ulog2, scale, dep, lam, wd, aq, probs, st, buf, scr,
                              scr[S_BT_MC][depth, bt - 1, k], scr[S_BT_LV][depth, bt - 1, k],
                              k == 1 and scr[S_BT_MC][depth, bt - 1, 0][MC_LAYOUT] == PART_CROSSED)
            if j >= best:
                break
        if j < best:
            best = j
            best_dir = bt
            _copy_in(scr[S_BT_REC][depth, bt - 1], rec, x, y, n, n)
    if quarters:
        for bt in (BT_HORIZONTAL, BT_VERTICAL):
            _clear_units(smap, x, y, n, n)
            tt = bt + 2
            qs = quarter_shape(log2s, bt)
            j = j0 + lam * (bt_syntax(bt, sc, snb, probs, st, buf, False)
                            + ternary_syntax(1, log2s, probs, st, buf, False))
            off = 0
            for k in range(3):
                px = x + (off if bt == BT_VERTICAL else 0)
                py = y + (off if bt == BT_HORIZONTAL else 0)
                mc = scr[S_BT_MC][depth, tt - 1, k]
                lsave = scr[S_BT_LV][depth, tt - 1, k]
                if k == 1:
                    j += _search_part(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, px,
                                      py, True, log2s, bt, depth + 1, ctu_ulog2, scale, dep, lam,
                                      wd, aq, probs, st, buf, scr, mc, lsave, False)
                    off += half
                else:
                    j += _search_quarter(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                                         px, py, log2s, bt, depth + 1, ctu_ulog2, scale, dep, lam,
                                         wd, aq, probs, st, buf, scr, mc, lsave)
                    off += SHAPE_W[qs] if bt == BT_VERTICAL else SHAPE_H[qs]
                if j >= best:
                    break
            if j < best:
                best = j
                best_dir = tt
                _copy_in(scr[S_BT_REC][depth, tt - 1], rec, x, y, n, n)
    node[0] = 0
    node[1] = 0
    node[2] = 0
    node[3] = 0
    return best, best_dir


@kernel
def _put_back_split(rec, smap, mmap, cbmap, cmap, x, y, log2s, depth, split, scr):
    """The binary or ternary split (BT_* / TT_*) that won at this node: put
    its reconstruction and its parts' maps back (later candidates overwrote
    them); returns its layout code for write_ctu (ND_*)."""
    n = 1 << log2s
    _copy_out(rec, scr[S_BT_REC][depth, split - 1], x, y, n, n)
    bt = split - 2 if split > BT_VERTICAL else split
    code = split
    for k in range(3 if split > BT_VERTICAL else 2):
        off, _ = part_offset(log2s, split > BT_VERTICAL, k)
        mc = scr[S_BT_MC][depth, split - 1, k]
        _part_maps(smap, mmap, cbmap, cmap, x + (off if bt == BT_VERTICAL else 0),
                   y + (off if bt == BT_HORIZONTAL else 0), mc, scr[S_BT_LV][depth, split - 1, k])
        code |= mc[MC_LAYOUT] << (4 + 4 * k)
    return code


@kernel
def _put_back_leaf(rec, smap, mmap, cbmap, cmap, x, y, log2s, mode, cb, save_rec, save_lv):
    """The leaf won over its split: put its saved reconstruction and maps back
    (the split's children overwrote them)."""
    n = 1 << log2s
    for yy in range(n):
        for xx in range(n):
            rec[y + yy, x + xx] = save_rec[yy, xx]
    set_leaf_maps(smap, mmap, cbmap, cmap, x, y, log2s - LOG2_MIN_BLOCK, mode, cb, save_lv)


@alloc_kernel
def search_ctu(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift, x0, y0, lg, pt, scale, dep,
               lam, wd, aq, probs, st, buf, scr):
    """RD search of one CTU's quadtree (iterative post-order walk: numba's
    cache cannot hold recursive functions).  Leaves the chosen partition and
    modes in smap/mmap and the matching reconstruction in rec."""
    h, w = rec.shape
    ctu_ulog2 = lg - LOG2_MIN_BLOCK
    skip_scale = lam * (scr[S_PARAMS][P_SKIP_PCT_DEPQ if dep else P_SKIP_PCT] / 100.0)
    fill_costs(probs, scr[S_COSTS])       # the states stay frozen during the search
    fx = np.zeros(MAX_DEPTH, np.int64)
    fy = np.zeros(MAX_DEPTH, np.int64)
    fl = np.zeros(MAX_DEPTH, np.int64)
    stage = np.zeros(MAX_DEPTH, np.int64)
    forced = np.zeros(MAX_DEPTH, np.bool_)
    jleaf = np.zeros(MAX_DEPTH)
    jsplit = np.zeros(MAX_DEPTH)
    bmode = np.zeros(MAX_DEPTH, np.int64)
    bcb = np.zeros(MAX_DEPTH, np.int64)
    btdir = np.zeros(MAX_DEPTH, np.int64)     # the split (BT_* or TT_*) that beat the leaf, or 0
    nd = scr[S_ND]
    um = (1 << ctu_ulog2) - 1
    try_bt = pt == 0 and scr[S_PARAMS][P_BT] != 0 and (not dep or scr[S_PARAMS][P_BT_DEPQ] != 0)
    d = 0
    fx[0] = x0
    fy[0] = y0
    fl[0] = lg
    stage[0] = 0
    ret = 0.0
    while d >= 0:
        x = fx[d]
        y = fy[d]
        log2s = fl[d]
        n = 1 << log2s
        if stage[d] == 0:
            nd[d, (y >> LOG2_MIN_BLOCK) & um, (x >> LOG2_MIN_BLOCK) & um] = 0
            if x >= w or y >= h:
                ret = 0.0
                d -= 1
                continue
            sc = log2s - LOG2_MIN_BLOCK
            if forced_split(x, y, n, w, h):
                forced[d] = True
                jleaf[d] = _INF
                jsplit[d] = 0.0
            else:
                forced[d] = False
                jl, bm, bz = _leaf_search(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                                          x, y, log2s, d, pt, ctu_ulog2, scale, dep, lam, wd, aq,
                                          probs, st, buf, scr)
                bmode[d] = bm
                bcb[d] = bz
                btdir[d] = 0
                if log2s == LOG2_MIN_BLOCK:
                    ret = jl
                    d -= 1
                    continue
                snb = nb_split(smap, x >> LOG2_MIN_BLOCK, y >> LOG2_MIN_BLOCK, log2s)
                jleaf[d] = jl + lam * split_syntax(0, pt, sc, snb, probs, st, buf, False)
                if pt == 0 and log2s >= LOG2_MIN_BT:
                    jleaf[d] += lam * bt_syntax(0, sc, snb, probs, st, buf, False)
                if bz == CB_NONE or jleaf[d] < skip_scale * SPLIT_SKIP_BITS[pt, sc]:
                    # a leaf that codes no residual (at every size: stopping only below
                    # 64x64 left PSNR and rate unchanged on the corpus), or a cheap one:
                    # splitting rarely pays
                    ret = jleaf[d]
                    d -= 1
                    continue
                if try_bt and max(LOG2_MIN_BT, scr[S_PARAMS][P_BT_MIN]) <= log2s <= \
                        scr[S_PARAMS][P_BT_MAX]:
                    jb, bd = _try_halves(org, rec, cmap, smap, mmap, cbmap, lmmap, lrec, cshift,
                                         x, y, log2s, d, snb, ctu_ulog2, scale, dep, lam, wd, aq,
                                         probs, st, buf, scr, jleaf[d])
                    if bd != 0:
                        jleaf[d] = jb
                        btdir[d] = bd
                jsplit[d] = lam * split_syntax(1, pt, sc, snb, probs, st, buf, False)
            stage[d] = 1
        else:
            jsplit[d] += ret
            if stage[d] == 4 or (not forced[d] and jsplit[d] >= jleaf[d]):
                if not forced[d] and jleaf[d] <= jsplit[d]:
                    if btdir[d] != 0:
                        nd[d, (y >> LOG2_MIN_BLOCK) & um, (x >> LOG2_MIN_BLOCK) & um] = \
                            _put_back_split(rec, smap, mmap, cbmap, cmap, x, y, log2s, d,
                                            btdir[d], scr)
                    else:
                        _put_back_leaf(rec, smap, mmap, cbmap, cmap, x, y, log2s, bmode[d],
                                       bcb[d], scr[S_SAVE_REC][d], scr[S_SAVE_LV][d])
                    ret = jleaf[d]
                else:
                    ret = jsplit[d]
                d -= 1
                continue
            stage[d] += 1
        k = stage[d] - 1
        half = n >> 1
        fx[d + 1] = x + (k & 1) * half
        fy[d + 1] = y + (k >> 1) * half
        fl[d + 1] = log2s - 1
        stage[d + 1] = 0
        d += 1
    return ret


@alloc_kernel
def write_ctu(org, rec, cmap, smap, mmap, cbmap, lmmap, cshift, x0, y0, lg, pt, dep, probs, st,
              buf, scr):
    """Code one CTU's decided quadtree with live contexts (pre-order, z-order).
    The search left the final partition, modes and levels in the maps, the
    layouts of its binary and ternary splits in S_ND, and the matching
    reconstruction in rec, so this pass only writes syntax."""
    h, w = rec.shape
    stack = np.zeros((TREE_STACK_ROWS, 3), np.int64)
    stack[0, 0] = x0
    stack[0, 1] = y0
    stack[0, 2] = lg
    sp = 1
    lv = scr[S_LV]
    mpm = scr[S_MPM]
    nd = scr[S_ND]
    um = (1 << (lg - LOG2_MIN_BLOCK)) - 1
    while sp > 0:
        sp, x, y, log2s = pop_node(stack, sp)
        if x >= w or y >= h:
            continue
        n = 1 << log2s
        ux = x >> LOG2_MIN_BLOCK
        uy = y >> LOG2_MIN_BLOCK
        sc = log2s - LOG2_MIN_BLOCK
        split = forced_split(x, y, n, w, h)
        code = 0
        if not split and log2s > LOG2_MIN_BLOCK:
            if pt == 0:
                code = nd[lg - log2s, uy & um, ux & um]
            bt = code & 15
            if bt > BT_VERTICAL:
                bt -= 2
            v = smap[uy, ux]
            split = code == 0 and min(leaf_lw(v), leaf_lh(v)) < log2s
            snb = nb_split(smap, ux, uy, log2s)
            split_syntax(1 if split else 0, pt, sc, snb, probs, st, buf, True)
            if not split and pt == 0 and log2s >= LOG2_MIN_BT:
                bt_syntax(bt, sc, snb, probs, st, buf, True)
        if split:
            sp = push_quarters(stack, sp, x, y, log2s)
            continue
        if code != 0:
            _write_parts(rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, log2s, code, pt, dep,
                         probs, st, buf, lv, mpm)
            continue
        _write_leaf(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, sc, pt, dep, probs, st, buf, lv,
                    mpm)


@kernel
def _write_pair(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, ss, across_x, pt, dep, probs, st,
                buf, lv, mpm):
    for k in range(2):
        _write_leaf(rec, cmap, mmap, cbmap, lmmap, cshift, x + (k * SHAPE_W[ss] if across_x else 0),
                    y + (0 if across_x else k * SHAPE_H[ss]), ss, pt, dep, probs, st, buf, lv,
                    mpm)


@kernel
def _write_quarter(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, log2s, bt, crossed, pt, dep,
                   probs, st, buf, lv, mpm):
    cross_syntax(1 if crossed else 0, True, log2s, probs, st, buf, True)
    if crossed:
        _write_pair(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, bt_shape(log2s - 1, bt),
                    bt == BT_HORIZONTAL, pt, dep, probs, st, buf, lv, mpm)
    else:
        _write_leaf(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, quarter_shape(log2s, bt), pt,
                    dep, probs, st, buf, lv, mpm)


@kernel
def _write_parts(rec, cmap, smap, mmap, cbmap, lmmap, cshift, x, y, log2s, code, pt, dep, probs,
                 st, buf, lv, mpm):
    """The syntax of a node split in two or three (code: the split, then 4
    bits of layout per part, see _put_back_split): from 16x16 the ternary
    bin, then the parts, each with its bins."""
    split = code & 15
    ternary = split > BT_VERTICAL
    bt = split - 2 if ternary else split
    if log2s >= LOG2_MIN_QUARTER:
        ternary_syntax(1 if ternary else 0, log2s, probs, st, buf, True)
    for k in range(3 if ternary else 2):
        off, is_quarter = part_offset(log2s, ternary, k)
        px = x + (off if bt == BT_VERTICAL else 0)
        py = y + (off if bt == BT_HORIZONTAL else 0)
        lay = (code >> (4 + 4 * k)) & 15
        if is_quarter:
            _write_quarter(rec, cmap, mmap, cbmap, lmmap, cshift, px, py, log2s, bt,
                           lay == PART_CROSSED, pt, dep, probs, st, buf, lv, mpm)
            continue
        if not ternary and log2s >= LOG2_MIN_QUARTER:
            quarters_syntax(1 if lay & PART_QUARTERED else 0, log2s, probs, st, buf, True)
        if lay & PART_QUARTERED:
            qs = quarter_shape(log2s, bt)
            for q in range(2):
                _write_quarter(rec, cmap, mmap, cbmap, lmmap, cshift,
                               px + (q * SHAPE_W[qs] if bt == BT_VERTICAL else 0),
                               py + (q * SHAPE_H[qs] if bt == BT_HORIZONTAL else 0), log2s, bt,
                               (lay >> (2 + q)) & 1, pt, dep, probs, st, buf, lv, mpm)
            continue
        if log2s >= LOG2_MIN_QUARTER and not (
                not ternary and k == 1 and ((code >> 4) & 15) == PART_CROSSED):
            cross_syntax(1 if lay == PART_CROSSED else 0, False, log2s, probs, st, buf, True)
        if lay == PART_CROSSED:
            _write_pair(rec, cmap, mmap, cbmap, lmmap, cshift, px, py,
                        log2s - 1 - LOG2_MIN_BLOCK, bt == BT_HORIZONTAL, pt, dep, probs, st, buf,
                        lv, mpm)
        else:
            _write_leaf(rec, cmap, mmap, cbmap, lmmap, cshift, px, py, bt_shape(log2s, bt), pt,
                        dep, probs, st, buf, lv, mpm)


@kernel
def _write_leaf(rec, cmap, mmap, cbmap, lmmap, cshift, x, y, sc, pt, dep, probs, st, buf, lv,
                mpm):
    """The syntax of one decided leaf of shape class sc: mode, cbf, the
    transform bin (squares), levels."""
    ux = x >> LOG2_MIN_BLOCK
    uy = y >> LOG2_MIN_BLOCK
    mode_candidates(mmap, ux, uy, pt, lmmap, cshift, mpm)
    any_mode_syntax(mmap[uy, ux], mpm, pt, nb_cfl(mmap, ux, uy) if pt != 0 else 0, probs, st,
                    buf, True)
    cb = cbmap[uy, ux]
    cbf_syntax(0 if cb == CB_NONE else 1, pt, SHAPE_CC[sc], nb_nonzero(cbmap, ux, uy), probs, st,
               buf, True)
    if cb != CB_NONE:
        if sc < NUM_SIZES and transform_bin_sent(sc, dep):
            transform_syntax(1 if cb == CB_OTHER else 0, pt, sc, probs, st, buf, True)
        w = SHAPE_W[sc]
        for yy in range(SHAPE_H[sc]):
            for xx in range(w):
                lv[yy, xx] = cmap[y + yy, x + xx]
        coeff_syntax(lv, w, 0, sc, pt, cmap, x, y, probs, st, buf, True, dep)


@kernel
def _ctu_region_copy(rec, cmap, smap, mmap, cbmap, nd, k_rec, k_cmap, k_smap, k_mmap, k_cbmap,
                     k_nd, x0, y0, lg, back):
    """Copy a luma CTU's search results (reconstruction, levels, leaf maps and
    S_ND's split layouts: what write_ctu reads) into the k_ arrays, or back
    from them if back."""
    h, w = rec.shape
    cw = min(1 << lg, w - x0)       # the last CTU column and row may be cut short
    ch = min(1 << lg, h - y0)
    ux0 = x0 >> LOG2_MIN_BLOCK
    uy0 = y0 >> LOG2_MIN_BLOCK
    uw = cw >> LOG2_MIN_BLOCK
    uh = ch >> LOG2_MIN_BLOCK
    if back:
        _copy_out(rec, k_rec, x0, y0, cw, ch)
        _copy_out(cmap, k_cmap, x0, y0, cw, ch)
        _copy_out(smap, k_smap, ux0, uy0, uw, uh)
        _copy_out(mmap, k_mmap, ux0, uy0, uw, uh)
        _copy_out(cbmap, k_cbmap, ux0, uy0, uw, uh)
    else:
        _copy_in(k_rec, rec, x0, y0, cw, ch)
        _copy_in(k_cmap, cmap, x0, y0, cw, ch)
        _copy_in(k_smap, smap, ux0, uy0, uw, uh)
        _copy_in(k_mmap, mmap, ux0, uy0, uw, uh)
        _copy_in(k_cbmap, cbmap, ux0, uy0, uw, uh)
    for d in range(nd.shape[0]):
        if back:
            _copy_out(nd[d], k_nd[d], 0, 0, nd.shape[2], nd.shape[1])
        else:
            _copy_in(k_nd[d], nd[d], 0, 0, nd.shape[2], nd.shape[1])


@alloc_kernel
def _search_ctu_delta(org, rec, cmap, smap, mmap, cbmap, qmap, scales, last, wmat, qbase, qdelta,
                      qdelta_range, prev, x0, y0, lg, dep, lam, wd, aq, probs, st, buf, scr):
    """Search a luma CTU at its quantiser delta and at QD_TRIES deltas
    QDELTA_TRY_STEP apart on either side (inside qdelta_range), and leave the
    search at the delta of the lowest J (the delta's own bits counted) in the
    maps and rec; returns that delta.  The gain is the best of several full
    searches rather than a delta that suits the CTU: a cheaper search choosing
    the delta finds nothing (docs/plan_issue17.md, twenty-fourth session)."""
    tries = scr[S_PARAMS][P_QD_TRIES]
    n = 1 << lg
    nu = n >> LOG2_MIN_BLOCK
    nd = scr[S_ND]
    k_rec = np.empty((n, n), rec.dtype)
    k_cmap = np.empty((n, n), cmap.dtype)
    k_smap = np.empty((nu, nu), smap.dtype)
    k_mmap = np.empty((nu, nu), mmap.dtype)
    k_cbmap = np.empty((nu, nu), cbmap.dtype)
    k_nd = np.empty_like(nd)
    best = qdelta
    jbest = _INF
    done = qdelta
    for k in range(-tries, tries + 1):
        q = qdelta + k * QDELTA_TRY_STEP
        if q < qdelta_range[0] or q > qdelta_range[1]:
            continue
        set_ctu_step(qmap, scales, last, 0, wmat, qbase + q, x0, y0, lg)
        j = search_ctu(org, rec, cmap, smap, mmap, cbmap, mmap, rec, 0, x0, y0, lg, 0,
                       scales[0], dep, lam, wd, aq, probs, st, buf, scr)
        j += lam * qdelta_syntax(q - prev, probs, st, buf, False)
        done = q
        if j < jbest:
            jbest = j
            best = q
            if k < tries:
                _ctu_region_copy(rec, cmap, smap, mmap, cbmap, nd, k_rec, k_cmap, k_smap, k_mmap,
                                 k_cbmap, k_nd, x0, y0, lg, False)
    if best != done:        # the maps hold the last search: put the winner's back
        set_ctu_step(qmap, scales, last, 0, wmat, qbase + best, x0, y0, lg)
        _ctu_region_copy(rec, cmap, smap, mmap, cbmap, nd, k_rec, k_cmap, k_smap, k_mmap,
                         k_cbmap, k_nd, x0, y0, lg, True)
    return best


@alloc_kernel
def encode_planes(orgs, recs, cmaps, smaps, mmaps, cbmaps, qmaps, p_first, p_last, ctu_log2, wmat,
                  qbase, qdelta_map, qdelta_range, qdelta_on, dep, lam, wds, aqs, probs, st, buf,
                  scr):
    """Code planes p_first..p_last-1 into the arithmetic coder (st, buf): CTUs
    in raster order, the planes of the group interleaved per CTU.  The stream
    holds the luma group (0, 1) then the chroma group (1, nplanes).

    orgs: tuple of 3 float64 planes (padded to multiples of 4; unused planes
    may be dummies), ctu_log2: int64[3], wmat: int64[sizes, 64, 64] frequency
    weights, qbase: int64[3] step index per plane, qdelta_map: int64[rows, cols]
    the quantiser delta of every CTU (coded before each luma CTU if qdelta_on;
    the luma group with the effort's QD_TRIES > 0 searches deltas around it
    inside qdelta_range, int64[2], and writes the coded ones back),
    dep: dependent quantisation (trellis) instead of plain RDOQ,
    wds: float64[3] distortion weights (internal units^2 -> RGB SSE),
    aqs: tuple of 3 float64 maps, a distortion weight per 4x4 unit of each plane.
    """
    h0, w0 = recs[0].shape
    c0 = 1 << ctu_log2[0]
    rows = (h0 + c0 - 1) // c0
    cols = (w0 + c0 - 1) // c0
    scales = np.zeros((3, wmat.shape[0], wmat.shape[1], wmat.shape[2]), np.int64)
    last = np.full(3, -1, np.int64)
    prev = 0
    delta_search = p_first == 0 and qdelta_on and scr[S_PARAMS][P_QD_TRIES] > 0
    for cy in range(rows):
        for cx in range(cols):
            qdelta = qdelta_map[cy, cx]
            if delta_search:
                lg = ctu_log2[0]
                qdelta = _search_ctu_delta(orgs[0], recs[0], cmaps[0], smaps[0], mmaps[0],
                                           cbmaps[0], qmaps[0], scales, last, wmat, qbase[0],
                                           qdelta, qdelta_range, prev, cx << lg, cy << lg, lg,
                                           dep, lam, wds[0], aqs[0], probs, st, buf, scr)
                qdelta_map[cy, cx] = qdelta
            for p in range(p_first, p_last):
                lg = ctu_log2[p]
                pt = 0 if p == 0 else 1
                cshift = ctu_log2[0] - lg      # chroma -> luma unit scale
                x0 = cx << lg
                y0 = cy << lg
                if not (p == 0 and delta_search):       # else searched above
                    set_ctu_step(qmaps[p], scales, last, p, wmat, qbase[p] + qdelta, x0, y0, lg)
                    search_ctu(orgs[p], recs[p], cmaps[p], smaps[p], mmaps[p], cbmaps[p],
                               mmaps[0], recs[0], cshift, x0, y0, lg, pt, scales[p], dep, lam,
                               wds[p], aqs[p], probs, st, buf, scr)
                if p == 0 and qdelta_on:
                    qdelta_syntax(qdelta - prev, probs, st, buf, True)
                    prev = qdelta
                write_ctu(orgs[p], recs[p], cmaps[p], smaps[p], mmaps[p], cbmaps[p], mmaps[0],
                          cshift, x0, y0, lg, pt, dep, probs, st, buf, scr)
