"""The context groups' adaptation rates (format v5), the encoder's side.

The search codes the payload with the default shifts (4, 7) everywhere and
logs every bin (arith_enc's bin log).  Each context evolves on its own bins
only, so the code length of a group under another shift pair is exact from
a replay of its contexts' logged bits; the encoder keeps, per group, the
pair with the shortest replayed code length (the default on ties), and
codes the logged bins again with those pairs behind the rate indices.  The
symbols are the same, so the reconstruction is too; only the payload
changes.  (The search priced its decisions with the default rates: it does
not know the choice it leads to.)
"""
import numpy as np

from .arith_enc import LOG_BYPASS, enc_bit, enc_bypass, enc_bypass_slot, new_encoder
from .syntax_enc import rates_syntax
from ..common.contexts import CTX_GROUP, NUM_CTX, NUM_RATE_GROUPS
from ..common.context_start import CTX_START, stream_contexts
from ..common.probmodel import (DEFAULT_RATE_INDEX, FAST_SHIFTS, RATE_INDEX_BITS, RATE_PAIRS,
                                SLOW_SHIFTS, adapt, set_rates, symbol_cost)
from ..jit import kernel


RATE_HEADER_BINS = 1       # the first pass's "default rates" flag, first in the log
# the indices cost this much more than the flag alone
_INDEX_BITS = NUM_RATE_GROUPS * RATE_INDEX_BITS


class Replay:
    """Code lengths of logged bins under every shift pair, continued bin by
    bin: per (group, pair) the bits so far, per context the fast estimate
    of every fast shift and the slow estimate of every slow shift (a pair's
    two estimates evolve independently, so 4 + 4 updates serve the 16
    pairs).  The luma pass's bins are replayed once; each chroma format
    continues from a copy (contexts evolve on their own bins only)."""

    def __init__(self):
        self.costs = np.zeros((NUM_RATE_GROUPS, RATE_PAIRS.shape[0]))
        start = CTX_START.astype(np.int64)[:, None]
        self.fast = np.repeat(start, FAST_SHIFTS.shape[0], axis=1)
        self.slow = np.repeat(start, SLOW_SHIFTS.shape[0], axis=1)

    def copy(self):
        r = Replay.__new__(Replay)
        r.costs, r.fast, r.slow = self.costs.copy(), self.fast.copy(), self.slow.copy()
        return r

    def add(self, log):
        """Replay more logged bins (bypass entries are skipped)."""
        _replay(log, CTX_GROUP, FAST_SHIFTS, SLOW_SHIFTS, self.costs, self.fast, self.slow)
        return self

    def choose(self):
        """The rate index of every context group (int64 NUM_RATE_GROUPS): the
        cheapest replay per group (the default index unless another saves a
        bit); None (keep the default everywhere, send only the flag) unless
        the choice saves more than the indices cost."""
        best = np.full(NUM_RATE_GROUPS, DEFAULT_RATE_INDEX, np.int64)
        saved = 0.0
        for g in range(NUM_RATE_GROUPS):
            k = int(np.argmin(self.costs[g]))
            if self.costs[g, k] < self.costs[g, DEFAULT_RATE_INDEX] - 1.0:
                best[g] = k
                saved += self.costs[g, DEFAULT_RATE_INDEX] - self.costs[g, k]
        return best if saved > _INDEX_BITS else None


@kernel
def _replay(log, groups, fast_shifts, slow_shifts, costs, fast, slow):
    nf = fast_shifts.shape[0]
    ns = slow_shifts.shape[0]
    for i in range(log.shape[0]):
        v = log[i]
        if v & LOG_BYPASS:
            continue
        ctx = v >> 1
        bit = v & 1
        g = groups[ctx]
        for a in range(nf):                     # pair index a * ns + b (RATE_PAIRS)
            for b in range(ns):
                costs[g, a * ns + b] += symbol_cost((fast[ctx, a] + slow[ctx, b]) >> 1, bit)
        for a in range(nf):
            fast[ctx, a] = adapt(fast[ctx, a], fast_shifts[a], bit)
        for b in range(ns):
            slow[ctx, b] = adapt(slow[ctx, b], slow_shifts[b], bit)


@kernel
def _recode(log, probs, st, buf):
    for i in range(log.shape[0]):
        v = log[i]
        if v & LOG_BYPASS:
            enc_bypass_slot(st, (v ^ LOG_BYPASS) >> 1)
            enc_bypass(st, buf, v & 1)
        else:
            enc_bit(st, buf, probs, v >> 1, v & 1)


def first_bin_counts(log, first):
    """int64 (NUM_CTX, 2): how many of each context's first `first` logged
    bins were 0 and 1 (the training statistic of the start table,
    tools/train_context_start.py)."""
    counts = np.zeros((NUM_CTX, 2), np.int64)
    _count_first(log, first, counts)
    return counts


@kernel
def _count_first(log, first, counts):
    for i in range(log.shape[0]):
        v = log[i]
        if v & LOG_BYPASS:
            continue
        ctx = v >> 1
        if counts[ctx, 0] + counts[ctx, 1] < first:
            counts[ctx, v & 1] += 1


def code_with_rates(log, rates, slots, capacity):
    """A new coder (st, buf) holding the rate indices, then the logged bins
    coded with those rates; its accounting has the same slots as the coder
    that logged them."""
    st, buf = new_encoder(capacity, slots)
    rates_syntax(rates, st, buf)
    probs = stream_contexts()
    set_rates(probs, CTX_GROUP, rates)
    _recode(log, probs, st, buf)
    return st, buf
