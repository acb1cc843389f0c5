"""Encoder API: RGB array -> bytes, every decision at one lambda."""
import math
from dataclasses import dataclass

import numpy as np

from . import container
from .arith_enc import ST_OVERFLOW, enc_finish, new_encoder
from .colour import RGB_WEIGHTS, downsample420, rgb_sse, rgb_to_ycc, weighted_sse
from .config import EncoderConfig
from .constants import (COLOUR_GREY, COLOUR_YCC420, COLOUR_YCC444, FORMAT_VERSION, MAX_DIM,
                        NUM_QIDX, QSTEP_BASE, QSTEP_PER_OCTAVE)
from .contexts import NUM_CTX
from .deblock import deblock_plane
from .constants import MAX_DEBLOCK_LEVEL
from .enc_image import encode_planes, new_scratch
from .errors import InvalidImageError
from .planes import ctu_log2, new_plane_state, padded, plane_shapes, planes_to_rgb
from .probmodel import new_contexts
from .quant import QSTEP, scale_matrix

# lambda = LAMBDA_PER_STEP2 * wd * step**2 picks each plane's quantiser step
# (high-rate theory gives ~0.115; RDOQ makes a slightly coarser step pay).
LAMBDA_PER_STEP2 = 0.12
CHROMA_420_WEIGHT = 4.0   # a 4:2:0 chroma sample error spreads over ~4 pixels


@dataclass(frozen=True)
class EncodeResult:
    data: bytes
    recon: np.ndarray      # what decode(data) returns
    lam: float
    colour: int
    sse: float             # squared error over all RGB values vs the input

    @property
    def nbytes(self):
        return len(self.data)


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


def _qidx_for(lam, wd):
    step = math.sqrt(lam / (LAMBDA_PER_STEP2 * wd))
    q = round(QSTEP_PER_OCTAVE * math.log2(max(step, 1e-9) / QSTEP_BASE))
    return int(min(max(q, 0), NUM_QIDX - 1))


def _pad(plane):
    hp, wp = padded(plane.shape)
    return np.pad(plane, ((0, hp - plane.shape[0]), (0, wp - plane.shape[1])), mode="edge")


def _encode_colour(rgb, ycc, colour, lam, cfg):
    h, w = rgb.shape[:2]
    # ycc planes arrive padded for full-resolution coding
    if colour == COLOUR_GREY:
        orgs = [ycc[0]]
    elif colour == COLOUR_YCC420:
        orgs = [ycc[0]] + [np.ascontiguousarray(_pad(downsample420(c[:h, :w]))) for c in ycc[1:]]
    else:
        orgs = list(ycc)
    nplanes = len(orgs)
    wds = np.zeros(3)
    for p in range(nplanes):
        wds[p] = RGB_WEIGHTS[p] / 256.0 * (CHROMA_420_WEIGHT if colour == COLOUR_YCC420 and p else 1.0)
    qidx = [_qidx_for(lam, wds[p]) if p < nplanes else 0 for p in range(3)]
    scales = np.stack([scale_matrix(q, cfg.weight_slope) for q in qidx])
    while len(orgs) < 3:
        orgs.append(np.zeros((4, 4)))
    shapes = plane_shapes(w, h, colour)
    capacity = 2 * sum(a * b for a, b in shapes) + (1 << 16)
    while True:
        state = new_plane_state(shapes)
        probs = new_contexts(NUM_CTX)
        st, buf = new_encoder(capacity)
        encode_planes(tuple(orgs), *state, nplanes, ctu_log2(colour), scales, lam, wds, probs, st,
                      buf, new_scratch())
        n = int(enc_finish(st, buf))
        if st[ST_OVERFLOW] == 0:
            break
        if st[ST_OVERFLOW] != 1:
            raise RuntimeError("arithmetic coder invariant broken (carry into the first byte)")
        capacity = n + (1 << 16)
    recs = state[0]
    smaps = state[2]
    levels = [0, 0]
    if cfg.deblock:
        levels = _choose_deblock(orgs, recs, smaps, nplanes, qidx, wds)
    for p in range(nplanes):
        deblock_plane(recs[p], smaps[p], QSTEP[qidx[p]], levels[0 if p == 0 else 1])
    payload = bytes(buf[:n])
    header = container.Header(
        version=FORMAT_VERSION, width=w, height=h, colour=colour,
        qidx_y=qidx[0], qidx_cb=qidx[1], qidx_cr=qidx[2], weight_slope=cfg.weight_slope,
        deblock_y=levels[0], deblock_c=levels[1], payload_len=len(payload))
    data = container.pack(header, payload)
    recon = planes_to_rgb(recs, w, h, colour)
    sse = rgb_sse(recon, rgb)
    return EncodeResult(data, recon, lam, colour, sse)


def _choose_deblock(orgs, recs, smaps, nplanes, qidx, wds):
    """Deblocking level per plane type (luma; both chromas share one) with
    the least weighted squared error against the (padded) source planes."""
    levels = [0, 0]
    for kind, planes in ((0, [0]), (1, [1, 2])):
        planes = [p for p in planes if p < nplanes]
        if not planes:
            continue
        best = None
        for level in range(MAX_DEBLOCK_LEVEL + 1):
            err = 0.0
            for p in planes:
                trial = recs[p].copy()
                deblock_plane(trial, smaps[p], QSTEP[qidx[p]], level)
                err += wds[p] * weighted_sse(orgs[p], trial, trial.shape[0], trial.shape[1])
            if best is None or err < best[0]:
                best = (err, level)
        levels[kind] = best[1]
    return levels


def encode_image(image, config=None):
    """Encode an RGB (or grey) uint8 array; returns an EncodeResult."""
    cfg = config or EncoderConfig()
    rgb = as_rgb(image)
    lam = cfg.lam_value
    grey = bool((rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all())
    ycc = rgb_to_ycc(rgb, padded(rgb.shape[:2]))
    if grey:
        modes = [COLOUR_GREY]
    elif cfg.chroma == "420":
        modes = [COLOUR_YCC420]
    elif cfg.chroma == "444":
        modes = [COLOUR_YCC444]
    else:
        modes = [COLOUR_YCC420, COLOUR_YCC444]
    best = None
    for colour in modes:
        r = _encode_colour(rgb, ycc, colour, lam, cfg)
        if best is None or r.sse + lam * 8 * r.nbytes < best.sse + lam * 8 * best.nbytes:
            best = r
    return best


def encode(image, *, lam=None, quality=None, config=None):
    """Encode an image array to bytes.  Give lam, quality or a full EncoderConfig."""
    if config is None:
        config = EncoderConfig(lam=lam, quality=quality)
    elif lam is not None or quality is not None:
        raise TypeError("give either config or lam/quality")
    return encode_image(image, config).data
