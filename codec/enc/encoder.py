"""Encoder API: RGB array -> bytes, every decision at one lambda."""
import math
import time
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np
from scipy.ndimage import uniform_filter

from ..common import container
from .arith_enc import (ST_OVERFLOW, bin_log, copy_buffer, copy_state, enc_finish, ensure_capacity,
                        new_encoder)
from .colour_enc import (bt601_transform, colour_transform, downsample420, rgb_sse, rgb_to_ycc,
                         sse_change)
from .config_enc import EncoderConfig
from ..common.constants import (COLOUR_GREY, COLOUR_YCC420, COLOUR_YCC444, FORMAT_VERSION,
                                LOG2_MAX_BLOCK, LOG2_MIN_BLOCK, MAX_DIM, NUM_QIDX, QSTEP_BASE,
                                QSTEP_PER_OCTAVE, SAMPLE_SHIFT)
from ..common.deblock import deblock_plane
from ..common.constants import MAX_DEBLOCK_LEVEL
from .image_enc import EFFORTS, encode_planes, new_scratch
from .edge_offset_enc import choose_edge_offset, edge_offset_off
from .restore_enc import choose_restore
from .syntax_enc import (BILL_SLOTS, bits_by_category, edge_offset_syntax, rates_syntax,
                         restore_syntax)
from .rates_enc import RATE_HEADER_BINS, Replay, code_with_rates, first_bin_counts
from ..common.restore import NUM_TAPS
from ..errors import ConfigError, InvalidImageError
from ..common.planes import (PlaneState, ctu_log2, new_plane_state, padded, plane_shapes,
                             planes_to_rgb)
from ..common.context_start import stream_contexts
from ..common.quant import qdelta_limits, weight_matrix

# lambda = LAMBDA_PER_STEP2 * wd * step**2 picks each plane's quantiser step
# (high-rate theory gives ~0.115; with RDOQ zeroing what does not pay and the
# restoration filter, a finer step measured best on the corpus: 0.08 vs 0.12
# gave +0.01 dB at 0.15 bpp and -1.0 % bpp at the transparent point).
LAMBDA_PER_STEP2 = 0.08
# with dependent quantisation the header step is the scale unit s: each
# quantiser's levels are 2s apart, their union s apart (6 corpus images,
# against no dependent quantisation at equal rate: 0.2 -0.7 %, 0.25 -1.9 %, 0.32 -2.5 %, 0.4 -2.5 %,
# 0.5 -1.7 % at lambda 16; 0.4: -0.2 % at lambda 362)
LAMBDA_PER_STEP2_DEPQ = 0.4
# room in the bin log (enc/rates_enc.py, 2 bytes per bin) per luma pixel; a
# stream with more bins keeps the default adaptation rates.  Corpus, chroma
# auto: 0.6-3.0 bins per pixel at lambda 22.6 (the most textured photos the
# most), 5.4 at lambda 4 on the most textured
LOG_BINS_PER_PIXEL = 4
CHROMA_420_WEIGHT = 4.0   # a 4:2:0 chroma sample error spreads over ~4 pixels
# --tune msssim: SSIM's contrast term divides an error by (local variance + C2),
# so a unit's distortion weight is ((var + C) / (typical var + C))^-AQ_STRENGTH
AQ_STRENGTH = 0.8         # 0.5 -> 0.8: +0.0005 mean MS-SSIM at 0.15 bpp
AQ_C = 58.5               # (0.03 * 255)^2, SSIM's C2 in 8-bit units
AQ_RANGE = 4.0            # weights clipped to [1/AQ_RANGE, AQ_RANGE]
QDELTA_STRENGTH = 1.0     # CTU step follows lambda / w (see _ctu_deltas); 0.75 and 1.25 measured
                          # within 0.1 % bits at MS-SSIM 0.993, 1.25 worse at 0.15 bpp


@dataclass(frozen=True)
class EncodeResult:
    data: bytes
    recon: np.ndarray      # what decode(data) returns
    lam: float
    colour: int
    sse: float             # squared error over all RGB values vs the input
    # ideal code length of the payload per "luma|chroma <category>" (see
    # syntax_enc.bits_by_category); header and coder flush not included
    bits: dict = field(default_factory=dict)
    # CPU seconds of the whole encode_image call per phase (every chroma
    # format tried included; tools/encode_profile.py)
    phase_seconds: dict = field(default_factory=dict)
    # with EncoderConfig.context_counts N: int64 (contexts, 2), the 0s and 1s
    # among each context's first N bins (None if the bin log ran out of room)
    context_counts: Optional[np.ndarray] = None

    @property
    def nbytes(self):
        return len(self.data)


class _PhaseClock:
    """CPU seconds per encoder phase: `with clock("luma pass"): ...`."""

    def __init__(self):
        self.seconds = {}

    @contextmanager
    def __call__(self, phase):
        t = time.process_time()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.process_time() - t


def as_rgb(image):
    """Validate an image array and return it as contiguous uint8 (h, w, 3)."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise InvalidImageError(f"expected uint8 samples, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] != 3:
        raise InvalidImageError(f"expected an (h, w, 3) RGB or (h, w) grey array, got shape {a.shape}")
    h, w = a.shape[:2]
    if not (1 <= h <= MAX_DIM and 1 <= w <= MAX_DIM):
        raise InvalidImageError(f"image size {w}x{h} outside 1..{MAX_DIM}")
    return np.ascontiguousarray(a)


def step_index_for(lam, wd, dep):
    """The quantiser step index of a plane whose squared error weighs wd
    (dep: dependent quantisation): lambda = LAMBDA_PER_STEP2[_DEPQ] * wd * step**2."""
    step = math.sqrt(lam / ((LAMBDA_PER_STEP2_DEPQ if dep else LAMBDA_PER_STEP2) * wd))
    q = round(QSTEP_PER_OCTAVE * math.log2(max(step, 1e-9) / QSTEP_BASE))
    return int(min(max(q, 0), NUM_QIDX - 1))


def aq_weights(y, tune):
    """Distortion weight per 4x4 unit of the padded luma plane y (internal units)."""
    hu, wu = y.shape[0] >> LOG2_MIN_BLOCK, y.shape[1] >> LOG2_MIN_BLOCK
    if tune != "msssim":
        return np.ones((hu, wu))
    v = y.reshape(hu, 4, wu, 4) / float(1 << SAMPLE_SHIFT)
    # local statistics over 3x3 units (12x12 pixels)
    m1 = uniform_filter(v.mean(axis=(1, 3)), 3, mode="nearest")
    m2 = uniform_filter((v * v).mean(axis=(1, 3)), 3, mode="nearest")
    act = np.log(np.maximum(m2 - m1 * m1, 0.0) + AQ_C)
    w = np.exp(-AQ_STRENGTH * (act - act.mean()))
    return np.clip(w, 1.0 / AQ_RANGE, AQ_RANGE)


def _plane_aq(aq, colour, p, shape):
    """The luma unit map for plane p (averaged 2x2 for 4:2:0 chroma)."""
    if colour == COLOUR_YCC420 and p:
        hu, wu = shape[0] >> LOG2_MIN_BLOCK, shape[1] >> LOG2_MIN_BLOCK
        a = np.pad(aq, ((0, max(0, 2 * hu - aq.shape[0])), (0, max(0, 2 * wu - aq.shape[1]))),
                   mode="edge")[:2 * hu, :2 * wu]
        return np.ascontiguousarray(a.reshape(hu, 2, wu, 2).mean(axis=(1, 3)))
    return aq


def _ctu_deltas(aq, qdelta_range):
    """Quantiser delta per luma CTU from the unit distortion weights: a CTU
    whose errors weigh w times more sees lambda / w, and the step that goes
    with lambda / w is step / sqrt(w), i.e. qdelta = -8 log2(w) (16 per octave),
    w the geometric mean over the CTU.  Kept inside qdelta_range (lo, hi)."""
    hu, wu = aq.shape
    cu = 1 << (LOG2_MAX_BLOCK - LOG2_MIN_BLOCK)
    rows, cols = -(-hu // cu), -(-wu // cu)
    if np.all(aq == 1.0):
        return np.zeros((rows, cols), np.int64)
    pad = np.pad(np.log2(aq), ((0, rows * cu - hu), (0, cols * cu - wu)), mode="edge")
    mean = pad.reshape(rows, cu, cols, cu).mean(axis=(1, 3))
    qdelta = np.rint(-QDELTA_STRENGTH * (QSTEP_PER_OCTAVE / 2) * mean)
    return np.clip(qdelta, qdelta_range[0], qdelta_range[1]).astype(np.int64)


def _qdelta_range(qidx, lam, dep, rgbw):
    """(lo, hi) int64[2]: the CTU deltas that keep every plane's step index on
    the table in both chroma formats (the luma pass is shared by both)."""
    qs = [qidx] + [step_index_for(lam, plane_weight(c, p, rgbw), dep)
                   for c in (COLOUR_YCC444, COLOUR_YCC420) for p in (1, 2)]
    return np.array(qdelta_limits(np.array(qs, np.int64), len(qs)), np.int64)


def _pad(plane):
    hp, wp = padded(plane.shape)
    return np.pad(plane, ((0, hp - plane.shape[0]), (0, wp - plane.shape[1])), mode="edge")


def plane_weight(colour, p, rgbw):
    """Internal-unit squared error of plane p -> RGB squared error (8-bit
    units); rgbw: the colour transform's weight of a unit error per plane."""
    return rgbw[p] / 256.0 * (CHROMA_420_WEIGHT if colour == COLOUR_YCC420 and p else 1.0)


def _run_group(orgs, state, p_first, p_last, colour, quant, lam, wds, aqs, probs, st, buf, cfg):
    """Code one plane group, growing the coder buffer if needed; returns (st, buf, probs,
    the CTU deltas coded).  quant: (frequency weights, base step indices int64[3], CTU
    deltas, their limits int64[2], deltas coded, dependent quantisation)."""
    wmat, qbase, qdelta_map, qdelta_range, qdelta_on, dep = quant
    while True:
        st2, probs2 = copy_state(st), probs.copy()
        coded = qdelta_map.copy()       # the luma group's delta search writes its choice here
        encode_planes(tuple(orgs), *state, p_first, p_last, ctu_log2(colour), wmat, qbase, coded,
                      qdelta_range, qdelta_on, dep, lam, wds, tuple(aqs), probs2, st2, buf,
                      new_scratch(cfg.effort, cfg.binary_split))
        if st2[ST_OVERFLOW] == 0:
            return st2, buf, probs2, coded
        buf = ensure_capacity(st, buf, 2 * buf.shape[0])      # at least twice the room


# What the luma pass leaves for the chroma passes: the plane, its unit
# weights and plane weight, the quantiser setup (shared by every chroma
# format: the CTU deltas are coded in the luma group), the coder and plane
# state after luma, and the final luma (deblocked, restored) with its filter
# parameters.
LumaPass = namedtuple("LumaPass", ["org", "aq", "wd", "dep", "qidx", "wmat", "qdelta_map",
                                   "qdelta_on", "state", "probs", "st", "buf", "deblock", "rec",
                                   "restore", "edge", "replay"])


def _code_luma(ycc, rgbw, lam, cfg, clock):
    """Code the luma group.  Luma is coded first and identically for every
    chroma format, so the format decision only re-codes chroma from a
    snapshot of the coder (the LumaPass)."""
    org = ycc[0]
    aq = aq_weights(org, cfg.tune)
    wd = plane_weight(COLOUR_YCC444, 0, rgbw)
    dep = cfg.dependent
    qidx = step_index_for(lam, wd, dep)
    hp, wp = org.shape
    wmat = weight_matrix(cfg.slope)
    qdelta_range = _qdelta_range(qidx, lam, dep, rgbw)
    qdelta_map = _ctu_deltas(aq, qdelta_range)
    # with a delta search the deltas are coded even where the unit weights are flat
    qdelta_on = bool(qdelta_map.any()) or EFFORTS[cfg.effort].qdelta_tries > 0
    state = new_plane_state([(hp, wp)])
    st, buf = new_encoder(2 * hp * wp + (1 << 16), BILL_SLOTS,
                          log_capacity=LOG_BINS_PER_PIXEL * hp * wp + (1 << 16))
    # the default rates first: a valid stream even if the bin log runs out of room
    rates_syntax(None, st, buf)
    quant = (wmat, np.array([qidx, 0, 0], np.int64), qdelta_map, qdelta_range, qdelta_on, dep)
    with clock("luma pass"):
        st, buf, probs, qdelta_map = _run_group(
            [org, np.zeros((4, 4)), np.zeros((4, 4))], state, 0, 1, COLOUR_YCC444, quant, lam,
            np.array([wd, 0.0, 0.0]), [aq, aq, aq], stream_contexts(), st, buf, cfg)
    log = bin_log(st)
    replay = None
    if log is not None:
        with clock("adaptation rates"):
            replay = (Replay().add(log[RATE_HEADER_BINS:]), log.shape[0])
    rec, smap, qmap = state.recs[0], state.smaps[0], state.qmaps[0]
    deblock = 0
    if cfg.deblock:
        with clock("deblocking-level choice"):
            deblock = _choose_deblock_level([org], [rec], [smap], [qmap], [wd], dep)
    # the final luma (deblocked, restored) is the same for every chroma format
    final = rec.copy()
    with clock("deblocking"):
        deblock_plane(final, smap, qmap, deblock, dep)
    ctu = 1 << int(ctu_log2(COLOUR_YCC444)[0])
    with clock("restoration fit"):
        restore = _restore_plane(org, final, ctu, wd, lam, dep, cfg)
    with clock("edge offsets"):
        edge = _edge_offset_plane(org, final, ctu, wd, lam, cfg)
    return LumaPass(org, aq, wd, dep, qidx, wmat, qdelta_map, qdelta_on, state, probs, st, buf,
                    deblock, final, restore, edge, replay)


def _encode_colour(rgb, ycc, ct, colour, lam, cfg, luma, clock):
    h, w = rgb.shape[:2]
    # ycc planes arrive padded for full-resolution coding
    if colour == COLOUR_GREY:
        orgs = [ycc[0]]
    elif colour == COLOUR_YCC420:
        with clock("4:2:0 downsampling"):
            orgs = [ycc[0]] + [np.ascontiguousarray(_pad(downsample420(c[:h, :w])))
                               for c in ycc[1:]]
    else:
        orgs = list(ycc)
    nplanes = len(orgs)
    wds = np.array([plane_weight(colour, p, ct.weights) if p < nplanes else 0.0
                    for p in range(3)])
    qidx = [luma.qidx] + [step_index_for(lam, wds[p], luma.dep) if p < nplanes else 0
                          for p in (1, 2)]
    quant = (luma.wmat, np.array(qidx, np.int64), luma.qdelta_map, np.zeros(2, np.int64),
             luma.qdelta_on, luma.dep)
    while len(orgs) < 3:
        orgs.append(np.zeros((4, 4)))
    shapes = plane_shapes(w, h, colour)
    # plane 0 state comes from the luma pass (shared, read-only from here on)
    chroma = new_plane_state(shapes)
    state = PlaneState(*((lum[0],) + tuple(ch[1:]) for lum, ch in zip(luma.state, chroma)))
    st, buf, probs = luma.st, copy_buffer(luma.st, luma.buf), luma.probs
    if nplanes > 1:
        buf = ensure_capacity(st, buf, 2 * sum(a * b for a, b in shapes[1:]) + (1 << 16))
        aqs = [_plane_aq(luma.aq, colour, p, orgs[p].shape) for p in range(3)]
        with clock("chroma pass"):
            st, buf, probs, _ = _run_group(orgs, state, 1, nplanes, colour, quant, lam, wds,
                                           aqs, probs, st, buf, cfg)
    recs = [luma.rec.copy() if p == 0 else state.recs[p] for p in range(3)]
    smaps, qmaps = state.smaps, state.qmaps
    levels = [luma.deblock, 0]
    if cfg.deblock and nplanes > 1:
        with clock("deblocking-level choice"):
            levels[1] = _choose_deblock_level(orgs[1:nplanes], recs[1:nplanes], smaps[1:nplanes],
                                              qmaps[1:nplanes], wds[1:nplanes], luma.dep)
    restores = [luma.restore]
    edges = [luma.edge]
    ctus = ctu_log2(colour)
    for p in range(1, nplanes):
        with clock("deblocking"):
            deblock_plane(recs[p], smaps[p], qmaps[p], levels[1], luma.dep)
        with clock("restoration fit"):
            restores.append(_restore_plane(orgs[p], recs[p], 1 << int(ctus[p]), wds[p], lam,
                                           luma.dep, cfg))
        with clock("edge offsets"):
            edges.append(_edge_offset_plane(orgs[p], recs[p], 1 << int(ctus[p]), wds[p], lam, cfg))
    # the post filters' parameters close the payload (the decoder needs every plane first)
    st = copy_state(st)
    buf = ensure_capacity(st, buf, sum(64 + 2 * f.size for _, _, f in restores) + 256)
    for p, ((on, coefs, flags), edge) in enumerate(zip(restores, edges)):
        restore_syntax(on, coefs, flags, 0 if p == 0 else 1, probs, st, buf)
        edge_offset_syntax(*edge, 0 if p == 0 else 1, probs, st, buf)
    log = bin_log(st)
    counts = None
    if log is not None and cfg.context_counts:
        counts = first_bin_counts(log[RATE_HEADER_BINS:], cfg.context_counts)
    if log is not None and luma.replay is not None:
        # the luma bins were replayed once (LumaPass); the chroma and
        # restoration bins of this format continue from a copy
        with clock("adaptation rates"):
            replay, n_luma = luma.replay
            rates = replay.copy().add(log[n_luma:]).choose()
            if rates is not None:
                st, buf = code_with_rates(log[RATE_HEADER_BINS:], rates, BILL_SLOTS,
                                          buf.shape[0] + 64)
    bits = bits_by_category(st)
    n = int(enc_finish(st, buf))
    if st[ST_OVERFLOW] != 0:
        raise RuntimeError("arithmetic coder invariant broken (carry into the first byte)")
    payload = bytes(buf[:n])
    header = container.make_header(
        ct.cm, version=FORMAT_VERSION, width=w, height=h, colour=colour,
        qidx_y=qidx[0], qidx_cb=qidx[1], qidx_cr=qidx[2], weight_slope=cfg.slope,
        deblock_y=levels[0], deblock_c=levels[1], delta_q=int(luma.qdelta_on),
        dep_quant=int(luma.dep), payload_len=len(payload))
    data = container.pack(header, payload)
    with clock("YCbCr -> RGB"):
        recon = planes_to_rgb(recs, w, h, colour, ct.cm)
    sse = rgb_sse(recon, rgb)
    return EncodeResult(data, recon, lam, colour, sse, bits, context_counts=counts)


def _restore_plane(org, rec, ctu, wd, lam, dep, cfg):
    """Fit and decide one plane's restoration filter, and apply it to rec."""
    if not cfg.restore:
        return 0, np.zeros(NUM_TAPS, np.int64), np.zeros((1, 1), np.uint8)
    effort = EFFORTS[cfg.effort]
    rounds = effort.restore_fits_depq if dep else effort.restore_fits
    on, coefs, flags, restored = choose_restore(org, rec, ctu, wd, lam, rounds)
    if on:
        rec[:] = restored
    return on, coefs, flags


def _edge_offset_plane(org, rec, ctu, wd, lam, cfg):
    """Choose one plane's edge offsets and apply them to rec: (on, mags, mask, choice)."""
    if not cfg.edge_offset:
        return edge_offset_off(rec.shape, ctu)
    return choose_edge_offset(org, rec, ctu, wd, lam)


def _choose_deblock_level(orgs, recs, smaps, qmaps, wds, dep):
    """The deblocking level (shared by the given planes) with the least
    weighted squared error against the (padded) source planes.  The error is
    unimodal in the level (every plane of the corpus at lambda 362 and 22.6),
    so the scan stops at the first level that does worse than the one before."""
    best = (0.0, 0)
    prev = 0.0
    for level in range(1, MAX_DEBLOCK_LEVEL + 1):
        err = 0.0      # squared error change against no deblocking
        for org, rec, smap, qmap, wd in zip(orgs, recs, smaps, qmaps, wds):
            trial = rec.copy()
            deblock_plane(trial, smap, qmap, level, dep)
            err += wd * sse_change(org, rec, trial)
        if err < best[0]:
            best = (err, level)
        if err > prev:
            break
        prev = err
    return best[1]


def encode_image(image, config=None):
    """Encode an RGB (or grey) uint8 array; returns an EncodeResult."""
    cfg = config or EncoderConfig()
    rgb = as_rgb(image)
    lam = cfg.lam_value
    grey = bool((rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all())
    clock = _PhaseClock()
    with clock("RGB -> YCbCr"):
        ct = bt601_transform() if grey or cfg.colour_transform == "bt601" else \
            colour_transform(rgb)
        ycc = rgb_to_ycc(rgb, ct, padded(rgb.shape[:2]))
    if grey:
        modes = [COLOUR_GREY]
    elif cfg.chroma == "420":
        modes = [COLOUR_YCC420]
    elif cfg.chroma == "444":
        modes = [COLOUR_YCC444]
    else:
        modes = [COLOUR_YCC420, COLOUR_YCC444]
    luma = _code_luma(ycc, ct.weights, lam, cfg, clock)
    best = None
    for colour in modes:
        r = _encode_colour(rgb, ycc, ct, colour, lam, cfg, luma, clock)
        if best is None or r.sse + lam * 8 * r.nbytes < best.sse + lam * 8 * best.nbytes:
            best = r
    return replace(best, phase_seconds=dict(clock.seconds))


def encode(image, *, lam=None, quality=None, bpp=None, nbytes=None, config=None):
    """Encode an image array to bytes.  Give lam, quality or a full
    EncoderConfig; or a size: nbytes (the file's bytes) or bpp (8 * bytes /
    pixels), for the best file that fits (encode_to_size), with the other
    settings from config."""
    if bpp is not None or nbytes is not None:
        if lam is not None or quality is not None or (bpp is not None and nbytes is not None):
            raise TypeError("give one of lam, quality, bpp and nbytes")
        if bpp is not None:
            h, w = as_rgb(image).shape[:2]
            if not (math.isfinite(bpp) and bpp > 0):
                raise ConfigError(f"bpp={bpp} must be positive")
            nbytes = math.ceil(h * w * bpp / 8)       # as the low-rate track counts a budget
        return encode_to_size(image, nbytes, config).data
    if config is None:
        config = EncoderConfig(lam=lam, quality=quality)
    elif lam is not None or quality is not None:
        raise TypeError("give either config or lam/quality")
    return encode_image(image, config).data


def encode_to_size(image, nbytes, config=None):
    """The EncodeResult of the best file of `image` not larger than nbytes:
    the low-rate track's search over lambda (sets/allocate.search_lowrate) on
    a set of one, so the same file as `encode.py IMAGE OUT --track lowrate
    --bytes N`.  Best = least squared error, or with config.tune "msssim"
    the highest MS-SSIM.  config's other settings apply (its lam or quality
    must be unset).  Raises ConfigError if even the coarsest file is larger."""
    from ..sets.allocate import Point, search_lowrate
    from ..sets.metrics import ms_ssim
    cfg = config or EncoderConfig()
    if cfg.lam is not None or cfg.quality is not None:
        raise TypeError("a size target sets lambda: give a config without lam or quality")
    if not (isinstance(nbytes, int) and nbytes > 0):
        raise ConfigError(f"nbytes={nbytes!r} must be a positive integer")
    rgb = as_rgb(image)
    msssim = cfg.tune == "msssim"
    results = {}

    def evaluate(reqs):
        nonlocal cfg
        points = []
        for _, lam in reqs:
            r = encode_image(rgb, replace(cfg, lam=lam))
            if cfg.chroma == "auto" and r.colour != COLOUR_GREY:
                # the chroma format is decided once, at the first lambda (as encode.py does)
                cfg = replace(cfg, chroma="444" if r.colour == COLOUR_YCC444 else "420")
            results[lam] = r
            points.append(Point(lam, r.nbytes, r.sse,
                                ms_ssim(rgb, r.recon) if msssim else float("nan")))
        return points

    res = search_lowrate(evaluate, 1, nbytes, objective="msssim" if msssim else "sse")
    if res.choice is None:
        smallest = min(r.nbytes for r in results.values())
        raise ConfigError(f"{nbytes} bytes is below the smallest file of this image "
                          f"({smallest} bytes)")
    return results[res.chosen()[0].lam]
