"""The normative integer inverse DCT (folded, with zero skipping) against
the direct two-pass matrix product of its definition."""
import numpy as np
import pytest

from codec.common.constants import MAX_BLOCK, NUM_SIZES
from codec.common.transform import _SHIFT1, _SHIFT2, DCT_INT, idct2_int


def _direct(coef, n, sc):
    m = DCT_INT[sc, :n, :n]
    t = (m.T @ coef[:n, :n] + (1 << (_SHIFT1 - 1))) >> _SHIFT1     # numpy int64: exact
    return (t @ m + (1 << (_SHIFT2 - 1))) >> _SHIFT2


@pytest.mark.parametrize("sc", range(NUM_SIZES))
def test_idct_matches_the_matrix_definition(sc):
    n = 4 << sc
    rng = np.random.default_rng(sc)
    for trial in range(300):
        coef = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
        kv, ku = rng.integers(1, n + 1, 2)
        lim = 2 ** 30 if trial % 5 == 0 else 3000          # dequantised levels reach ~2**30
        coef[:kv, :ku] = rng.integers(-lim, lim, (kv, ku))
        coef[:n, :n] *= rng.random((n, n)) < rng.random()   # sparse to dense
        if trial == 0:
            coef[:] = 0                                        # all zero: a zero residual
        # the work arrays come dirty, as in the codec
        out = np.full((MAX_BLOCK, MAX_BLOCK), 7, np.int64)
        tmp = np.full((MAX_BLOCK, MAX_BLOCK), -9, np.int64)
        idct2_int(coef, n, sc, out, tmp)
        assert np.array_equal(out[:n, :n], _direct(coef, n, sc)), trial
