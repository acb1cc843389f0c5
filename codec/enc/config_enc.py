"""The encoder's public knobs, validated once at the library boundary."""
import math
from dataclasses import dataclass
from typing import Optional

from ..errors import ConfigError
from ..common.quant import MAX_WEIGHT_SLOPE

CHROMA_CHOICES = ("auto", "420", "444")
TUNE_CHOICES = ("psnr", "msssim")
EFFORT_CHOICES = ("slow", "fast", "max")
COLOUR_TRANSFORM_CHOICES = ("adaptive", "bt601")
DEFAULT_QUALITY = 75.0
MSSSIM_WEIGHT_SLOPE = 12     # --tune msssim: coarser high frequencies (8 -> 14: +0.0004 MS-SSIM)
DEPQ_AUTO_MAX_LAMBDA = 100.0   # dependent quantisation by default below this lambda (quality > 50)


def lam_from_quality(quality):
    """Quality 0..100 -> lambda (RGB squared error per bit), log-linear:
    q=0 -> 31623, q=50 -> 100, q=100 -> 0.32."""
    return 10.0 ** (4.5 - quality / 20.0)


def quality_from_lam(lam):
    return 20.0 * (4.5 - math.log10(lam))


@dataclass(frozen=True)
class EncoderConfig:
    """Encoder settings.  Give `lam` (the Lagrange multiplier, in RGB squared
    error per bit) or `quality` (0..100, mapped to lambda); neither means
    quality 75.

    chroma: "auto" tries 4:2:0 and 4:4:4 and keeps the lower D + lambda*R;
    deblock: let the encoder choose a deblocking level per plane (else off);
    restore: let the encoder fit and switch the restoration filter (else off);
    edge_offset: let the encoder choose edge offsets per plane (else off);
    weight_slope: per-frequency quantiser weighting (0 = flat, the PSNR optimum;
    None = the tuning's default);
    tune: "psnr" minimises squared error; "msssim" weights each region's error
    by its sensitivity in SSIM (low-activity areas count more), steers each
    CTU's quantiser step by it and uses the frequency weighting that suits
    MS-SSIM;
    dep_quant: dependent quantisation (two interleaved quantisers chosen by a
    trellis) instead of one quantiser with RDOQ; None = only where it pays
    for its encode time (lambda < DEPQ_AUTO_MAX_LAMBDA: ~2 % fewer bits near
    40 dB for ~25 % more time; at 0.15 bpp it loses 0.035 dB on the corpus);
    effort: how much of the RD search runs: "slow" (the default, the best
    compression) or "fast" (fewer modes through full RD, a coarser angle
    scan, earlier split stops: 1.4-1.5x faster for -0.16 dB at 0.15 bpp and
    +1.3 % bits at MS-SSIM 0.993 on the corpus) or "max" (several times more
    modes through full RD, a finer angle scan, no split stops, the 4:1 parts
    and parts split across, and each luma CTU searched at five quantiser
    deltas with the lowest J kept: tens of times slow's encoder CPU for about
    +0.2 dB on the 0.15 bpp track; the bench's figures are in
    docs/RESULTS.md).  The same format.
    binary_split: the luma search also tries luma nodes split in two
    halves (format 13; the node sizes by effort: 8x8 at "slow", every size
    at "max", where from 16x16 it also tries each half split again into 4:1
    quarters and the node split in three, format 16, and each part split
    across its long side, format 17); False: never (the stream then codes
    every such choice as 'not split').
    colour_transform: "adaptive" (format 14) codes the planes of the image's
    own decorrelating transform (enc/colour_enc.colour_transform: +0.09 dB
    at 0.15 bpp and -3 % bits at MS-SSIM 0.993 on the corpus against
    BT.601); "bt601" codes BT.601 YCbCr.  Grey images are coded as Y either way.
    context_counts: N > 0 also returns how many of each context's first N
    bins were 0 and 1 (EncodeResult.context_counts; the statistic that
    tools/train_context_start.py learns the contexts' start table from).
    """
    lam: Optional[float] = None
    quality: Optional[float] = None
    chroma: str = "auto"
    deblock: bool = True
    restore: bool = True
    edge_offset: bool = True
    weight_slope: Optional[int] = None
    tune: str = "psnr"
    dep_quant: Optional[bool] = None
    effort: str = "slow"
    binary_split: bool = True
    colour_transform: str = "adaptive"
    context_counts: int = 0

    def __post_init__(self):
        if self.lam is not None and self.quality is not None:
            raise ConfigError("give lam or quality, not both")
        if self.lam is not None and not (math.isfinite(self.lam) and 1e-3 <= self.lam <= 1e7):
            raise ConfigError(f"lam={self.lam} outside [0.001, 1e7]")
        if self.quality is not None and not (math.isfinite(self.quality) and 0 <= self.quality <= 100):
            raise ConfigError(f"quality={self.quality} outside [0, 100]")
        if self.chroma not in CHROMA_CHOICES:
            raise ConfigError(f"chroma={self.chroma!r} not one of {CHROMA_CHOICES}")
        if self.effort not in EFFORT_CHOICES:
            raise ConfigError(f"effort={self.effort!r} not one of {EFFORT_CHOICES}")
        if self.colour_transform not in COLOUR_TRANSFORM_CHOICES:
            raise ConfigError(f"colour_transform={self.colour_transform!r} not one of "
                              f"{COLOUR_TRANSFORM_CHOICES}")
        if not (isinstance(self.context_counts, int) and self.context_counts >= 0):
            raise ConfigError(f"context_counts={self.context_counts!r} is not a count >= 0")
        if self.tune not in TUNE_CHOICES:
            raise ConfigError(f"tune={self.tune!r} not one of {TUNE_CHOICES}")
        if self.weight_slope is not None and not (
                isinstance(self.weight_slope, int) and 0 <= self.weight_slope <= MAX_WEIGHT_SLOPE):
            raise ConfigError(f"weight_slope={self.weight_slope} outside [0, {MAX_WEIGHT_SLOPE}]")

    @property
    def slope(self):
        """The frequency-weighting slope this encode uses."""
        if self.weight_slope is not None:
            return self.weight_slope
        return MSSSIM_WEIGHT_SLOPE if self.tune == "msssim" else 0

    @property
    def dependent(self):
        """Whether this encode uses dependent quantisation."""
        if self.dep_quant is not None:
            return bool(self.dep_quant)
        return self.lam_value < DEPQ_AUTO_MAX_LAMBDA

    @property
    def lam_value(self):
        if self.lam is not None:
            return float(self.lam)
        q = DEFAULT_QUALITY if self.quality is None else self.quality
        return lam_from_quality(q)
