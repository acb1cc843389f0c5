"""Restoration filter: syntax round trip, filter arithmetic, encoder fit."""
import numpy as np
import pytest

import codec
from codec.dec.arith_dec import ST_POS, dec_failed, new_decoder
from codec.enc.arith_enc import enc_finish, new_encoder
from codec.common.constants import RESTORE_COEF_MAX, RESTORE_COEF_MIN, SAMPLE_MAX
from codec.common.contexts import NUM_CTX
from codec.dec.syntax_dec import dec_restore
from codec.enc.restore_enc import _ctu_stats, choose_restore
from codec.enc.syntax_enc import BILL_SLOTS, restore_syntax
from codec.common.probmodel import new_contexts
from codec.common.restore import NUM_TAPS, RESTORE_OFFSETS, apply_restore


@pytest.mark.parametrize("kind", ["off", "all", "per_ctu"])
def test_syntax_round_trip(kind):
    rng = np.random.default_rng(len(kind))
    planes = []
    for pt, shape in ((0, (3, 5)), (1, (2, 2)), (1, (4, 1))):
        on = 0 if kind == "off" else 1
        coefs = rng.integers(RESTORE_COEF_MIN, RESTORE_COEF_MAX + 1, NUM_TAPS).astype(np.int64)
        flags = np.ones(shape, np.uint8) if kind == "all" else \
            (rng.random(shape) < 0.6).astype(np.uint8)
        if kind == "per_ctu":
            flags[0, 0] = 0
        planes.append((pt, on, coefs, flags))
    st, buf = new_encoder(1024, BILL_SLOTS)
    probs = new_contexts(NUM_CTX)
    for pt, on, coefs, flags in planes:
        restore_syntax(on, coefs, flags, pt, probs, st, buf)
    data = bytes(buf[:enc_finish(st, buf)])
    dst, dbuf = new_decoder(data)
    dprobs = new_contexts(NUM_CTX)
    for pt, on, coefs, flags in planes:
        c = np.zeros(NUM_TAPS, np.int64)
        f = np.zeros(flags.shape, np.uint8)
        assert dec_restore(pt, c, f, dprobs, dst, dbuf) == on
        if on:
            assert np.array_equal(c, coefs) and np.array_equal(f, flags)
    assert not dec_failed(dst) and dst[ST_POS] == len(data)


@pytest.mark.parametrize("h, w, ctu", [(13, 21, 8), (3, 2, 8), (1, 5, 4), (70, 90, 64),
                                     (40, 12, 4), (2, 40, 4), (33, 1, 8), (64, 64, 16)])
@pytest.mark.parametrize("kind", ["random", "extremes", "sparse"])
def test_filter_arithmetic_matches_reference(h, w, ctu, kind):
    """apply_restore (ring of source rows, spans of flagged CTUs) against a
    direct numpy evaluation of the formula, with edge repetition, clipping
    and only the flagged CTUs changed; extremes: full-swing samples and the
    largest coefficients (the largest sums the int32 kernel meets); sparse:
    CTU rows without a flag between filtered ones."""
    rng = np.random.default_rng(3 + h + 100 * w)
    if kind == "extremes":
        rec = (rng.integers(0, 2, (h, w)) * SAMPLE_MAX).astype(np.int16)
        coefs = rng.choice([RESTORE_COEF_MIN, RESTORE_COEF_MAX], NUM_TAPS).astype(np.int64)
    else:
        rec = rng.integers(0, SAMPLE_MAX + 1, (h, w)).astype(np.int16)
        coefs = rng.integers(RESTORE_COEF_MIN, RESTORE_COEF_MAX + 1, NUM_TAPS).astype(np.int64)
    flags = (rng.random(((h + ctu - 1) // ctu, (w + ctu - 1) // ctu)) < 0.7).astype(np.uint8)
    if kind == "sparse":
        flags[1::2] = 0
    flags.flat[0] = 1
    out = rec.copy()
    apply_restore(out, coefs, flags, ctu)
    r = rec.astype(np.int64)
    pad = np.pad(r, 2, mode="edge")
    acc = np.zeros((h, w), np.int64)
    for (dx, dy), c in zip(RESTORE_OFFSETS, coefs):
        acc += c * (pad[2 + dy:2 + dy + h, 2 + dx:2 + dx + w] +
                    pad[2 - dy:2 - dy + h, 2 - dx:2 - dx + w] - 2 * r)
    ref = np.clip(r + ((acc + 64) >> 7), 0, SAMPLE_MAX)
    mask = np.kron(flags, np.ones((ctu, ctu), np.uint8))[:h, :w].astype(bool)
    assert np.array_equal(out[mask], ref[mask])
    assert np.array_equal(out[~mask], rec[~mask])


@pytest.mark.parametrize("h, w, ctu", [(37, 53, 16), (70, 41, 32), (9, 6, 8)])
def test_fit_statistics_match_numpy(h, w, ctu):
    """The fit's per-CTU normal equations (upper triangle of A, and b) equal
    sums written out in numpy over the quincunx samples, edge samples repeated."""
    rng = np.random.default_rng(h)
    org = np.clip(rng.normal(2048, 900, (h, w)), 0, SAMPLE_MAX)
    rec = np.clip(np.round(org + rng.normal(0, 60, (h, w))), 0, SAMPLE_MAX).astype(np.int16)
    rec[rng.random((h, w)) < 0.1] = SAMPLE_MAX
    rows, cols = -(-h // ctu), -(-w // ctu)
    A = np.zeros((rows, cols, NUM_TAPS, NUM_TAPS))
    b = np.zeros((rows, cols, NUM_TAPS))
    _ctu_stats(org, rec, ctu, A, b)
    pad = np.pad(rec.astype(np.int64), 2, mode="edge")
    want_a = np.zeros_like(A)
    want_b = np.zeros_like(b)
    for y in range(0, h, 2):
        for x in range((y >> 1) & 1, w, 2):
            c = pad[y + 2, x + 2]
            f = np.array([pad[y + 2 + dy, x + 2 + dx] + pad[y + 2 - dy, x + 2 - dx] - 2 * c
                          for dx, dy in RESTORE_OFFSETS], np.float64)
            want_a[y // ctu, x // ctu] += np.outer(f, f)
            want_b[y // ctu, x // ctu] += f * (org[y, x] - rec[y, x])
    upper = np.triu(np.ones((NUM_TAPS, NUM_TAPS), bool))
    assert np.array_equal(A[..., upper], want_a[..., upper])     # integers: exact
    assert np.allclose(b, want_b, rtol=1e-12, atol=1e-6)


def test_fit_recovers_a_blur():
    """A source blurred by a known symmetric filter: the fit turns the
    filter on and removes most of the error; pure noise leaves it off."""
    rng = np.random.default_rng(1)
    org = rng.normal(2048, 400, (96, 128))
    rec = org.copy()
    for ax in (0, 1):            # a mild [1 8 1]/10 blur along both axes
        rec = 0.1 * np.roll(rec, 1, ax) + 0.8 * rec + 0.1 * np.roll(rec, -1, ax)
    rec = np.clip(np.round(rec), 0, SAMPLE_MAX).astype(np.int16)
    on, coefs, flags, restored = choose_restore(org, rec, 32, 1.0, 10.0)
    assert on == 1 and flags.all()
    out = rec.copy()
    apply_restore(out, coefs, flags, 32)
    assert np.array_equal(restored, out)
    assert ((org - out) ** 2).sum() < 0.7 * ((org - rec) ** 2).sum()
    noisy = np.clip(np.round(org + rng.normal(0, 20, org.shape)), 0, SAMPLE_MAX).astype(np.int16)
    assert choose_restore(org, noisy, 32, 1.0, 1e4)[0] == 0


def test_fit_switched_per_ctu_returns_the_decoder_output():
    """Blur on the left half, noise on the right: the filter is switched per
    CTU, and the restored plane the encoder keeps is the decoder's."""
    rng = np.random.default_rng(2)
    org = rng.normal(2048, 400, (96, 128))
    blur = org.copy()
    for ax in (0, 1):
        blur = 0.1 * np.roll(blur, 1, ax) + 0.8 * blur + 0.1 * np.roll(blur, -1, ax)
    rec = np.where(np.arange(128) < 64, blur, org + rng.normal(0, 30, org.shape))
    rec = np.clip(np.round(rec), 0, SAMPLE_MAX).astype(np.int16)
    on, coefs, flags, restored = choose_restore(org, rec, 32, 1.0, 10.0)
    assert on == 1 and flags[:, :2].all() and not flags.all()
    out = rec.copy()
    apply_restore(out, coefs, flags, 32)
    assert np.array_equal(restored, out)


def test_codec_restore_switch(image_factory):
    """restore=False codes no filter; with it the stream still decodes to the
    encoder's reconstruction and the RD cost does not get worse."""
    img = image_factory(128, 192, seed=6)
    lam = codec.lam_from_quality(55)           # where the filter pays on this image
    on = codec.encode_image(img, codec.EncoderConfig(lam=lam, chroma="444"))
    off = codec.encode_image(img, codec.EncoderConfig(lam=lam, chroma="444", restore=False))
    for r in (on, off):
        assert np.array_equal(codec.decode(r.data), r.recon)
    assert on.data != off.data
    assert on.sse + lam * 8 * on.nbytes < off.sse + lam * 8 * off.nbytes
