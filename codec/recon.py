"""Block reconstruction shared by encoder and decoder (integer, normative)."""
from numba import njit

from .constants import SAMPLE_MAX
from .transform import idct2_int


@njit(cache=True)
def reconstruct(pred, lv, nz, scl, n, sc, rec, x, y, ci, ri, tmpi):
    """rec[y:y+n, x:x+n] = clip(pred + IDCT(lv * scl)) (just pred when nz is False)."""
    if nz:
        for yy in range(n):
            for xx in range(n):
                ci[yy, xx] = lv[yy, xx] * scl[yy, xx]
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
