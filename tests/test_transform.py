"""The normative integer inverse transforms (DCT-II folded, DST-VII direct,
both with zero skipping, both at every size) against the direct two-pass
matrix product of their definition, and the bases against FORMAT.md
section 6."""
import math

import numpy as np
import pytest

from codec.common.constants import (LOG2_MAX_DST, MAX_BLOCK, NUM_SIZES, SAMPLE_MAX, TR_DCT2,
                                    TR_DST7)
from codec.common.transform import (_SHIFT1, _SHIFT2, BASIS_INT, add_inverse, block_transform,
                                    idct2_int, nonzero_box)

TRANSFORMS = (TR_DST7, TR_DCT2)


def _direct(coef, n, sc, tr):
    m = BASIS_INT[tr, sc, :n, :n]
    t = (m.T @ coef[:n, :n] + (1 << (_SHIFT1 - 1))) >> _SHIFT1     # numpy int64: exact
    return (t @ m + (1 << (_SHIFT2 - 1))) >> _SHIFT2


@pytest.mark.parametrize("tr", TRANSFORMS)
@pytest.mark.parametrize("sc", range(NUM_SIZES))
def test_idct_matches_the_matrix_definition(sc, tr):
    n = 4 << sc
    rng = np.random.default_rng(sc + 10 * tr)
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
        idct2_int(coef, n, sc, tr, out, tmp, np.full((2, MAX_BLOCK), 5, np.int64))
        assert np.array_equal(out[:n, :n], _direct(coef, n, sc, tr)), trial


@pytest.mark.parametrize("tr", TRANSFORMS)
@pytest.mark.parametrize("sc", range(NUM_SIZES))
def test_block_reconstruction_adds_the_same_inverse(sc, tr):
    """add_inverse (the reconstruction of both sides: the residual added row
    by row, from a box of nonzero coefficients) equals clip(pred + the
    definition) for any box that holds the nonzeros, single columns included."""
    n = 4 << sc
    rng = np.random.default_rng(100 + sc + 10 * tr)
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
        add_inverse(coef, nv, nu, n, sc, tr, pred, rec, 2, 1, tmp, acc)
        want = np.clip(pred[:n, :n] + _direct(coef, n, sc, tr), 0, SAMPLE_MAX)
        assert np.array_equal(rec[1:1 + n, 2:2 + n], want), trial
        assert (rec[0] == -1).all() and (rec[:, :2] == -1).all() and (rec[1 + n:] == -1).all()
        assert (rec[:, 2 + n:] == -1).all()


@pytest.mark.parametrize("sc", range(NUM_SIZES))
def test_bases_are_the_formats(sc):
    """Both bases at every size as FORMAT.md section 6 writes them (computed
    here from the formulas, not from the codec's code), near-orthonormal
    after rounding; a block's own transform is DST-VII up to
    2**LOG2_MAX_DST and DCT-II above, the other one the other."""
    n = 4 << sc
    dst = np.zeros((n, n), np.int64)
    dct = np.zeros((n, n), np.int64)
    for k in range(n):
        for i in range(n):
            dst[k, i] = round(32768 * math.sqrt(4 / (2 * n + 1)) *
                              math.sin(math.pi * (2 * k + 1) * (i + 1) / (2 * n + 1)))
            dct[k, i] = round(32768 * math.sqrt((1 if k == 0 else 2) / n) *
                              math.cos(math.pi * (2 * i + 1) * k / (2 * n)))
    assert np.array_equal(BASIS_INT[TR_DST7, sc, :n, :n], dst)
    assert np.array_equal(BASIS_INT[TR_DCT2, sc, :n, :n], dct)
    for want in (dst, dct):
        gram = want @ want.T / 32768.0 ** 2
        assert np.abs(gram - np.eye(n)).max() < 1e-3
    small = n <= 1 << LOG2_MAX_DST
    assert block_transform(sc, False) == (TR_DST7 if small else TR_DCT2)
    assert block_transform(sc, True) == (TR_DCT2 if small else TR_DST7)
    assert LOG2_MAX_DST == 3     # FORMAT.md section 6 names 4x4 and 8x8
