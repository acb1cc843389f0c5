"""Dependent quantisation: the shared state machine and the encoder's trellis."""
import numpy as np
import pytest

import codec
from codec.enc.image_enc import S_BPK, S_BPS, S_LV, S_PROV, S_WORK
from codec.enc.syntax_enc import coeff_syntax
from codec.enc.trellis import depq_trellis
from codec.common.quant import dequantise
from codec.common.constants import NUM_SHAPES, NUM_SIZES
from codec.common.scan import SCAN_X, SCAN_Y
from codec.common.shapes import SHAPE_H, SHAPE_W

NEXT = {(0, 0): 0, (0, 1): 2, (1, 0): 2, (1, 1): 0, (2, 0): 1, (2, 1): 3, (3, 0): 3, (3, 1): 1}


def _reference_dequantise(lv, scl, n, sc, h=None):
    """The state machine written out: Q0 = 2k s, Q1 = (2k - sgn k) s, coding
    order, over an n x n block or (h) an n wide, h high split half."""
    h = n if h is None else h
    out = np.zeros((h, n), np.int64)
    state = 0
    for i in reversed(range(n * h)):
        x, y = SCAN_X[sc, i], SCAN_Y[sc, i]
        k = int(lv[y, x])
        if k:
            out[y, x] = (2 * k - (int(np.sign(k)) if state > 1 else 0)) * scl[y, x]
        state = NEXT[state, abs(k) & 1]
    return out


@pytest.mark.parametrize("n", [4, 8, 16])
def test_dequantise_follows_the_state_machine(n):
    rng = np.random.default_rng(n)
    sc = n.bit_length() - 3
    for _ in range(20):
        lv = np.zeros((64, 64), np.int32)
        lv[:n, :n] = rng.integers(-3, 4, (n, n)) * (rng.random((n, n)) < 0.4)
        scl = np.zeros((64, 64), np.int64)
        scl[:n, :n] = rng.integers(5, 60, (n, n))
        out = np.zeros((64, 64), np.int64)
        dequantise(lv, scl, n, sc, True, out)
        assert np.array_equal(out[:n, :n], _reference_dequantise(lv, scl, n, sc))
        dequantise(lv, scl, n, sc, False, out)
        assert np.array_equal(out[:n, :n], lv[:n, :n] * scl[:n, :n])


def _exact_cost(coef, lv, scl, n, sc, lam, probs, cmap, st, buf):
    ci = np.zeros((64, 64), np.int64)
    dequantise(lv, scl, n, sc, True, ci)
    d = float(((coef[:n, :n] - ci[:n, :n]) ** 2).sum())
    if not lv[:n, :n].any():
        return d
    return d + lam * coeff_syntax(lv, n, n.bit_length() - 1, sc, 0, cmap, 0, 0, probs, st, buf,
                                  False, True)


def _greedy(coef, scl, n, sc):
    """Each level the nearest one of the quantiser its state selects."""
    lv = np.zeros((64, 64), np.int32)
    state = 0
    for i in reversed(range(n * n)):
        x, y = SCAN_X[sc, i], SCAN_Y[sc, i]
        c, s = abs(coef[y, x]), scl[y, x]
        q = 1 if state > 1 else 0
        k = max(0, int(round((c / s + q) / 2))) if c > 0.5 * s else 0
        lv[y, x] = k if coef[y, x] >= 0 else -k
        state = NEXT[state, k & 1]
    return lv


@pytest.mark.parametrize("sc", range(NUM_SIZES, NUM_SHAPES))
def test_dequantise_split_halves(sc):
    """A split half (w != h) is dequantised over its own w * h scan: levels
    late in a tall half's scan count, nothing past a wide half's scan is read
    (the encoder reconstructs through this; the decoder dequantises as it
    parses, so a difference is a stream that decodes to something else)."""
    w, h = int(SHAPE_W[sc]), int(SHAPE_H[sc])
    rng = np.random.default_rng(sc)
    for trial in range(30):
        lv = np.zeros((64, 64), np.int32)
        lv[:h, :w] = rng.integers(-3, 4, (h, w)) * (rng.random((h, w)) < 0.4)
        lv[0, 0] = 1 + 2 * trial                      # odd DC: the state moves at every read of it
        lv[SCAN_Y[sc, w * h - 1], SCAN_X[sc, w * h - 1]] = 1 + trial % 2   # the last scan position
        scl = np.zeros((64, 64), np.int64)
        scl[:h, :w] = rng.integers(5, 60, (h, w))
        out = np.full((64, 64), 7, np.int64)
        dequantise(lv, scl, w, sc, True, out)
        assert np.array_equal(out[:h, :w], _reference_dequantise(lv, scl, w, sc, h))


def test_trellis_paths_invert_the_state_machine():
    """The trellis finds each state's predecessors by parity (SRC_EVEN /
    SRC_ODD); they must be the states the machine moves from."""
    from codec.enc.trellis import SRC_EVEN, SRC_ODD
    for ns in range(4):
        assert NEXT[int(SRC_EVEN[ns]), 0] == ns
        assert NEXT[int(SRC_ODD[ns]), 1] == ns


@pytest.mark.parametrize("n", [4, 8, 16])
def test_trellis_beats_the_nearest_levels(n, quant_bench):
    """On Laplacian blocks, the trellis' levels cost less (exact distortion
    via the decoder's dequantisation, exact bits via the syntax) than taking
    the nearest level of each state's quantiser."""
    rng = np.random.default_rng(10 + n)
    sc = n.bit_length() - 3
    qb = quant_bench
    probs, st, buf, cmap, scr, scl = qb.probs, qb.st, qb.buf, qb.cmap, qb.scr, qb.scl
    lam = 0.25 * 20 ** 2 * 4        # the codec's lambda for this scale (wd = 1), a little coarser
    tot_t = tot_g = 0.0
    for _ in range(30):
        coef = np.zeros((64, 64))
        f = 1.0 + np.add.outer(np.arange(n), np.arange(n))
        coef[:n, :n] = rng.laplace(0.0, 120.0 / f)
        nz, _, d = depq_trellis(coef, scl, n, n.bit_length() - 1, sc, 0, cmap, 0, 0, qb.costs, lam,
                              1.0, 1.0, 1.0, scr[S_LV], scr[S_WORK], scr[S_PROV],
                              scr[S_BPS], scr[S_BPK])
        lv = scr[S_LV].copy() if nz else np.zeros((64, 64), np.int32)
        # the distortion the trellis reports is that of the levels it chose
        ci = np.zeros((64, 64))
        dequantise(lv, scl, n, sc, True, ci)
        assert d == pytest.approx(float(((coef[:n, :n] - ci[:n, :n]) ** 2).sum()), rel=1e-9)
        tot_t += _exact_cost(coef, lv, scl, n, sc, lam, probs, cmap, st, buf)
        tot_g += _exact_cost(coef, _greedy(coef, scl, n, sc), scl, n, sc, lam, probs, cmap, st,
                             buf)
    assert tot_t < 0.9 * tot_g


@pytest.mark.parametrize("dep", [False, True])
def test_round_trip_with_and_without_dependent_quantisation(image_factory, dep):
    img = image_factory(72, 88, seed=3)
    for q in (30, 80):
        r = codec.encode_image(img, codec.EncoderConfig(quality=q, dep_quant=dep))
        assert codec.common.container.parse(r.data)[0].dep_quant == int(dep)
        assert np.array_equal(codec.decode(r.data), r.recon)


def test_dependent_quantisation_saves_bits_at_high_rate(image_factory, monkeypatch):
    """Same lambda, J = SSE + lambda * bits: the trellis codes the same image
    cheaper.  Both with the default adaptation rates: the per-image rate
    choice (format v5) is a separate, smaller effect that can tip a 0.1 %
    comparison on a 96x128 image either way."""
    import codec.enc.encoder as enc
    monkeypatch.setattr(enc.Replay, "choose", lambda self: None)
    img = image_factory(96, 128, seed=9)
    lam = 15.0
    j = {}
    for dep in (False, True):
        r = codec.encode_image(img, codec.EncoderConfig(lam=lam, dep_quant=dep))
        j[dep] = r.sse + lam * 8 * r.nbytes
    assert j[True] < j[False]
