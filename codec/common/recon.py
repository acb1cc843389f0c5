"""Block reconstruction shared by encoder and decoder (integer, normative),
and the scratch arrays a block's prediction and reconstruction work in."""
import numpy as np

from .constants import MAX_BLOCK, NUM_MPM, SAMPLE_MAX
from ..jit import kernel
from .quant import dequantise
from .transform import idct2_int


# Slots of the reconstruction scratch tuple (new_recon_scratch), read by name on
# both sides; the encoder's scratch (enc/image_enc.new_scratch) starts with them.
R_REF, R_AVAIL, R_PRED, R_LV, R_CI, R_RI, R_TMPI, R_FREF, R_MAIN, R_MPM = range(10)
NUM_RECON_SLOTS = 10


def new_recon_scratch():
    """Work arrays of one block's prediction and reconstruction, sized for the
    largest block: reference samples (R_REF, smoothed: R_FREF) and their
    availability, the angular main reference, the prediction, the levels
    (int32), dequantised coefficients, residual and the inverse transform's
    intermediate (int64), the MPM list."""
    m = MAX_BLOCK
    return (np.zeros(4 * m + 1, np.int64), np.zeros(4 * m + 1, np.bool_),
            np.zeros((m, m), np.int64), np.zeros((m, m), np.int32),
            np.zeros((m, m), np.int64), np.zeros((m, m), np.int64), np.zeros((m, m), np.int64),
            np.zeros(4 * m + 1, np.int64), np.zeros(3 * m + 1, np.int64),
            np.zeros(NUM_MPM, np.int64))


@kernel
def reconstruct(pred, lv, nz, scl, n, sc, rec, x, y, ci, ri, tmpi, dep):
    """rec[y:y+n, x:x+n] = clip(pred + IDCT(dequantised lv)) (just pred when
    nz is False); dep: dependent quantisation."""
    if nz:
        dequantise(lv, scl, n, sc, dep, ci)
    reconstruct_coefs(pred, ci, nz, n, sc, rec, x, y, ri, tmpi)


@kernel
def reconstruct_coefs(pred, ci, nz, n, sc, rec, x, y, ri, tmpi):
    """rec[y:y+n, x:x+n] = clip(pred + IDCT(ci)) for coefficients already
    dequantised (the decoder does it as it reads the levels), or pred."""
    # rows are reached through views indexed from 0 (no negative-index
    # handling in the loops, which then vectorise)
    if nz:
        idct2_int(ci, n, sc, ri, tmpi)
        for yy in range(n):
            out = rec[y + yy, x:x + n]
            p = pred[yy, :n]
            r = ri[yy, :n]
            for xx in range(n):
                out[xx] = min(max(p[xx] + r[xx], 0), SAMPLE_MAX)
    else:
        for yy in range(n):
            out = rec[y + yy, x:x + n]
            p = pred[yy, :n]
            for xx in range(n):
                out[xx] = p[xx]
