"""The normative integer inverse DCT (folded, with zero skipping) against
the direct two-pass matrix product of its definition."""
import numpy as np
import pytest

from codec.common.constants import MAX_BLOCK, NUM_SIZES, SAMPLE_MAX
from codec.common.transform import (_SHIFT1, _SHIFT2, DCT_INT, add_inverse, idct2_int,
                                    nonzero_box)


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
        idct2_int(coef, n, sc, out, tmp, np.full((2, MAX_BLOCK), 5, np.int64))
        assert np.array_equal(out[:n, :n], _direct(coef, n, sc)), trial


@pytest.mark.parametrize("sc", range(NUM_SIZES))
def test_block_reconstruction_adds_the_same_inverse(sc):
    """add_inverse (the reconstruction of both sides: the residual added row
    by row, from a box of nonzero coefficients) equals clip(pred + the
    definition) for any box that holds the nonzeros, single columns included."""
    n = 4 << sc
    rng = np.random.default_rng(100 + sc)
    for trial in range(200):
        coef = np.zeros((MAX_BLOCK, MAX_BLOCK), np.int64)
        kv = rng.integers(1, n + 1)
        ku = 1 if trial % 4 == 0 else rng.integers(1, n + 1)   # one column: the flat-row path
        lim = 2 ** 30 if trial % 5 == 0 else 3000
        coef[:kv, :ku] = rng.integers(-lim, lim, (kv, ku))
        coef[:n, :n] *= rng.random((n, n)) < rng.random()
        coef[0, 0] = coef[0, 0] or 1
        nv, nu = nonzero_box(coef, n, np.zeros(MAX_BLOCK, np.int64))
        assert (nv, nu) == (np.flatnonzero(coef[:n, :n].any(1))[-1] + 1,
                            np.flatnonzero(coef[:n, :n].any(0))[-1] + 1)
        # the caller may pass a larger box (the decoder's from the levels it read)
        nv = rng.integers(nv, n + 1) if trial % 3 == 0 else nv
        pred = rng.integers(0, SAMPLE_MAX + 1, (MAX_BLOCK, MAX_BLOCK)).astype(np.int64)
        rec = np.full((n + 3, n + 5), -1, np.int64)
        tmp = np.full((MAX_BLOCK, MAX_BLOCK), -9, np.int64)
        acc = np.full((2, MAX_BLOCK), 5, np.int64)
        add_inverse(coef, nv, nu, n, sc, pred, rec, 2, 1, tmp, acc)
        want = np.clip(pred[:n, :n] + _direct(coef, n, sc), 0, SAMPLE_MAX)
        assert np.array_equal(rec[1:1 + n, 2:2 + n], want), trial
        assert (rec[0] == -1).all() and (rec[:, :2] == -1).all() and (rec[1 + n:] == -1).all()
        assert (rec[:, 2 + n:] == -1).all()
