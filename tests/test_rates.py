"""Adaptation rates per context group (format v5): the probability bound of
every shift pair, the bin log, the replay's exactness, and the encoder's
choice end to end."""
import numpy as np
import pytest

import codec
from codec.common.contexts import CTX_GROUP, NUM_CTX, NUM_RATE_GROUPS
from codec.common.context_start import stream_contexts
from codec.common.probmodel import (DEFAULT_RATE_INDEX, FAST_SHIFTS, RATE_PAIRS,
                                    SLOW_SHIFTS, new_contexts, p_one, set_rates, update)
from codec.dec.arith_dec import dec_bit, dec_bypass, new_decoder
from codec.dec.syntax_dec import dec_rates
from codec.enc.arith_enc import (BIT_UNIT, accounted, bin_log, enc_bit, enc_bypass,
                                 enc_bypass_slot, enc_finish, new_encoder)
from codec.enc.rates_enc import RATE_HEADER_BINS, Replay, code_with_rates
from codec.enc.syntax_enc import BILL_SLOTS, rates_syntax


@pytest.mark.parametrize("start", [64, 16384, 32704])
@pytest.mark.parametrize("k", range(RATE_PAIRS.shape[0]))
def test_every_pair_keeps_both_symbols_codable(k, start):
    """FORMAT.md section 3: with f >= 3 and s >= 5 the mean stays in [19, 32749],
    from any start the table can give (format 15: 64 .. 32704), whichever
    symbol comes first."""
    for first in (0, 1):
        probs = new_contexts(1, np.array([start], np.int32))
        set_rates(probs, np.zeros(1, np.int64), [k])
        lo, hi = p_one(probs, 0), p_one(probs, 0)
        for bit in [first] * 3000 + [1 - first] * 3000 + [first] * 3000:
            update(probs, 0, bit)
            lo, hi = min(lo, p_one(probs, 0)), max(hi, p_one(probs, 0))
        assert lo >= 19 and hi <= 32749


def test_groups_cover_every_context():
    assert CTX_GROUP.shape == (NUM_CTX,)
    assert set(np.unique(CTX_GROUP)) == set(range(NUM_RATE_GROUPS))
    assert tuple(RATE_PAIRS[DEFAULT_RATE_INDEX]) == (4, 7)
    # the replay indexes pairs as 4 * fast position + slow position (FORMAT.md: PAIR[i])
    for i in range(RATE_PAIRS.shape[0]):
        assert tuple(RATE_PAIRS[i]) == (FAST_SHIFTS[i >> 2], SLOW_SHIFTS[i & 3]) == (3 + (i >> 2),
                                                                                    5 + (i & 3))


def _random_bins(rng, n):
    """A skewed, drifting bin sequence over a few contexts with bypass bins between."""
    ctxs = rng.choice([3, 40, 500, 1500, NUM_CTX - 1], n)
    drift = np.where((np.arange(n) // 400) % 2 == 0, 0.9, 0.1)   # switches every 400 bins
    bits = (rng.random(n) < drift).astype(np.int64)
    byp = rng.random(n) < 0.2
    return ctxs, bits, byp


def _code(st, buf, probs, ctxs, bits, byp):
    for c, b, y in zip(ctxs, bits, byp):
        if y:
            enc_bypass_slot(st, NUM_CTX + 1)
            enc_bypass(st, buf, int(b))
        else:
            enc_bit(st, buf, probs, int(c), int(b))


def test_bin_log_replays_the_coded_bins_and_decodes():
    """The log holds exactly the bins coded; coding them again with chosen
    rates gives a stream the decoder reads back with those rates."""
    rng = np.random.default_rng(3)
    ctxs, bits, byp = _random_bins(rng, 20000)
    st, buf = new_encoder(1 << 16, BILL_SLOTS, log_capacity=1 << 16)
    rates_syntax(None, st, buf)
    # a stream's contexts start from the start table (format 15), and so does the replay
    _code(st, buf, stream_contexts(), ctxs, bits, byp)
    log = bin_log(st)[RATE_HEADER_BINS:]
    assert np.array_equal(log & 1, bits)
    assert np.array_equal((log >> 15) == 1, byp)
    assert np.array_equal((log[~byp] >> 1), ctxs[~byp])
    replay = Replay().add(log)
    rates = replay.choose()
    assert rates is not None and (rates != DEFAULT_RATE_INDEX).any()
    # the replayed default-pair cost is the coder's own accounting of those bins
    want = accounted(st)[:NUM_CTX].sum() / BIT_UNIT
    assert replay.costs[:, DEFAULT_RATE_INDEX].sum() == pytest.approx(want, rel=1e-4)
    st2, buf2 = code_with_rates(log, rates, BILL_SLOTS, 1 << 16)
    data = bytes(buf2[:enc_finish(st2, buf2)])
    dst, dbuf = new_decoder(data)
    got = dec_rates(dst, dbuf)
    assert np.array_equal(got, rates)
    probs = stream_contexts()
    set_rates(probs, CTX_GROUP, got)
    out = [dec_bypass(dst, dbuf) if y else dec_bit(dst, dbuf, probs, int(c))
           for c, y in zip(ctxs, byp)]
    assert np.array_equal(out, bits)
    default = bytes(buf[:enc_finish(st, buf)])
    assert len(data) < len(default)        # the drifting source wants other rates


def test_no_rates_sent_for_a_small_saving():
    """A replay that saves less than the 64 index bits sends only the flag."""
    r = Replay()
    r.costs[:] = 100.0
    r.costs[:, 0] = 100.0 - 60.0 / NUM_RATE_GROUPS
    assert r.choose() is None
    r.costs[:, 0] = 100.0 - 70.0 / NUM_RATE_GROUPS
    assert r.choose() is not None and (r.choose() == 0).all()
    st, buf = new_encoder(64, BILL_SLOTS)
    rates_syntax(None, st, buf)
    data = bytes(buf[:enc_finish(st, buf)])
    dst, dbuf = new_decoder(data)
    assert (dec_rates(dst, dbuf) == DEFAULT_RATE_INDEX).all()


def test_full_log_falls_back_to_the_default_rates():
    rng = np.random.default_rng(4)
    ctxs, bits, byp = _random_bins(rng, 500)
    st, buf = new_encoder(1 << 12, BILL_SLOTS, log_capacity=100)
    _code(st, buf, new_contexts(NUM_CTX), ctxs, bits, byp)
    assert bin_log(st) is None
    st, buf = new_encoder(1 << 12, BILL_SLOTS)
    assert bin_log(st) is None


def test_encoder_chooses_rates_and_the_stream_decodes(image_factory, monkeypatch):
    """Non-default rates end to end, and never a longer file than the
    default rates would give (the replay is exact; the coder's rounding
    may differ by a byte or two).  (Since format 15's start table, small
    4:4:4 test images rarely gain the 64 index bits; the next test forces
    rates there.)"""
    import codec.enc.encoder as enc
    img = image_factory(160, 256, seed=11)
    cfg = codec.EncoderConfig(quality=60, chroma="420")
    chosen = codec.encode_image(img, cfg)
    h, payload = codec.common.container.parse(chosen.data)
    st, buf = new_decoder(payload)
    assert (dec_rates(st, buf) != DEFAULT_RATE_INDEX).any()
    assert np.array_equal(codec.decode(chosen.data), chosen.recon)
    monkeypatch.setattr(enc.Replay, "choose", lambda self: None)
    default = codec.encode_image(img, cfg)
    assert np.array_equal(default.recon, chosen.recon)
    assert len(chosen.data) <= len(default.data) + 2
    assert np.array_equal(codec.decode(default.data), default.recon)


@pytest.mark.parametrize("chroma", ["420", "444"])
def test_forced_rates_decode(image_factory, chroma, monkeypatch):
    """Every group on another shift pair: the stream still decodes to the
    encoder's reconstruction, which the rates do not change."""
    import codec.enc.encoder as enc
    img = image_factory(96, 160, seed=11)
    cfg = codec.EncoderConfig(quality=60, chroma=chroma)
    plain = codec.encode_image(img, cfg)
    forced = np.arange(NUM_RATE_GROUPS, dtype=np.int64) % RATE_PAIRS.shape[0]
    monkeypatch.setattr(enc.Replay, "choose", lambda self: forced)
    r = codec.encode_image(img, cfg)
    h, payload = codec.common.container.parse(r.data)
    st, buf = new_decoder(payload)
    assert np.array_equal(dec_rates(st, buf), forced)
    assert np.array_equal(r.recon, plain.recon)
    assert np.array_equal(codec.decode(r.data), r.recon)
