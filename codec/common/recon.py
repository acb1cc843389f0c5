"""Block reconstruction shared by encoder and decoder (integer, normative)."""

from .constants import SAMPLE_MAX
from ..jit import kernel
from .quant import dequantise
from .transform import idct2_int


@kernel
def reconstruct(pred, lv, nz, scl, n, sc, rec, x, y, ci, ri, tmpi, dep):
    """rec[y:y+n, x:x+n] = clip(pred + IDCT(dequantised lv)) (just pred when
    nz is False); dep: dependent quantisation."""
    if nz:
        dequantise(lv, scl, n, sc, dep, ci)
        idct2_int(ci, n, sc, ri, tmpi)
        for yy in range(n):
            for xx in range(n):
                v = pred[yy, xx] + ri[yy, xx]
                if v < 0:
                    v = 0
                elif v > SAMPLE_MAX:
                    v = SAMPLE_MAX
                rec[y + yy, x + xx] = v
    else:
        for yy in range(n):
            for xx in range(n):
                rec[y + yy, x + xx] = pred[yy, xx]
