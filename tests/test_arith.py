"""Binary arithmetic coder: round trips, extreme probabilities, exact bytes."""
import hashlib

import numpy as np
import pytest
from numba import njit

from codec.dec.arith_dec import ST_OVERREAD, ST_POS, dec_bit, dec_bypass, dec_failed, new_decoder
from codec.enc.arith_enc import (ST_OVERFLOW, bin_log, copy_buffer, copy_state, enc_bit, enc_bypass,
                                 enc_finish, ensure_capacity, new_encoder)
from codec.common.probmodel import PROB_ONE, new_contexts, p_one


@njit(cache=True)
def _enc_part(st, buf, probs, bits, ctxs, byp):
    for i in range(bits.shape[0]):
        if byp[i]:
            enc_bypass(st, buf, bits[i])
        else:
            enc_bit(st, buf, probs, ctxs[i], bits[i])


@njit(cache=True)
def _enc(st, buf, probs, bits, ctxs, byp):
    _enc_part(st, buf, probs, bits, ctxs, byp)
    return enc_finish(st, buf)


@njit(cache=True)
def _dec(st, buf, probs, out, ctxs, byp):
    for i in range(out.shape[0]):
        if byp[i]:
            out[i] = dec_bypass(st, buf)
        else:
            out[i] = dec_bit(st, buf, probs, ctxs[i])


def encode_seq(bits, ctxs, byp, nctx):
    st, buf = new_encoder(len(bits) // 4 + 64, nctx)
    n = _enc(st, buf, new_contexts(nctx), bits, ctxs, byp)
    assert st[ST_OVERFLOW] == 0
    return bytes(buf[:n])


def decode_seq(data, ctxs, byp, nctx):
    st, buf = new_decoder(data)
    out = np.zeros(len(ctxs), np.int64)
    _dec(st, buf, new_contexts(nctx), out, ctxs, byp)
    return out, st


@pytest.mark.parametrize("p", [0.5, 0.1, 0.9, 1e-4, 1 - 1e-4, 0.0, 1.0])
def test_round_trip_random(p):
    rng = np.random.default_rng(int(p * 1000))
    n = 20000
    bits = (rng.random(n) < p).astype(np.int64)
    ctxs = rng.integers(0, 3, n)
    byp = (rng.random(n) < 0.1).astype(np.int64)
    data = encode_seq(bits, ctxs, byp, 3)
    out, st = decode_seq(data, ctxs, byp, 3)
    assert np.array_equal(out, bits)
    # the decoder consumes exactly the bytes the encoder wrote
    assert st[ST_POS] == len(data) and st[ST_OVERREAD] == 0


def test_skewed_source_compresses_near_entropy():
    rng = np.random.default_rng(5)
    n = 200000
    p = 0.02
    bits = (rng.random(n) < p).astype(np.int64)
    data = encode_seq(bits, np.zeros(n, np.int64), np.zeros(n, np.int64), 1)
    h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    # the fast half of the two-rate estimate costs ~6% on a stationary skewed source
    assert len(data) * 8 < 1.10 * h * n + 64


def test_bypass_bits_cost_one_bit_each():
    rng = np.random.default_rng(6)
    n = 80000
    bits = rng.integers(0, 2, n)
    data = encode_seq(bits, np.zeros(n, np.int64), np.ones(n, np.int64), 1)
    assert abs(len(data) - n / 8) <= 6


def test_exact_bytes():
    """Pins the coder's output: any change to the interval arithmetic, the
    adaptation or the flush changes these bytes (and the format)."""
    bits = np.array([1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1] * 8, np.int64)
    ctxs = np.array([0, 1] * 64, np.int64)
    byp = np.array([0, 0, 0, 1] * 32, np.int64)
    data = encode_seq(bits, ctxs, byp, 2)
    assert data.hex() == EXPECTED_HEX
    assert encode_seq(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64), 1).hex() \
        == EXPECTED_ONE_ZERO


def test_empty_sequence():
    data = encode_seq(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), 1)
    assert len(data) == 4


def test_adaptation_direction():
    probs = new_contexts(1)
    from codec.common.probmodel import update
    for _ in range(50):
        update(probs, 0, 1)
    assert p_one(probs, 0) > 0.8 * PROB_ONE
    for _ in range(500):
        update(probs, 0, 0)
    assert p_one(probs, 0) < 0.01 * PROB_ONE
    assert p_one(probs, 0) > 0


def test_truncated_input_sets_sticky_error():
    rng = np.random.default_rng(7)
    n = 5000
    bits = rng.integers(0, 2, n)
    ctxs = np.zeros(n, np.int64)
    byp = np.zeros(n, np.int64)
    data = encode_seq(bits, ctxs, byp, 1)
    out, st = decode_seq(data[: len(data) // 2], ctxs, byp, 1)
    assert dec_failed(st)
    out, st = decode_seq(b"", ctxs[:10], byp[:10], 1)
    assert st[ST_OVERREAD] > 0


EXPECTED_HEX = "9c1b3f635717faece4ca0e9550f596f60d793000"
EXPECTED_ONE_ZERO = "00000000"


def test_copies_of_the_coder_continue_like_the_original():
    """copy_state / copy_buffer / ensure_capacity copy only what was written:
    a copy taken mid-stream, and the original, finish to the same bytes and
    bin log, and the copy shares no memory with the original."""
    rng = np.random.default_rng(5)
    n = 4000
    bits = (rng.random(n) < 0.2).astype(np.int64)
    ctxs = rng.integers(0, 3, n)
    byp = (rng.random(n) < 0.1).astype(np.int64)
    st, buf = new_encoder(n, 3, log_capacity=2 * n)
    probs = new_contexts(3)
    h = n // 2
    _enc_part(st, buf, probs, bits[:h], ctxs[:h], byp[:h])
    st2, buf2, probs2 = copy_state(st), copy_buffer(st, buf), probs.copy()
    buf3 = ensure_capacity(st, buf, 10 * n)       # a larger copy
    assert buf3.shape[0] > buf.shape[0] and not np.shares_memory(st2, st)
    st3 = copy_state(st)
    outs = []
    for s_, b_, p_ in ((st, buf, probs), (st2, buf2, probs2), (st3, buf3, probs.copy())):
        _enc_part(s_, b_, p_, bits[h:], ctxs[h:], byp[h:])
        outs.append((bytes(b_[:enc_finish(s_, b_)]), bin_log(s_).tolist()))
    assert outs[0] == outs[1] == outs[2]
    assert len(outs[0][1]) == n
