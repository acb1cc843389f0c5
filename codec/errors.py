"""Typed errors of the codec.  Every failure the library reports is one of these."""


class CodecError(Exception):
    """Base class of every error the codec raises on purpose."""


class CorruptStreamError(CodecError):
    """The compressed bytes are not a valid stream of this format."""


class TruncatedStreamError(CorruptStreamError):
    """The stream ends before the data it declares."""


class ChecksumError(CorruptStreamError):
    """The CRC-32 stored in the header does not match the data."""


class UnsupportedVersionError(CorruptStreamError):
    """The stream was written by a format version this decoder does not read."""


class LimitExceededError(CorruptStreamError):
    """The stream declares an image beyond the decoder's configured limits."""


class InvalidImageError(CodecError):
    """The image given to the encoder cannot be coded (wrong shape, dtype, size)."""


class ConfigError(CodecError, ValueError):
    """An encoder or decoder setting is out of its valid range."""
