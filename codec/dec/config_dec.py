"""The decoder's public knobs, validated once at the library boundary.

A named tuple rather than a dataclass: the decoder side runs on Python 3.6
too (the CLIC 2019 runtime), which has no `dataclasses`.
"""
from collections import namedtuple

from ..common.constants import DEFAULT_MAX_PIXELS
from ..errors import ConfigError


class DecoderConfig(namedtuple("DecoderConfig", ["max_pixels"])):
    """max_pixels: refuse streams declaring a larger image (memory bound)."""
    __slots__ = ()

    def __new__(cls, max_pixels=DEFAULT_MAX_PIXELS):
        if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
            raise ConfigError("max_pixels={!r} must be a positive integer".format(max_pixels))
        return super().__new__(cls, max_pixels)
