"""Adaptive binary probability model shared by the arithmetic encoder and decoder.

Each context holds two 15-bit estimates of P(bit = 1): a fast one (adaptation
shift 3..6, memory ~8..64 symbols) that learns quickly from a cold start, and
a slow one (shift 5..8, ~32..256 symbols) that is precise once the statistics
settle.  The coder uses their mean.  The shifts are chosen per context group
by the encoder and sent at the start of the payload (format v5: RATE_PAIRS,
contexts.CTX_GROUP); without a choice every context uses (4, 7).  An estimate
with shift r stops moving within 2**r - 1 of 0 or of 32768 (and never passes
its start towards them), so with shifts >= 3 and >= 5 and starts inside
[64, 32704] (format 15's table, context_start.py) the mean stays inside
[19, 32749] / 32768: neither symbol ever gets a zero-width interval.

A context is a row of probs (int32, NUM_PROB_COLS): the two estimates, then
the two shifts, so an update reads one cache line.

Invariant: the encoder and the decoder update a context in exactly the same
way after each coded bit, so they always hold identical states.
"""
import math

import numpy as np

from ..jit import inline_kernel, kernel

PROB_BITS = 15
PROB_ONE = 1 << PROB_BITS
PROB_HALF = PROB_ONE >> 1
RATE_FAST = 4
RATE_SLOW = 7
# (fast, slow) shift pairs a context group can use; a 4-bit index per group:
# index = 4 * (position of the fast shift) + position of the slow shift
FAST_SHIFTS = np.array([3, 4, 5, 6], dtype=np.int64)
SLOW_SHIFTS = np.array([5, 6, 7, 8], dtype=np.int64)
RATE_PAIRS = np.array([(f, s) for f in FAST_SHIFTS for s in SLOW_SHIFTS], dtype=np.int64)
RATE_INDEX_BITS = 4
DEFAULT_RATE_INDEX = int(np.flatnonzero((RATE_PAIRS[:, 0] == RATE_FAST)
                                        & (RATE_PAIRS[:, 1] == RATE_SLOW))[0])
P_FAST, P_SLOW, P_FAST_SHIFT, P_SLOW_SHIFT = range(4)
NUM_PROB_COLS = 4

# Cost in bits of coding a symbol whose probability is p/32768, indexed by p >> 3.
COST_SHIFT = 3
_n = PROB_ONE >> COST_SHIFT
COST_TABLE = np.array(
    [-math.log2(max(i + 0.5, 0.5) / _n) for i in range(_n)], dtype=np.float64)


def new_contexts(n, start=None):
    """n fresh contexts with the default shifts: int32 (n, NUM_PROB_COLS).
    Both estimates start at start[c] (P(1) in 1/PROB_ONE; a stream's contexts
    start from context_start.CTX_START), or at 1/2 without a start."""
    probs = np.full((n, NUM_PROB_COLS), PROB_HALF, dtype=np.int32)
    if start is not None:
        probs[:, P_FAST] = start
        probs[:, P_SLOW] = start
    probs[:, P_FAST_SHIFT] = RATE_FAST
    probs[:, P_SLOW_SHIFT] = RATE_SLOW
    return probs


def set_rates(probs, groups, rate_index):
    """Give every context c the shift pair RATE_PAIRS[rate_index[groups[c]]]."""
    pairs = RATE_PAIRS[np.asarray(rate_index, np.int64)[groups]]
    probs[:, P_FAST_SHIFT] = pairs[:, 0]
    probs[:, P_SLOW_SHIFT] = pairs[:, 1]


@inline_kernel
def p_one(probs, ctx):
    """The coder's P(bit = 1) of a context, in 1/PROB_ONE: the mean of its two estimates."""
    return (probs[ctx, P_FAST] + probs[ctx, P_SLOW]) >> 1


@inline_kernel
def adapt(p, shift, bit):
    """One estimate after coding `bit`: moved 2**-shift of the way to 1 or 0,
    as update moves both of a context's (update keeps its own copy with one
    branch for the two: the decoder's hottest path; through two calls of
    this its CTU loop measured 1.4 % slower at lambda 362, 4 alternating
    runs, about the noise, not taken)."""
    if bit:
        return p + ((PROB_ONE - p) >> shift)
    return p - (p >> shift)


@kernel
def update(probs, ctx, bit):
    f = probs[ctx, P_FAST_SHIFT]
    s = probs[ctx, P_SLOW_SHIFT]
    if bit:
        probs[ctx, P_FAST] += (PROB_ONE - probs[ctx, P_FAST]) >> f
        probs[ctx, P_SLOW] += (PROB_ONE - probs[ctx, P_SLOW]) >> s
    else:
        probs[ctx, P_FAST] -= probs[ctx, P_FAST] >> f
        probs[ctx, P_SLOW] -= probs[ctx, P_SLOW] >> s


@inline_kernel
def bit_cost(probs, ctx, bit):
    """Estimated bits to code `bit` in context `ctx` (state not changed)."""
    return symbol_cost(p_one(probs, ctx), bit)


@inline_kernel
def symbol_cost(p1, bit):
    """Estimated bits to code `bit` when P(bit = 1) = p1 / PROB_ONE."""
    if bit:
        return COST_TABLE[p1 >> COST_SHIFT]
    return COST_TABLE[(PROB_ONE - p1) >> COST_SHIFT]


@kernel
def fill_costs(probs, costs):
    """costs[ctx, bit] = bit_cost(probs, ctx, bit) for every context: the
    encoder's searches read frozen states, so one table per search saves the
    probability arithmetic in their inner loops."""
    for ctx in range(probs.shape[0]):
        costs[ctx, 0] = bit_cost(probs, ctx, 0)
        costs[ctx, 1] = bit_cost(probs, ctx, 1)
