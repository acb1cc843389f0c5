"""Binary arithmetic (range) encoder, numba.

State `st` (int64[ST_SIZE]): low, range, cache, cache_size, pos, overflow, then
the bit accounting: the category of the next bypass bins and, per category
slot (contexts.CTX_CATEGORY), the ideal code length coded so far in units of
2**-16 bit (what `bits_by_category` reports; the coded bytes do not depend on it).
A 32-bit range coder with byte-wise output and delayed carry propagation:
`low` may grow one bit past 32 (the carry); bytes equal to 0xFF are held back
(cache_size) until it is known whether a carry reaches them.

Interval split for a context with P(1) = p/2**15:
    bound = (range >> 15) * (2**15 - p);  bit 0 -> [low, low+bound), bit 1 -> rest.
The range is renormalised to >= 2**24 by shifting out whole bytes.
The classic first output byte is always 0 and is not written; the decoder
starts from 4 bytes instead of 5.
"""
import numpy as np

from ..common.contexts import CAT_NAMES, CTX_CATEGORY, NUM_CATS, NPT
from ..jit import kernel
from ..common.probmodel import COST_SHIFT, COST_TABLE, PROB_BITS, PROB_ONE, p_one, update

_TOP = 1 << 24
_LOW_MASK = 0xFFFFFFFF

ST_LOW, ST_RANGE, ST_CACHE, ST_CACHE_SIZE, ST_POS, ST_OVERFLOW, ST_CAT = range(7)
ST_BITS = 7
ST_SIZE = ST_BITS + NPT * NUM_CATS
_BIT_UNIT = 65536.0
# COST_TABLE in units of 2**-16 bit, so the accounting in enc_bit is one load and add
_COST_FIX = (COST_TABLE * _BIT_UNIT + 0.5).astype(np.int64)
_BYPASS_FIX = np.int64(_BIT_UNIT)


def new_encoder(capacity):
    st = np.zeros(ST_SIZE, dtype=np.int64)
    enc_init(st)
    return st, np.zeros(max(int(capacity), 16), dtype=np.uint8)


def bits_by_category(st):
    """{"luma sig": bits, ...}: the ideal code length of what st has coded so
    far, per plane type and syntax category (within a few bytes of the
    payload size: the coder's flush and rounding are not included)."""
    out = {}
    for pt, plane in enumerate(("luma", "chroma")):
        for c, name in enumerate(CAT_NAMES):
            out[f"{plane} {name}"] = st[ST_BITS + pt * NUM_CATS + c] / _BIT_UNIT
    return out


@kernel
def enc_category(st, slot):
    """Account the following bypass bins to category slot pt * NUM_CATS + cat."""
    st[ST_CAT] = slot


@kernel
def enc_init(st):
    st[ST_LOW] = 0
    st[ST_RANGE] = _LOW_MASK
    st[ST_CACHE] = 0
    st[ST_CACHE_SIZE] = 1
    st[ST_POS] = -1          # the first (always zero) byte is dropped
    st[ST_OVERFLOW] = 0


@kernel
def _put(st, buf, b):
    p = st[ST_POS]
    if p >= 0:
        if p < buf.shape[0]:
            buf[p] = b
        else:
            st[ST_OVERFLOW] = 1
    elif b != 0:
        st[ST_OVERFLOW] = 2  # would mean a carry into the dropped byte: impossible
    st[ST_POS] = p + 1


@kernel
def _shift_low(st, buf):
    low = st[ST_LOW]
    if low < 0xFF000000 or low > _LOW_MASK:
        carry = low >> 32
        temp = st[ST_CACHE]
        while True:
            _put(st, buf, (temp + carry) & 0xFF)
            temp = 0xFF
            st[ST_CACHE_SIZE] -= 1
            if st[ST_CACHE_SIZE] == 0:
                break
        st[ST_CACHE] = (low >> 24) & 0xFF
    st[ST_CACHE_SIZE] += 1
    st[ST_LOW] = (low & 0x00FFFFFF) << 8


@kernel
def enc_bit(st, buf, probs, ctx, bit):
    """Code one bit in an adaptive context and update the context."""
    p1 = p_one(probs, ctx)
    bound = (st[ST_RANGE] >> PROB_BITS) * (PROB_ONE - p1)
    p = p1 if bit else PROB_ONE - p1
    st[ST_BITS + CTX_CATEGORY[ctx]] += _COST_FIX[p >> COST_SHIFT]
    if bit:
        st[ST_LOW] += bound
        st[ST_RANGE] -= bound
    else:
        st[ST_RANGE] = bound
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        _shift_low(st, buf)
    update(probs, ctx, bit)


@kernel
def enc_bypass(st, buf, bit):
    """Code one equiprobable bit (no context)."""
    st[ST_BITS + st[ST_CAT]] += _BYPASS_FIX
    st[ST_RANGE] >>= 1
    if bit:
        st[ST_LOW] += st[ST_RANGE]
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        _shift_low(st, buf)


@kernel
def enc_bypass_bits(st, buf, value, nbits):
    """Code the low `nbits` bits of value, most significant first."""
    for i in range(nbits - 1, -1, -1):
        enc_bypass(st, buf, (value >> i) & 1)


@kernel
def enc_finish(st, buf):
    """Flush; returns the number of bytes written (may exceed the buffer: check ST_OVERFLOW)."""
    for _ in range(5):
        _shift_low(st, buf)
    return st[ST_POS]
