"""Per-call cost of the encoder's hot kernels, by block size.

  python -m tools.kernel_bench [--lam L] [--reps-pixels N]

Times each kernel of the leaf search in a compiled loop (no Python call per
iteration) and prints nanoseconds per pixel of the block: prediction (an
angular mode), SATD, forward DCT, RDOQ, the coefficient-syntax count and
the reconstruction (dequantise + integer inverse DCT).  The coefficients are
synthetic (Laplacian, decaying with frequency, scaled so that RDOQ keeps
some levels at the given lambda), so RDOQ and syntax costs are indicative.
Multiplied by how often the search calls each kernel, this is the model to
find where encode time goes (a sampling profiler cannot see numba's cached
code here, and single-run timings on a shared machine vary by tens of %).
Its loops are compiled like the codec's kernels (codec.jit), so their disk
cache is dropped whenever a codec source changes: a cached loop embeds the
codec kernels it calls, and plain numba caching would keep timing the old
ones (it did, for a format change).
"""
import sys
import time

import numpy as np

from codec.jit import alloc_kernel
from codec.enc.arith_enc import new_encoder
from codec.common.constants import COLOUR_YCC444, LOG2_MIN_BLOCK, NUM_SIZES
from codec.common.contexts import NUM_CTX
from codec.enc.image_enc import S_COEF, S_EO, S_HAD, S_LV, S_MAIN, S_PRED, S_TMPF, S_WORK, \
    S_CI, S_RI, S_TMPI, S_PROV, S_BPS, S_BPK, satd, new_scratch
from codec.enc.rdoq import rdoq
from codec.enc.trellis import depq_trellis
from codec.enc.syntax_enc import BILL_SLOTS, coeff_syntax
from codec.enc.colour_enc import bt601_transform
from codec.enc.encoder import plane_weight, step_index_for
from codec.common.predict import predict_mode
from codec.common.probmodel import fill_costs, new_contexts
from codec.common.quant import fill_scales, weight_matrix
from codec.common.recon import reconstruct
from codec.common.transform import block_transform, fdct2
from tools.cli import doc_parser

ANGULAR_MODE = 20       # a diagonal-ish angle: reads both reference sides


@alloc_kernel
def _loop_pred(ref, fref, n, log2n, pred, main, reps):
    for _ in range(reps):
        predict_mode(ref, fref, n, log2n, ANGULAR_MODE, pred, 0, main)


@alloc_kernel
def _loop_satd(org, pred, n, had, reps):
    s = 0.0
    for _ in range(reps):
        s += satd(org, 0, 0, pred, n, had)
    return s


@alloc_kernel
def _loop_fdct(blk, n, sc, out, tmp, eo, reps):
    tr = block_transform(sc, False)
    for _ in range(reps):
        fdct2(blk, n, sc, tr, out, tmp, eo)


@alloc_kernel
def _loop_rdoq(coef, scl, n, log2n, sc, cmap, costs, lam, lv, work, st, buf, reps):
    k = 0
    for _ in range(reps):
        nz, _j, _d = rdoq(coef, scl, n, log2n, sc, 0, cmap, 0, 0, costs, lam, 1.0, 1.0, 1.0, lv, work,
                      st, buf)
        k += nz
    return k


@alloc_kernel
def _loop_trellis(coef, scl, n, log2n, sc, cmap, costs, lam, lv, work, prov, bps, bpk, reps):
    k = 0
    for _ in range(reps):
        nz, _j, _d = depq_trellis(coef, scl, n, log2n, sc, 0, cmap, 0, 0, costs, lam, 1.0, 1.0,
                                  1.0, lv, work, prov, bps, bpk)
        k += nz
    return k


@alloc_kernel
def _loop_syntax(lv, n, log2n, sc, cmap, probs, st, buf, reps):
    s = 0.0
    for _ in range(reps):
        s += coeff_syntax(lv, n, log2n, sc, 0, cmap, 0, 0, probs, st, buf, False, False)
    return s


@alloc_kernel
def _loop_recon(pred, lv, scl, n, sc, rec, ci, ri, tmpi, reps):
    tr = block_transform(sc, False)
    for _ in range(reps):
        reconstruct(pred, lv, True, scl, n, sc, tr, rec, 0, 0, ci, ri, tmpi, False)


def _timed(fn, args, reps, pixels):
    fn(*args, 1)                                   # compile / warm
    best = None
    for _ in range(3):                             # fastest of 3: the machine is shared
        t = time.perf_counter()
        fn(*args, reps)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best / reps / pixels * 1e9


def measure(lam, reps_pixels=200_000, seed=1):
    """[(n, nonzero levels after RDOQ, {kernel: ns per pixel})] for n = 4..64."""
    rng = np.random.default_rng(seed)
    scr = new_scratch()
    probs = new_contexts(NUM_CTX)
    costs = np.zeros((NUM_CTX, 2))
    fill_costs(probs, costs)
    st, buf = new_encoder(1 << 16, BILL_SLOTS)
    wmat = weight_matrix(0)                               # flat weighting, luma's step for lam
    scales = np.zeros(wmat.shape, np.int64)               # every block shape (fill_scales writes all)
    wd = plane_weight(COLOUR_YCC444, 0, bt601_transform().weights)
    fill_scales(wmat, step_index_for(lam, wd, False), scales)
    org = rng.normal(2048, 300, (64, 64))
    ref = rng.integers(1500, 2600, 4 * 64 + 1).astype(np.int64)
    cmap = np.zeros((64, 64), np.int32)
    rec = np.zeros((64, 64), np.int16)
    rows = []
    for sc in range(NUM_SIZES):
        log2n = sc + LOG2_MIN_BLOCK
        n = 1 << log2n
        reps = max(1, reps_pixels // (n * n))
        scl = scales[sc]
        # Laplacian coefficients, about 4 steps at DC falling with frequency
        f = 1.0 + np.add.outer(np.arange(n), np.arange(n))
        coef = np.zeros((64, 64))
        coef[:n, :n] = rng.laplace(0.0, 4.0 * scl[0, 0] / f ** 1.5)
        pred = scr[S_PRED]
        lv = scr[S_LV]
        cost = {}
        cost["predict"] = _timed(_loop_pred, (ref, ref, n, log2n, pred, scr[S_MAIN]), reps, n * n)
        cost["satd"] = _timed(_loop_satd, (org, pred, n, scr[S_HAD]), reps, n * n)
        cost["fdct"] = _timed(_loop_fdct, (org, n, sc, scr[S_COEF], scr[S_TMPF], scr[S_EO]), reps,
                              n * n)
        cost["rdoq"] = _timed(_loop_rdoq, (coef, scl, n, log2n, sc, cmap, costs, float(lam), lv,
                                           scr[S_WORK], st, buf), reps, n * n)
        nnz = int(np.count_nonzero(lv[:n, :n]))
        # the trellis at the scale unit of the same lambda (half the step, about)
        cost["trellis"] = _timed(_loop_trellis, (coef, np.maximum(scl // 2, 1), n, log2n, sc, cmap,
                                                 costs, float(lam), scr[S_LV], scr[S_WORK],
                                                 scr[S_PROV], scr[S_BPS], scr[S_BPK]),
                              reps, n * n)
        cost["syntax"] = _timed(_loop_syntax, (lv, n, log2n, sc, cmap, probs, st, buf), reps, n * n)
        cost["recon"] = _timed(_loop_recon, (pred, lv, scl, n, sc, rec, scr[S_CI], scr[S_RI],
                                             scr[S_TMPI]), reps, n * n)
        rows.append((n, nnz, cost))
    return rows


def format_table(rows, lam):
    names = list(rows[0][2])
    lines = [f"ns per pixel at lambda {lam:g}",
             "| block | levels kept | " + " | ".join(names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for n, nnz, cost in rows:
        lines.append(f"| {n}x{n} | {nnz} | " + " | ".join(f"{cost[k]:.1f}" for k in names) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = doc_parser("python -m tools.kernel_bench", __doc__)
    p.add_argument("--lam", type=float, default=362.039, help="lambda (default: the low-rate point)")
    p.add_argument("--reps-pixels", type=int, default=200_000,
                   help="pixels processed per timing (default 200000)")
    a = p.parse_args(argv)
    if not (a.lam > 0 and a.reps_pixels > 0):
        print("kernel_bench: --lam and --reps-pixels must be positive", file=sys.stderr)
        return 2
    print(format_table(measure(a.lam, a.reps_pixels), a.lam))
    return 0


if __name__ == "__main__":
    sys.exit(main())
