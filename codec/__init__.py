"""LDC: a Lagrangian block-DCT image codec.

    data = codec.encode(rgb, quality=75)     # or lam=..., or config=EncoderConfig(...)
    rgb2 = codec.decode(data)
"""
from .config import DecoderConfig, EncoderConfig, lam_from_quality, quality_from_lam
from .decoder import decode
from .encoder import EncodeResult, encode, encode_image
from .errors import (ChecksumError, CodecError, ConfigError, CorruptStreamError, InvalidImageError,
                     LimitExceededError, TruncatedStreamError, UnsupportedVersionError)

__all__ = [
    "encode", "encode_image", "decode", "EncodeResult", "EncoderConfig", "DecoderConfig",
    "lam_from_quality", "quality_from_lam", "CodecError", "CorruptStreamError",
    "TruncatedStreamError", "ChecksumError", "UnsupportedVersionError", "LimitExceededError",
    "InvalidImageError", "ConfigError",
]


def _check_kernel_cache():
    import os
    import sys
    from . import _kernel_cache
    mods = [m for name, m in list(sys.modules.items())
            if name.startswith(__name__ + ".") and m is not None]
    _kernel_cache.ensure_fresh(os.path.dirname(__file__), mods)


from . import allocate, metrics  # noqa: E402,F401  (import every kernel module before the check)
_check_kernel_cache()
