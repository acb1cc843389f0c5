"""The decoder's public knobs, validated once at the library boundary.

A named tuple rather than a dataclass: the decoder side runs on Python 3.6
too (the CLIC 2019 runtime), which has no `dataclasses`.
"""
from collections import namedtuple

from ..common.constants import DEFAULT_MAX_PIXELS
from ..errors import ConfigError


def _positive_int(name, v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ConfigError("{}={!r} must be a positive integer".format(name, v))


class DecoderConfig(namedtuple("DecoderConfig", ["max_pixels", "threads"])):
    """max_pixels: refuse streams declaring a larger image (memory bound).
    threads: threads for one image's post-filters (deblocking and restoration,
    a plane per thread) and colour conversion (row bands); the entropy
    decoding and reconstruction stay on one.  The output is the same for any
    number."""
    __slots__ = ()

    def __new__(cls, max_pixels=DEFAULT_MAX_PIXELS, threads=1):
        _positive_int("max_pixels", max_pixels)
        _positive_int("threads", threads)
        return super().__new__(cls, max_pixels, threads)
