"""Decoder API: bytes -> RGB array.  Deterministic and bit-exact."""
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..common import container
from .arith_dec import dec_failed, dec_used, new_decoder
from .config_dec import DecoderConfig
from ..common.contexts import CTX_GROUP, TEMPLATE_REACH
from ..common.deblock import deblock_plane
from ..common.constants import EO_CLASSES, EO_DIRS
from ..common.edge_offset import apply_edge_offset, offset_table
from .image_dec import decode_planes
from .syntax_dec import dec_edge_offset, dec_rates, dec_restore
from ..errors import CorruptStreamError
from ..common.planes import ctu_log2, new_plane_state, plane_shapes, planes_to_rgb
from ..common.context_start import stream_contexts
from ..common.probmodel import set_rates
from ..common.quant import weight_matrix
from ..common.recon import new_recon_scratch
from ..common.restore import NUM_TAPS, apply_restore


# "restore" is the restoration filter and the edge offsets; with
# DecoderConfig(threads > 1), deblocking and both post filters are one stage
STAGES = ("setup", "ctu_loop", "filter_params", "deblock", "restore", "filters_threaded", "colour")


class _Clock:
    """Adds the seconds since the last call to a stage of `into` (a dict), if given."""

    def __init__(self, into):
        self.into = into
        self.t = time.perf_counter() if into is not None else 0.0

    def __call__(self, stage):
        if self.into is not None:
            t = time.perf_counter()
            self.into[stage] = self.into.get(stage, 0.0) + t - self.t
            self.t = t


def decode(data, *, config=None, timings=None):
    """Decode a stream; returns uint8 (height, width, 3).  Raises CorruptStreamError
    (or a subclass) for anything that is not a valid stream.  timings: a dict
    to which the seconds of each of STAGES are added (tools/decode_profile.py)."""
    cfg = config or DecoderConfig()
    clock = _Clock(timings)
    h, payload = container.parse(data, max_pixels=cfg.max_pixels)
    shapes = plane_shapes(h.width, h.height, h.colour)
    state = new_plane_state(shapes, level_masks=True)
    qbase = np.array([h.qidx_y, h.qidx_cb, h.qidx_cr], np.int64)
    probs = stream_contexts()
    st, buf = new_decoder(payload)
    set_rates(probs, CTX_GROUP, dec_rates(st, buf))
    clock("setup")
    ok = decode_planes(*state, len(shapes), ctu_log2(h.colour), weight_matrix(h.weight_slope),
                       qbase, h.delta_q == 1, h.dep_quant == 1, probs, st, buf,
                       new_recon_scratch(lv_pad=TEMPLATE_REACH))
    clock("ctu_loop")
    ctus = ctu_log2(h.colour)
    restores = []
    for p in range(len(shapes)):
        if not ok:
            break
        ph, pw = state.recs[p].shape
        ctu = 1 << int(ctus[p])
        coefs = np.zeros(NUM_TAPS, np.int64)
        flags = np.zeros((-(-ph // ctu), -(-pw // ctu)), np.uint8)
        on = dec_restore(0 if p == 0 else 1, coefs, flags, probs, st, buf)
        mags = np.zeros((EO_DIRS, EO_CLASSES), np.int64)
        choice = np.zeros(flags.shape, np.uint8)
        eo = dec_edge_offset(0 if p == 0 else 1, mags, choice, probs, st, buf)
        restores.append((on, coefs, flags, ctu, eo, mags, choice))
        ok = not dec_failed(st)
    if not ok:
        raise CorruptStreamError("coded data is inconsistent (syntax error or read past the end)")
    used, length, exact = dec_used(st)
    if not exact:
        raise CorruptStreamError(f"coded data length mismatch (used {used} of {length} bytes)")
    clock("filter_params")
    recs = state.recs

    def deblock(p):
        deblock_plane(recs[p], state.smaps[p], state.qmaps[p],
                      h.deblock_y if p == 0 else h.deblock_c, h.dep_quant == 1)

    def restore(p):
        on, coefs, flags, ctu, eo, mags, choice = restores[p]
        if on:
            apply_restore(recs[p], coefs, flags, ctu)
        if eo:
            apply_edge_offset(recs[p], offset_table(mags), choice, ctu)

    if cfg.threads == 1 or len(restores) == 1:
        for p in range(len(restores)):
            deblock(p)
            clock("deblock")
            restore(p)
            clock("restore")
        return _colour(recs, h, None, clock)
    pool = _thread_pool(cfg.threads)
    # a plane per thread: the luma plane on one, the chroma planes after each
    # other on another (planes are filtered independently)
    list(pool.map(lambda ps: [(deblock(p), restore(p)) for p in ps],
                  [(0,), tuple(range(1, len(restores)))]))
    clock("filters_threaded")

    def bands(f, height):
        step = -(-height // cfg.threads)
        list(pool.map(lambda r0: f(r0, min(height, r0 + step)), range(0, height, step)))
    return _colour(recs, h, bands, clock)


_POOLS = {}
_POOLS_LOCK = threading.Lock()


def _thread_pool(n):
    """A pool of n threads kept for the process's later decodes (making one
    per decode cost 1-2 ms, as much as the threads save on a 2 MP image);
    keyed by process id too, since a forked child inherits the dict but not
    the threads."""
    key = (os.getpid(), n)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = ThreadPoolExecutor(n)
        return _POOLS[key]


def _colour(recs, h, run_bands, clock):
    rgb = planes_to_rgb(recs, h.width, h.height, h.colour, container.colour_matrix(h),
                        run_bands)
    clock("colour")
    return rgb
