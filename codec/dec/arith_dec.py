"""Binary arithmetic (range) decoder, numba; mirror of arith_enc.

State `st` (int64[6]): code, range, pos, overread, length, syntax error flag.
Every byte read is bounds-checked: past the end the decoder reads zeros and
counts them in `overread` (a sticky error).  A valid stream never needs more
than the bytes the encoder flushed, so callers treat overread > 0 at the end
(or > MAX_OVERREAD at any point) as a corrupt or truncated stream.
"""
import numpy as np

from ..jit import kernel
from ..common.probmodel import PROB_BITS, PROB_ONE, p_one, update

_TOP = 1 << 24
_MASK = 0xFFFFFFFF
MAX_OVERREAD = 8

ST_CODE, ST_RANGE, ST_POS, ST_OVERREAD, ST_LEN, ST_ERR = range(6)


def new_decoder(data):
    """Returns (state, byte array) ready to decode `data` (bytes-like)."""
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    st = np.zeros(6, dtype=np.int64)
    dec_init(st, buf)
    return st, buf


def dec_used(st):
    """(bytes used, payload length, consumed exactly?) at the end of decoding:
    a valid stream is read to its last byte and no further."""
    used = int(min(st[ST_POS], st[ST_LEN]))
    return used, int(st[ST_LEN]), bool(st[ST_OVERREAD] == 0 and st[ST_POS] == st[ST_LEN])


@kernel
def _read(st, buf):
    p = st[ST_POS]
    st[ST_POS] = p + 1
    if p < st[ST_LEN]:
        return np.int64(buf[p])
    st[ST_OVERREAD] += 1
    return np.int64(0)


@kernel
def dec_init(st, buf):
    st[ST_LEN] = buf.shape[0]
    st[ST_POS] = 0
    st[ST_OVERREAD] = 0
    st[ST_RANGE] = _MASK
    c = np.int64(0)
    for _ in range(4):
        c = (c << 8) | _read(st, buf)
    st[ST_CODE] = c


@kernel
def dec_bit(st, buf, probs, ctx):
    p1 = p_one(probs, ctx)
    bound = (st[ST_RANGE] >> PROB_BITS) * (PROB_ONE - p1)
    if st[ST_CODE] < bound:
        st[ST_RANGE] = bound
        bit = 0
    else:
        st[ST_CODE] -= bound
        st[ST_RANGE] -= bound
        bit = 1
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        st[ST_CODE] = ((st[ST_CODE] << 8) | _read(st, buf)) & _MASK
    update(probs, ctx, bit)
    return bit


@kernel
def dec_bypass(st, buf):
    st[ST_RANGE] >>= 1
    if st[ST_CODE] >= st[ST_RANGE]:
        st[ST_CODE] -= st[ST_RANGE]
        bit = 1
    else:
        bit = 0
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        st[ST_CODE] = ((st[ST_CODE] << 8) | _read(st, buf)) & _MASK
    return bit


@kernel
def dec_bypass_bits(st, buf, nbits):
    v = np.int64(0)
    for _ in range(nbits):
        v = (v << 1) | dec_bypass(st, buf)
    return v


@kernel
def dec_failed(st):
    """Sticky error: read too far past the end, or a syntax element out of range."""
    return st[ST_OVERREAD] > MAX_OVERREAD or st[ST_ERR] != 0
