"""Fast-path encoder kernels against plain reference formulas."""
import numpy as np
import pytest
from scipy.fft import dctn
from scipy.linalg import hadamard

from codec.common.constants import TR_DCT2, TR_DST7
from codec.enc.arith_enc import new_encoder
from codec.common.contexts import NUM_CTX
from codec.enc.image_enc import S_LV, S_WORK, satd
from codec.enc.rdoq import rdoq
from codec.common.probmodel import new_contexts
from codec.common.transform import fdct2, fdct2_low


@pytest.mark.parametrize("tr", [TR_DST7, TR_DCT2])
@pytest.mark.parametrize("n", [4, 8, 16, 32, 64])
@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_fdct2_is_the_orthonormal_transform(n, dtype, tr):
    """DST-VII or DCT-II at every size (FORMAT.md section 6)."""
    rng = np.random.default_rng(n)
    block = np.zeros((64, 64), dtype)
    block[:n, :n] = rng.integers(-2048, 2048, (n, n))
    out = np.full((64, 64), np.nan)
    fdct2(block, n, n.bit_length() - 3, tr, out, np.zeros((64, 64), np.float32),
          np.zeros((64, 64), np.float32))
    if tr == TR_DST7:
        k = np.arange(n)[:, None]
        i = np.arange(n)[None, :]
        t = np.sqrt(4 / (2 * n + 1)) * np.sin(np.pi * (2 * k + 1) * (i + 1) / (2 * n + 1))
        ref = t @ block[:n, :n].astype(float) @ t.T
    else:
        ref = dctn(block[:n, :n].astype(float), norm="ortho")
    # the float basis is the normative integer basis / 2**15 (rounding ~1e-4),
    # the passes accumulate in float32 (~1e-7)
    assert np.abs(out[:n, :n] - ref).max() <= 1e-3 * np.abs(ref).max()


@pytest.mark.parametrize("n", [4, 8, 16, 32, 64])
def test_satd_is_the_hadamard_sum(n):
    rng = np.random.default_rng(100 + n)
    org = rng.integers(0, 4096, (80, 80)).astype(np.float64)
    pred = np.zeros((64, 64), np.int64)
    pred[:n, :n] = rng.integers(0, 4096, (n, n))
    x, y = 5, 3
    k = 4 if n == 4 else 8
    hk = hadamard(k).astype(float)
    diff = org[y:y + n, x:x + n] - pred[:n, :n]
    ref = sum(np.abs(hk @ diff[i:i + k, j:j + k] @ hk.T).sum()
              for i in range(0, n, k) for j in range(0, n, k)) / k
    got = satd(org, x, y, pred, n, np.zeros((65, 8)))
    assert got == ref
    # a split half passes its tiles' prediction as a strided view of the block's
    big = np.zeros((72, 128), np.int64)
    big[8:8 + n, 16:16 + n] = pred[:n, :n]
    assert satd(org, x, y, big[8:8 + n, 16:16 + n], n, np.zeros((65, 8))) == ref


@pytest.mark.parametrize("n", [4, 8, 16, 32, 64])
def test_rdoq_reports_the_error_of_its_levels(n, quant_bench):
    """The mode search takes D from RDOQ instead of dequantising: it must be
    the squared error of the levels RDOQ chose (of the whole block if none)."""
    rng = np.random.default_rng(200 + n)
    sc = n.bit_length() - 3
    qb = quant_bench
    scr = qb.scr
    seen_nz = seen_zero = False
    for k in range(20):
        coef = np.zeros((64, 64))
        f = 1.0 + np.add.outer(np.arange(n), np.arange(n))
        coef[:n, :n] = rng.laplace(0.0, (3.0 if k % 4 == 0 else 120.0) / f)
        nz, _, d = rdoq(coef, qb.scl, n, n.bit_length() - 1, sc, 0, qb.cmap, 0, 0, qb.costs, 400.0,
                        1.0, 1.0, 1.0, scr[S_LV], scr[S_WORK], qb.st, qb.buf)
        lv = scr[S_LV][:n, :n] if nz else np.zeros((n, n), np.int32)
        ref = float(((coef[:n, :n] - lv * 20.0) ** 2).sum())
        assert d == pytest.approx(ref, rel=1e-9)
        seen_nz |= nz
        seen_zero |= not nz
    assert seen_nz and seen_zero


@pytest.mark.parametrize("pt", [0, 1])
def test_mode_bits_table_matches_the_mode_syntax(pt):
    from codec.enc.arith_enc import new_encoder
    from codec.common.constants import MODE_CFL, NUM_MODE_SLOTS
    from codec.common.contexts import NUM_CTX
    from codec.enc.syntax_enc import BILL_SLOTS, any_mode_syntax, mode_bits_table
    from codec.common.probmodel import new_contexts
    rng = np.random.default_rng(7 + pt)
    probs = new_contexts(NUM_CTX)
    probs[:, :2] = rng.integers(200, 32500, (NUM_CTX, 2))   # arbitrary adapted states
    st, buf = new_encoder(64, BILL_SLOTS)
    for mpm in ([0, 1, 26], [10, 9, 11], [34, 2, 0], [26, 0, 1]):
        mpm = np.array(mpm, np.int64)
        for cflnb in range(3):
            out = np.full(NUM_MODE_SLOTS, np.nan)
            mode_bits_table(mpm, pt, cflnb, probs, out)
            modes = range(NUM_MODE_SLOTS) if pt else range(MODE_CFL)
            want = [any_mode_syntax(m, mpm, pt, cflnb, probs, st, buf, False) for m in modes]
            assert np.array_equal(out[:len(want)], want)


def test_kernels_called_per_block_run_without_reference_counting():
    """codec/jit.py: with numba's reference counting, every kernel call that
    passes an array costs two atomic updates (45 % of an encode's time).
    Only the kernels that allocate may use it; none of them runs per block."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    allowed = {"search_ctu", "_search_ctu_delta", "write_ctu", "encode_planes", "decode_planes",
               "_ctu_stats", "apply_restore", "_class_stats", "apply_edge_offset",
               "_ssim_cs_kernel", "ycc420_to_rgb", "ycc444_to_rgb", "_normal_cholesky"}
    import codec
    seen = 0
    for info in pkgutil.walk_packages(codec.__path__, "codec."):
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == mod.__name__:
                seen += 1
                if obj.targetoptions.get("_nrt", True):
                    assert name in allowed, f"{mod.__name__}.{name} compiled with reference counting"
    assert seen > 100


def _up_matrix(n_in, n_out):
    """The 2x upsampler along one axis as a matrix, from its definition:
    output o at phase -1/4 (even) or +1/4 (odd) of input o // 2, 4 taps,
    edge-clamped."""
    from codec.common.colour import UP_TAPS
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        i = o // 2
        for t in range(4):
            k = i + 2 - t if o % 2 else i - 2 + t
            m[o, min(max(k, 0), n_in - 1)] += UP_TAPS[t] / 128.0
    return m


@pytest.mark.parametrize("h,w", [(1, 1), (2, 3), (5, 4), (9, 11), (16, 14), (23, 30)])
def test_float_upsampler_adjoints_match_their_matrices(h, w):
    from codec.enc.colour_enc import _up_axis0_adjoint, _up_axis1_adjoint
    rng = np.random.default_rng(h * 100 + w)
    hc, wc = (h + 1) // 2, (w + 1) // 2
    u0, u1 = _up_matrix(hc, h), _up_matrix(wc, w)
    e = rng.normal(size=(h, w))
    cols, adj = np.full((hc, w), np.nan), np.full((hc, wc), np.nan)
    _up_axis0_adjoint(e, cols)
    _up_axis1_adjoint(cols, adj)
    assert np.allclose(adj, u0.T @ e @ u1, rtol=0, atol=1e-12)


@pytest.mark.parametrize("h,w", [(1, 1), (2, 3), (7, 9), (24, 20), (33, 17)])
def test_downsample420_approaches_the_least_squares_optimum(h, w):
    """The encoder's 4:2:0 planes minimise the error after the decoder's
    upsampling: far below the 2x2 mean's, at the optimum of a dense
    least-squares solve."""
    from codec.enc.colour_enc import downsample420
    rng = np.random.default_rng(h + w)
    y, x = np.mgrid[0:h, 0:w]
    plane = 2048 + 600 * np.sin(x / 2.3) * np.cos(y / 3.1) + rng.normal(0, 10, (h, w))
    hc, wc = (h + 1) // 2, (w + 1) // 2
    u = np.kron(_up_matrix(hc, h), _up_matrix(wc, w))     # acts on c.ravel()
    best = np.linalg.lstsq(u, plane.ravel(), rcond=None)[0]
    err_opt = ((u @ best - plane.ravel()) ** 2).sum()
    err = ((u @ downsample420(plane).ravel() - plane.ravel()) ** 2).sum()
    p = np.pad(plane, ((0, 2 * hc - h), (0, 2 * wc - w)), mode="edge")
    mean = p.reshape(hc, 2, wc, 2).mean(axis=(1, 3))
    err_mean = ((u @ mean.ravel() - plane.ravel()) ** 2).sum()
    assert err <= (1 + 1e-9) * err_opt
    assert np.allclose(downsample420(plane).ravel(), best, rtol=0, atol=1e-6)
    assert err <= 0.7 * err_mean


@pytest.mark.parametrize("n", [16, 32, 64])
def test_fdct2_low_is_the_corner_of_the_whole_transform(n):
    """The encoder's partial forward transform: the first keep frequencies
    in both directions equal the whole transform's, the rest are zeros."""
    rng = np.random.default_rng(200 + n)
    block = np.zeros((64, 64))
    block[:n, :n] = rng.integers(-2048, 2048, (n, n))
    whole = np.full((64, 64), np.nan)
    low = np.full((64, 64), np.nan)
    tmp = np.zeros((64, 64), np.float32)
    fdct2(block, n, n.bit_length() - 3, TR_DST7, whole, tmp, np.zeros((64, 64), np.float32))
    fdct2_low(block, n, n.bit_length() - 3, TR_DST7, 16, low, tmp)
    assert np.array_equal(low[:16, :16], whole[:16, :16])     # the same sums, in the same order
    assert not low[:n, :n][16:].any() and not low[:n, :n][:, 16:].any()
