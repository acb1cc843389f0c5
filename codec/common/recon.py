"""Block reconstruction shared by encoder and decoder (integer, normative),
and the scratch arrays a block's prediction and reconstruction work in."""
import numpy as np

from .constants import MAX_BLOCK, NUM_MPM, NUM_SIZES, SAMPLE_MAX
from .shapes import SHAPE_H, SHAPE_W
from .predict import CCCM_SCRATCH, MAIN_WORK
from ..jit import kernel
from .quant import dequantise
from .transform import add_inverse, add_inverse_half, nonzero_box_wh


# Slots of the reconstruction scratch tuple (new_recon_scratch), read by name on
# both sides; the encoder's scratch (enc/image_enc.new_scratch) starts with them.
R_REF, R_AVAIL, R_PRED, R_LV, R_CI, R_RI, R_TMPI, R_FREF, R_MAIN, R_MPM = range(10)
NUM_RECON_SLOTS = 10


def new_recon_scratch(lv_pad=0):
    """Work arrays of one block's prediction and reconstruction, sized for the
    largest block: reference samples (R_REF, smoothed: R_FREF) and their
    availability, the angular main reference and work array
    (predict.MAIN_WORK; the cross-component filter's work array too:
    predict.CCCM_SCRATCH), the prediction, the levels
    (int32), dequantised coefficients, the inverse transform's row sums
    (R_RI: transform.add_inverse's acc) and intermediate (int64), the MPM
    list.  The decoder keeps R_LV and R_CI zero between blocks."""
    m = MAX_BLOCK
    return (np.zeros(4 * m + 1, np.int64), np.zeros(4 * m + 1, np.bool_),
            np.zeros((m, m), np.int64), np.zeros((m + lv_pad, m + lv_pad), np.int32),
            np.zeros((m, m), np.int64), np.zeros((m, m), np.int64), np.zeros((m, m), np.int64),
            np.zeros(4 * m + 1, np.int64), np.zeros(max(MAIN_WORK, CCCM_SCRATCH), np.int64),
            np.zeros(NUM_MPM, np.int64))


@kernel
def reconstruct(pred, lv, nz, scl, n, sc, tr, rec, x, y, ci, ri, tmpi, dep):
    """rec[y:y+n, x:x+n] = clip(pred + inverse transform tr of dequantised
    lv) (just pred when nz is False); dep: dependent quantisation."""
    if nz:
        dequantise(lv, scl, n, sc, dep, ci)
    reconstruct_coefs(pred, ci, nz, n, sc, tr, rec, x, y, ri, tmpi)


@kernel
def reconstruct_coefs(pred, ci, nz, n, sc, tr, rec, x, y, ri, tmpi):
    """rec[y:y+n, x:x+n] = clip(pred + inverse transform tr of ci) for coefficients already
    dequantised, or pred (nz False)."""
    nv = 0
    nu = 0
    if nz:
        nv, nu = nonzero_box_wh(ci, SHAPE_W[sc], SHAPE_H[sc], ri[0])
    reconstruct_box(pred, ci, nz, nv, nu, n, sc, tr, rec, x, y, ri, tmpi)


@kernel
def reconstruct_box(pred, ci, nz, nv, nu, n, sc, tr, rec, x, y, ri, tmpi):
    """reconstruct_coefs for a block whose nonzero coefficients all lie in
    ci[:nv, :nu] (the decoder knows the box from the levels it read).  A
    split half (shape class sc >= NUM_SIZES) takes its sides' transforms
    (transform.add_inverse_half) whatever tr says."""
    if nu > 0:
        if sc >= NUM_SIZES:
            add_inverse_half(ci, nv, nu, sc, pred, rec, x, y, tmpi, ri)
        else:
            add_inverse(ci, nv, nu, n, sc, tr, pred, rec, x, y, tmpi, ri)
        return
    w = SHAPE_W[sc]
    # rows are reached through views indexed from 0 (no negative-index
    # handling in the loops, which then vectorise)
    for yy in range(SHAPE_H[sc]):
        out = rec[y + yy, x:x + w]
        p = pred[yy, :w]
        if nz:
            for xx in range(w):
                out[xx] = min(max(p[xx], 0), SAMPLE_MAX)
        else:
            for xx in range(w):
                out[xx] = p[xx]
