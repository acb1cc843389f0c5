"""Binary arithmetic (range) decoder, numba; mirror of arith_enc.

State `st` (int64[6]): code, range, pos, overread, length, syntax error flag.
Every byte read is bounds-checked: past the end the decoder reads zeros and
counts them in `overread` (a sticky error).  A valid stream never needs more
than the bytes the encoder flushed, so callers treat overread > 0 at the end
(or > MAX_OVERREAD at any point) as a corrupt or truncated stream.
"""
import numpy as np

from ..jit import inline_kernel, kernel
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


# The decoder's arithmetic, on a state held in locals: dec_bit and
# dec_bypass load it from st and store it back around one bin; the one loop
# hot enough to matter (the levels of a block, syntax_dec.dec_coeffs) keeps
# it in locals for the whole block, so that the range and the code stay in
# registers from bin to bin (a round trip through st per bin is on the
# decoder's critical path: 3-7 % of a decode at lambda 22.6, measured).
@inline_kernel
def load_local(st):
    """(code, range, pos) of st, to decode with bit_local / bypass_local."""
    return st[ST_CODE], st[ST_RANGE], st[ST_POS]


@inline_kernel
def store_local(st, code, rng, pos):
    """Back into st, counting the reads past the end as _read does."""
    n = st[ST_LEN]
    st[ST_OVERREAD] += max(pos - n, 0) - max(st[ST_POS] - n, 0)
    st[ST_CODE] = code
    st[ST_RANGE] = rng
    st[ST_POS] = pos


@inline_kernel
def _renorm_local(code, rng, pos, buf):
    n = buf.shape[0]
    while rng < _TOP:
        rng <<= 8
        b = np.int64(buf[pos]) if pos < n else np.int64(0)
        code = ((code << 8) | b) & _MASK
        pos += 1
    return code, rng, pos


@inline_kernel
def bit_local(code, rng, pos, buf, probs, ctx):
    """dec_bit on locals: (bit, code, range, pos)."""
    ctx = np.uint64(ctx)
    p1 = p_one(probs, ctx)
    bound = (rng >> PROB_BITS) * (PROB_ONE - p1)
    if code < bound:
        rng = bound
        bit = 0
    else:
        code -= bound
        rng -= bound
        bit = 1
    code, rng, pos = _renorm_local(code, rng, pos, buf)
    update(probs, ctx, bit)
    return bit, code, rng, pos


@inline_kernel
def bypass_local(code, rng, pos, buf):
    """dec_bypass on locals: (bit, code, range, pos)."""
    rng >>= 1
    if code >= rng:
        code -= rng
        bit = 1
    else:
        bit = 0
    code, rng, pos = _renorm_local(code, rng, pos, buf)
    return bit, code, rng, pos


@kernel
def dec_bit(st, buf, probs, ctx):
    code, rng, pos = load_local(st)
    bit, code, rng, pos = bit_local(code, rng, pos, buf, probs, ctx)
    store_local(st, code, rng, pos)
    return bit


@kernel
def dec_bypass(st, buf):
    code, rng, pos = load_local(st)
    bit, code, rng, pos = bypass_local(code, rng, pos, buf)
    store_local(st, code, rng, pos)
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
