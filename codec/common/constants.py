"""Format constants: the one place that fixes what the bitstream means.

Anything here changes the bitstream; bump FORMAT_VERSION when it does.
"""

MAGIC = b"LDC\x1a"          # 'L'agrangian 'D'CT 'C'odec; \x1a stops `type`/`cat` on text consoles
FORMAT_VERSION = 18          # 2: 35 intra modes with MPM coding, luma-first plane order, chroma-from-luma
                             # 3: restoration filter; angular modes 11..25 project the side reference
                             # 4: per-CTU quantiser deltas
                             # 5: adaptation rates per context group, sent at the start of the payload
                             # 6: a second chroma-from-luma mode with two linear models
                             # 7: chroma-from-luma trained on the left or the top neighbours only
                             # 8: DST-VII instead of the DCT for blocks up to 8x8
                             # 9: a cross-component filter for chroma (CCCM, mode 41)
                             # 10: a coded block may use the other transform (one bin after cbf)
                             # 11: edge offsets after restoration (per CTU, one of four directions);
                             #     a long deblocking filter between leaves of 16x16 or more
                             # 12: without that long filter (it doubled the deblocking time)
                             # 13: luma binary splits (two halves of a node from 8x8)
                             # 14: the colour transform per image (header fields ct_*)
                             # 15: contexts start from a table (context_start.py), not at 1/2
                             # 16: 4:1 luma parts in nodes from 16x16: a half split again, or a
                             #     ternary split (1/4, 1/2, 1/4)
                             # 17: parts split across their long side (halves and ternary middles
                             #     in two squares, quarters in two 2:1 blocks); availability by
                             #     decoding order
                             # 18: luma angular modes interpolate with four taps (ANGULAR_CUBIC)

# --- image limits the decoder enforces before it allocates anything --------
MAX_DIM = 65535             # width/height fit the u16 header fields
DEFAULT_MAX_PIXELS = 1 << 27  # 134 MP: a 40 MP photo fits comfortably, a 16-byte file cannot ask for 4 GP

# --- sample representation ---------------------------------------------------
# Planes are reconstructed at 8 + SAMPLE_SHIFT bits: rounding YCbCr to 8 bits
# would add ~0.25 to the RGB MSE, a visible cost at the 40 dB point.
SAMPLE_SHIFT = 4
SAMPLE_MAX = 255 << SAMPLE_SHIFT
SAMPLE_MID = 128 << SAMPLE_SHIFT

# --- colour modes (header field `colour`) ------------------------------------
COLOUR_GREY = 0             # one plane: Y, the image is R=G=B
COLOUR_YCC444 = 1
COLOUR_YCC420 = 2
# The colour transform (header fields ct_*, format 14): the decoder's RGB is
# M (c - off) with M in units of 2**-COLOUR_SHIFT (a signed 16-bit field
# each, so |M| < 8) and off in sample units; the encoder picks M per image.
COLOUR_SHIFT = 12
CT_COEF_MAX = (1 << 15) - 1
# BT.601 full range in that form (R, G, B rows; Y, Cb, Cr columns; offsets):
# the transform of grey images and of hand-made headers
CT_BT601 = (4096, 0, 5743, 4096, -1410, -2925, 4096, 7258, 0, 0, SAMPLE_MID, SAMPLE_MID)

# --- block structure ----------------------------------------------------------
# Transform sizes are 2**LOG2_MIN_BLOCK .. 2**LOG2_MAX_BLOCK; the coding tree
# unit (CTU) of every plane is the largest size (chroma CTU is half in 4:2:0).
LOG2_MIN_BLOCK = 2
LOG2_MAX_BLOCK = 6
NUM_SIZES = LOG2_MAX_BLOCK - LOG2_MIN_BLOCK + 1   # size class 0 = 4x4 ... 4 = 64x64
MIN_BLOCK = 1 << LOG2_MIN_BLOCK
MAX_BLOCK = 1 << LOG2_MAX_BLOCK
# Format 13: a luma quadtree node from 8x8 that is not split in four may be
# split in two halves (binary split, horizontal or vertical), each a leaf.
# Block shapes are indexed by a shape class: 0..NUM_SIZES-1 the squares
# (the size class), then per long side 8..64 the wide half (w = 2h) and the
# tall half (h = 2w).  SHAPE_LW / SHAPE_LH: log2 width / height; SHAPE_CC:
# the square size class whose contexts the shape shares (its short side's).
LOG2_MIN_BT = 3
NUM_BT_SHAPES = NUM_SIZES + 2 * (LOG2_MAX_BLOCK - LOG2_MIN_BT + 1)
BT_HORIZONTAL = 1           # two wide halves, top then bottom
BT_VERTICAL = 2             # two tall halves, left then right
# Format 16: in a node from 2**LOG2_MIN_QUARTER split in two, each half may be
# split again along its long side into two quarters (n x n/4 or n/4 x n), or
# the node is split in three instead (a quarter, a half, a quarter, in the
# split's direction).  The quarters' shape classes follow the halves': per
# node size 16..64 the wide quarter (w = 4h), then the tall one (h = 4w).
LOG2_MIN_QUARTER = 4
# Format 17: in the same nodes a part not split along its long side may be
# split across it in two: a half or a ternary middle (n x n/2) into two
# n/2 x n/2 squares, a quarter (n x n/4) into two n/2 x n/4 blocks (the halves'
# shape of a node of n/2); the transposes alike.  The second half of a binary
# split is not split across when the first one is (the four squares are the
# quadtree's split).
PART_LEAF, PART_QUARTERED, PART_CROSSED = 0, 1, 2     # a part's layout (encoder's codes)
NUM_SHAPES = NUM_BT_SHAPES + 2 * (LOG2_MAX_BLOCK - LOG2_MIN_QUARTER + 1)

# --- transforms ------------------------------------------------------------------
# Blocks up to 2**LOG2_MAX_DST (every plane, every intra mode) use DST-VII in
# both directions, larger ones DCT-II: an intra residual grows away from the
# references above and left, which DST-VII's first basis function follows
# (whole corpus, DST-VII up to 4 / 8 / 16 / 32: +0.030 / +0.043 / +0.034 /
# +0.014 dB at 0.15 bpp)
LOG2_MAX_DST = 3
NUM_DST_SIZES = LOG2_MAX_DST - LOG2_MIN_BLOCK + 1   # size classes 0 .. NUM_DST_SIZES-1
# The transforms, by index (transform.BASIS_INT's first axis).  Format 10: a
# block from 2**LOG2_MIN_OTHER_TRANSFORM with coded levels may take the
# other one (DCT-II at 8x8, DST-VII above), signalled by one context-coded
# bin after its cbf, sent only without dependent quantisation (whose
# encoder does not search it: its trellis would run once more per leaf at
# the transparent point, where the encoder has no time to spare).  4x4
# blocks have no bin: trying them cost 1.4 % more encode time for +0.001 dB
# (whole corpus at 0.15 bpp)
TR_DST7 = 0
TR_DCT2 = 1
NUM_TRANSFORMS = 2
LOG2_MIN_OTHER_TRANSFORM = 3
# A leaf's value in the coded-block unit map (planes.PlaneState.cbmaps): no
# levels; levels in its size's transform; levels in the other transform
CB_NONE = 0
CB_CODED = 1
CB_OTHER = 2
DCT_BITS = 15               # integer basis = round(2**15 * orthonormal basis)
IDCT_MID_FRAC = 3           # fractional bits kept between the two inverse passes
MAX_ABS_LEVEL = 32767       # decoder refuses larger levels: keeps the int64 inverse exact

# --- quantiser ------------------------------------------------------------------
# Step (in internal sample units, 1/16 of an 8-bit level) for index q is
# round(QSTEP_BASE * 2**(q / QSTEP_PER_OCTAVE)).
QSTEP_BASE = 8
QSTEP_PER_OCTAVE = 16
NUM_QIDX = 192
WEIGHT_UNIT = 16            # per-frequency weight 16 = neutral
# Per-CTU quantiser delta (header flag delta_q): a CTU's planes use step index
# base + qdelta, |qdelta| <= QDELTA_MAX (1.5 octaves), coded at the start of each luma CTU
# as the difference to the previous CTU's qdelta (raster order).
QDELTA_MAX = 24

# --- intra prediction modes -----------------------------------------------------
# 0 planar, 1 DC, 2..34 angular (2 = down-left 45 deg, 10 = horizontal,
# 18 = up-left diagonal, 26 = vertical, 34 = up-right 45 deg)
MODE_PLANAR = 0
MODE_DC = 1
MODE_H = 10
MODE_V = 26
NUM_MODES = 35               # planar, DC, angular: every plane
MODE_CFL = 35                # chroma only: linear model from the co-located luma
# chroma-from-luma modes MODE_CFL + 2 * side + two: two = 1 fits two models
# split at the training pairs' mean luma; the training pairs come from the n
# samples left and n above (side 0), or the 2n left and below-left
# (CFL_SIDE_LEFT), or the 2n above and above-right (CFL_SIDE_TOP)
CFL_SIDE_LEFT = 1
CFL_SIDE_TOP = 2
# mode MODE_CCCM: a six-input filter of the co-located luma and its four
# neighbours, fitted on the template of decoded chroma around the block
# (FORMAT.md 5.6); a chroma-from-luma mode, coded by one more bin
MODE_CCCM = MODE_CFL + 6
NUM_CFL_MODES = 7
CCCM_INPUTS = 6
# the largest template: 2 * (2 * MAX_BLOCK / 4) + 1 4x4 units of 16 samples
# (above and above-right, left and below-left, the corner)
CCCM_MAX_TEMPLATE = (2 * (2 * MAX_BLOCK >> LOG2_MIN_BLOCK) + 1) << (2 * LOG2_MIN_BLOCK)
CCCM_MIN_SAMPLES = 16        # fewer template samples: mode 35's prediction instead
CCCM_NORM_BITS = 30          # the normal equations are scaled so every diagonal is < 2^30
CCCM_RIDGE_SHIFT = 10        # ridge: 2^-10 of each diagonal, +1 (keeps the solve bounded)
CCCM_FRAC = 16               # the factor, the solution and the filter weights in 1/2^16
CCCM_L_MAX = 1 << 28         # clamps of the factor, the forward solution and the weights
CCCM_Z_MAX = 1 << 34         # (the ridge bounds them; the clamps only guard the rounding)
CCCM_W_MAX = 1 << 24
NUM_MODE_SLOTS = MODE_CFL + NUM_CFL_MODES
CFL2_MIN_PAIRS = 4           # fewer neighbour pairs on either side of the split: one model
NUM_MPM = 3
# Format 18: luma angular modes interpolate between reference samples with
# four taps instead of two.  Row f (the position's fraction in 1/32) weighs
# the samples before, at, after and two after the position in 1/64: Keys'
# cubic convolution (a = -1/2) at that phase, the outer taps and the farther
# centre tap rounded to the nearest (halves away from zero), the nearer centre
# tap what makes 64 (row 32 - f is row f reversed; FORMAT.md 5.4)
ANGULAR_CUBIC = (
    (0, 64, 0, 0), (-1, 64, 1, 0), (-2, 64, 2, 0), (-2, 62, 4, 0),
    (-3, 61, 6, 0), (-4, 61, 8, -1), (-4, 59, 10, -1), (-4, 57, 12, -1),
    (-5, 56, 15, -2), (-5, 54, 17, -2), (-5, 51, 20, -2), (-5, 49, 22, -2),
    (-5, 47, 25, -3), (-5, 44, 28, -3), (-4, 41, 30, -3), (-4, 39, 33, -4),
    (-4, 36, 36, -4), (-4, 33, 39, -4), (-3, 30, 41, -4), (-3, 28, 44, -5),
    (-3, 25, 47, -5), (-2, 22, 49, -5), (-2, 20, 51, -5), (-2, 17, 54, -5),
    (-2, 15, 56, -5), (-1, 12, 57, -4), (-1, 10, 59, -4), (-1, 8, 61, -4),
    (0, 6, 61, -3), (0, 4, 62, -2), (0, 2, 64, -2), (0, 1, 64, -1),
)

# --- deblocking -----------------------------------------------------------------
MAX_DEBLOCK_LEVEL = 7       # header field per plane; 0 = off

# --- restoration filter (restore.py) ---------------------------------------------
RESTORE_SHIFT = 7           # coefficients in 1/128
RESTORE_COEF_BITS = 7       # coded as c - RESTORE_COEF_MIN in 7 bypass bits
RESTORE_COEF_MIN = -64
RESTORE_COEF_MAX = 63

# --- edge offset (edge_offset.py) -----------------------------------------------
EO_DIRS = 4                 # neighbour pairs: left/right, above/below, the two diagonals
EO_CLASSES = 4              # local minimum, half minimum, half maximum, local maximum
EO_FLAT = 1 << SAMPLE_SHIFT  # a neighbour less than one 8-bit level away counts as equal
EO_OFFSET_BITS = 5          # an offset's magnitude in bypass bits (internal units);
EO_OFFSET_MAX = (1 << EO_OFFSET_BITS) - 1   # its sign follows from the class

# --- container ------------------------------------------------------------------
MAX_PAYLOAD = (1 << 32) - 1
