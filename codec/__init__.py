"""LDC: a Lagrangian block-DCT image codec.

    data = codec.encode(rgb, quality=75)     # or lam=..., bpp=..., nbytes=..., config=...
    rgb2 = codec.decode(data)

The package has three parts that the imports keep apart:

    common/   the format: constants, container, contexts, transforms,
              prediction, filters, probability model (both sides import it)
    dec/      the decoder (imports common/ only)
    enc/      the encoder (imports common/)
    sets/     image-set work: metrics and the lambda allocation search

`import codec` loads the decoder only; the encoder's names (encode,
EncoderConfig, ...) load on first use (PEP 562), so decoding never imports
the encoder, scipy or the metrics.  The decoder side also runs on Python 3.6
with numba 0.53 (the CLIC 2019 runtime, tools/submission.py), where those
names are absent.
"""
from .dec.config_dec import DecoderConfig
from .dec.decoder import decode
from .errors import (ChecksumError, CodecError, ConfigError, CorruptStreamError, InvalidImageError,
                     LimitExceededError, TruncatedStreamError, UnsupportedVersionError)

# public name -> the encoder-side module that defines it
_ENCODER_NAMES = {
    "encode": "enc.encoder", "encode_image": "enc.encoder", "encode_to_size": "enc.encoder",
    "EncodeResult": "enc.encoder",
    "EncoderConfig": "enc.config_enc", "lam_from_quality": "enc.config_enc",
    "quality_from_lam": "enc.config_enc",
}

__all__ = [
    "encode", "encode_image", "encode_to_size", "decode", "EncodeResult", "EncoderConfig", "DecoderConfig",
    "lam_from_quality", "quality_from_lam", "CodecError", "CorruptStreamError",
    "TruncatedStreamError", "ChecksumError", "UnsupportedVersionError", "LimitExceededError",
    "InvalidImageError", "ConfigError",
]


def __getattr__(name):
    if name not in _ENCODER_NAMES:
        raise AttributeError("module 'codec' has no attribute {!r}".format(name))
    import importlib
    value = getattr(importlib.import_module("." + _ENCODER_NAMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_ENCODER_NAMES))
