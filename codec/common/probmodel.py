"""Adaptive binary probability model shared by the arithmetic encoder and decoder.

Each context holds two 15-bit estimates of P(bit = 1): a fast one (adaptation
shift 4, ~16-symbol memory) that learns quickly from a cold start, and a slow
one (shift 7, ~128 symbols) that is precise once the statistics settle.  The
coder uses their mean.  With these shifts the mean stays inside
[71, 32697] / 32768, so neither symbol ever gets a zero-width interval.

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

# Cost in bits of coding a symbol whose probability is p/32768, indexed by p >> 3.
COST_SHIFT = 3
_n = PROB_ONE >> COST_SHIFT
COST_TABLE = np.array(
    [-math.log2(max(i + 0.5, 0.5) / _n) for i in range(_n)], dtype=np.float64)


def new_contexts(n):
    """n fresh contexts at P(1) = 1/2: int32 array of shape (n, 2) = (fast, slow)."""
    return np.full((n, 2), PROB_HALF, dtype=np.int32)


@inline_kernel
def p_one(probs, ctx):
    """The coder's P(bit = 1) of a context, in 1/PROB_ONE: the mean of its two estimates."""
    return (probs[ctx, 0] + probs[ctx, 1]) >> 1


@kernel
def update(probs, ctx, bit):
    if bit:
        probs[ctx, 0] += (PROB_ONE - probs[ctx, 0]) >> RATE_FAST
        probs[ctx, 1] += (PROB_ONE - probs[ctx, 1]) >> RATE_SLOW
    else:
        probs[ctx, 0] -= probs[ctx, 0] >> RATE_FAST
        probs[ctx, 1] -= probs[ctx, 1] >> RATE_SLOW


@inline_kernel
def bit_cost(probs, ctx, bit):
    """Estimated bits to code `bit` in context `ctx` (state not changed)."""
    p1 = p_one(probs, ctx)
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
