"""Binary arithmetic (range) encoder, numba.

State `st` (int64): low, range, cache, cache_size, pos, overflow, then the
bit accounting: the slot of the next bypass bins, and per slot the ideal
code length coded so far in units of 2**-16 bit (BIT_UNIT).  A context bin
is accounted to the slot of its context index, bypass bins to the slot the
caller last named (enc_bypass_slot); what the slots mean is the caller's
business (enc/syntax_enc.py: one per context, then one per plane type and
syntax category), so the coder knows nothing of the syntax, and the coded
bytes do not depend on the accounting.
A 32-bit range coder with byte-wise output and delayed carry propagation:
`low` may grow one bit past 32 (the carry); bytes equal to 0xFF are held back
(cache_size) until it is known whether a carry reaches them.

Interval split for a context with P(1) = p/2**15:
    bound = (range >> 15) * (2**15 - p);  bit 0 -> [low, low+bound), bit 1 -> rest.
The range is renormalised to >= 2**24 by shifting out whole bytes.
The classic first output byte is always 0 and is not written; the decoder
starts from 4 bytes instead of 5.

Bin log (optional, new_encoder's log_capacity): every bin coded is also
appended to st after the accounting slots, 16 bits per bin, four per int64:
(ctx << 1) | bit for a context bin, LOG_BYPASS | (slot << 1) | bit for a
bypass bin (contexts and slots < 2**14).  The encoder replays it to choose
the context groups' adaptation rates and to code the payload again with
them (enc/rates_enc.py).  A log that runs out of room stops (ST_LOG_LEN =
-1) and the stream keeps the default rates.
"""
import numpy as np

from ..jit import kernel
from ..common.probmodel import COST_SHIFT, COST_TABLE, PROB_BITS, PROB_ONE, p_one, update

_TOP = 1 << 24
_LOW_MASK = 0xFFFFFFFF

(ST_LOW, ST_RANGE, ST_CACHE, ST_CACHE_SIZE, ST_POS, ST_OVERFLOW, ST_BYPASS_SLOT, ST_LOG_AT,
 ST_LOG_LEN, ST_LOG_CAP) = range(10)
ST_BILL = 10                # st[ST_BILL + slot]: code length accounted to the slot
LOG_BYPASS = 1 << 15        # bin-log flag of a bypass bin
_LOG_PER_WORD = 4           # 16-bit entries per int64
BIT_UNIT = 65536.0
# COST_TABLE in units of 2**-16 bit, so the accounting in enc_bit is one load and add
_COST_FIX = (COST_TABLE * BIT_UNIT + 0.5).astype(np.int64)
_BYPASS_FIX = np.int64(BIT_UNIT)
_FLUSH_BYTES = 8            # enc_finish writes the held-back bytes and 4 more (3 to spare)


def new_encoder(capacity, slots, log_capacity=0):
    """(state, byte buffer of `capacity` bytes) with `slots` accounting slots:
    at least one per context index the caller codes with, and its bypass
    slots (the coder does not check the bound: numba does not); and room to
    log log_capacity bins (0: no log)."""
    if int(slots) > (1 << 14):
        raise ValueError("the bin log holds context / slot numbers below 2**14")
    log_at = ST_BILL + int(slots)
    st = np.zeros(log_at + -(-int(log_capacity) // _LOG_PER_WORD), dtype=np.int64)
    st[ST_LOG_AT] = log_at
    st[ST_LOG_CAP] = int(log_capacity)
    enc_init(st)
    return st, np.zeros(max(int(capacity), 16), dtype=np.uint8)


def bin_log(st):
    """The logged bins (int64 array), or None if the log was off or ran out of room."""
    n = int(st[ST_LOG_LEN])
    if st[ST_LOG_CAP] == 0 or n < 0:
        return None
    at = int(st[ST_LOG_AT])
    words = st[at:at + -(-n // _LOG_PER_WORD)]
    out = np.empty((words.shape[0], _LOG_PER_WORD), np.int64)
    for k in range(_LOG_PER_WORD):
        out[:, k] = (words >> (16 * k)) & 0xFFFF
    return out.reshape(-1)[:n]


def ensure_capacity(st, buf, extra):
    """buf, or a larger copy of it, with room for `extra` more bytes after
    what st has written and still holds back, and for the flush."""
    need = int(st[ST_POS] + st[ST_CACHE_SIZE]) + int(extra) + _FLUSH_BYTES
    if buf.shape[0] >= need:
        return buf
    return copy_buffer(st, buf, need)


# Copies of the coder for a trial that may be thrown away (a plane group
# re-coded into a larger buffer, chroma formats coded from one luma pass)
# copy only what was written.  np.zeros leaves a large array to the kernel's
# lazy zero pages, while a whole-array copy faults in and fills every page:
# the bin log's room (8 bytes per pixel) and the buffer's (2 bytes per pixel)
# are mostly never written at low rates, and copying them cost 5-100 ms per
# copy for a 1.5-megapixel image on this project's machines.

def copy_state(st):
    """A copy of the coder state st (the bin log's unused room left zero)."""
    used = int(st[ST_LOG_AT]) + -(-max(int(st[ST_LOG_LEN]), 0) // _LOG_PER_WORD)
    out = np.zeros(st.shape[0], st.dtype)
    out[:used] = st[:used]
    return out


def copy_buffer(st, buf, size=None):
    """A copy of buf (size bytes, default buf's) holding the bytes the coder
    state st has written (the rest zero: the coder writes each byte before
    anything reads it)."""
    out = np.zeros(buf.shape[0] if size is None else size, np.uint8)
    written = max(int(st[ST_POS]), 0)
    out[:written] = buf[:written]
    return out


def accounted(st):
    """The code length accounted to each slot so far (int64, 1/BIT_UNIT bit units)."""
    return st[ST_BILL:st[ST_LOG_AT]]


@kernel
def _log_bin(st, v):
    """Append v (< 2**16) to the bin log, if it is on and has room."""
    n = st[ST_LOG_LEN]
    if n < 0 or st[ST_LOG_CAP] == 0:
        return
    if n >= st[ST_LOG_CAP]:
        st[ST_LOG_LEN] = -1
        return
    i = st[ST_LOG_AT] + (n >> 2)
    if n & 3:
        st[i] |= v << (16 * (n & 3))
    else:
        st[i] = v
    st[ST_LOG_LEN] = n + 1


@kernel
def enc_bypass_slot(st, slot):
    """Account the following bypass bins to `slot`."""
    st[ST_BYPASS_SLOT] = slot


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
    st[ST_BILL + ctx] += _COST_FIX[p >> COST_SHIFT]
    if bit:
        st[ST_LOW] += bound
        st[ST_RANGE] -= bound
    else:
        st[ST_RANGE] = bound
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        _shift_low(st, buf)
    update(probs, ctx, bit)
    _log_bin(st, (ctx << 1) | bit)


@kernel
def enc_bypass(st, buf, bit):
    """Code one equiprobable bit (no context)."""
    st[ST_BILL + st[ST_BYPASS_SLOT]] += _BYPASS_FIX
    st[ST_RANGE] >>= 1
    if bit:
        st[ST_LOW] += st[ST_RANGE]
    while st[ST_RANGE] < _TOP:
        st[ST_RANGE] <<= 8
        _shift_low(st, buf)
    _log_bin(st, LOG_BYPASS | (st[ST_BYPASS_SLOT] << 1) | bit)


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
