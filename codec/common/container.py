"""File container: magic, header fields, CRC-32, payload.

The header is declared once, as the ordered field list HEADER_FIELDS; that
list drives writing, parsing, range validation and the header size.

    magic        4 bytes  b"LDC\\x1a"
    fields       HEADER_FIELDS in order, big-endian
    crc32        u32 over every byte before it and the payload
    payload      payload_len bytes (arithmetic-coded CTU data)
"""
import struct
import zlib
from collections import namedtuple

import numpy as np

from .constants import (COLOUR_YCC420, CT_BT601, CT_COEF_MAX, DEFAULT_MAX_PIXELS, FORMAT_VERSION,
                        MAGIC, MAX_DEBLOCK_LEVEL, SAMPLE_MAX,
                        MAX_DIM, MAX_PAYLOAD, NUM_QIDX)
from ..errors import (ChecksumError, CorruptStreamError, LimitExceededError, TruncatedStreamError,
                      UnsupportedVersionError)
from .quant import MAX_WEIGHT_SLOPE


# fmt: the struct code; lo..hi: the valid range; doc: what the field means
Field = namedtuple("Field", ["name", "fmt", "lo", "hi", "doc"])


HEADER_FIELDS = (
    Field("version", "B", 0, 255, "format version; this decoder reads FORMAT_VERSION"),
    Field("width", "H", 1, MAX_DIM, "image width in pixels"),
    Field("height", "H", 1, MAX_DIM, "image height in pixels"),
    Field("colour", "B", 0, COLOUR_YCC420, "0 grey (Y only), 1 YCbCr 4:4:4, 2 YCbCr 4:2:0"),
    Field("qidx_y", "B", 0, NUM_QIDX - 1, "quantiser index of Y"),
    Field("qidx_cb", "B", 0, NUM_QIDX - 1, "quantiser index of Cb"),
    Field("qidx_cr", "B", 0, NUM_QIDX - 1, "quantiser index of Cr"),
    Field("weight_slope", "B", 0, MAX_WEIGHT_SLOPE, "frequency weighting slope (0 = flat)"),
    Field("deblock_y", "B", 0, MAX_DEBLOCK_LEVEL, "deblocking level of Y (0 = off)"),
    Field("deblock_c", "B", 0, MAX_DEBLOCK_LEVEL, "deblocking level of chroma (0 = off)"),
    Field("delta_q", "B", 0, 1, "1: every luma CTU codes a quantiser delta (0 = none)"),
    Field("dep_quant", "B", 0, 1, "1: dependent quantisation (two quantisers, 4-state machine)"),
) + tuple(
    Field(f"ct_{rgb}{p}", "h", -CT_COEF_MAX, CT_COEF_MAX,
          f"colour transform: {rgb.upper()} per unit of plane {p}, in 2**-COLOUR_SHIFT")
    for rgb in "rgb" for p in range(3)
) + tuple(
    Field(f"ct_off{p}", "H", 0, SAMPLE_MAX, f"colour transform: the offset of plane {p}")
    for p in range(3)
) + (
    Field("payload_len", "I", 0, MAX_PAYLOAD, "bytes of coded data after the header"),
)
_FMT = ">" + "".join(f.fmt for f in HEADER_FIELDS)
_CRC = struct.Struct(">I")
HEADER_SIZE = len(MAGIC) + struct.calcsize(_FMT) + _CRC.size


# The parsed header: one attribute per field, in HEADER_FIELDS order.
Header = namedtuple("Header", [f.name for f in HEADER_FIELDS])
CT_FIELDS = tuple(f.name for f in HEADER_FIELDS if f.name.startswith("ct_"))


def make_header(cm=CT_BT601, **fields):
    """A Header from its fields but the colour transform's, which come from
    cm (the 12 ct_* values in order; BT.601 unless given)."""
    return Header(**fields, **{name: int(v) for name, v in zip(CT_FIELDS, cm)})


def colour_matrix(h):
    """The header's colour transform as the int32[12] the colour kernels
    read: the inverse matrix row by row (R, G, B), then the three offsets."""
    return np.array([getattr(h, name) for name in CT_FIELDS], np.int32)


def _check_ranges(h):
    for f in HEADER_FIELDS:
        v = getattr(h, f.name)
        if not f.lo <= v <= f.hi:
            raise CorruptStreamError(f"header field {f.name}={v} outside [{f.lo}, {f.hi}]")


def pack(header, payload):
    """Header + CRC + payload as bytes (header.payload_len must match)."""
    if header.payload_len != len(payload):
        raise ValueError("payload_len does not match the payload")
    _check_ranges(header)
    head = MAGIC + struct.pack(_FMT, *(getattr(header, f.name) for f in HEADER_FIELDS))
    crc = zlib.crc32(payload, zlib.crc32(head))
    return head + _CRC.pack(crc) + bytes(payload)


def parse_header(data, max_pixels=DEFAULT_MAX_PIXELS):
    """The Header of a stream from its first HEADER_SIZE bytes (more may
    follow): magic, version, every field's range and the image size against
    `max_pixels` are checked, the payload is not."""
    data = memoryview(data)
    if len(data) < len(MAGIC) + 1:
        raise TruncatedStreamError(f"{len(data)} bytes is too short for a header")
    if bytes(data[:len(MAGIC)]) != MAGIC:
        raise CorruptStreamError("not an LDC stream (bad magic)")
    version = data[len(MAGIC)]
    if version != FORMAT_VERSION:
        raise UnsupportedVersionError(
            f"format version {version} is not supported (this decoder reads {FORMAT_VERSION})")
    if len(data) < HEADER_SIZE:
        raise TruncatedStreamError(f"{len(data)} bytes is too short for the {HEADER_SIZE}-byte header")
    h = Header(*struct.unpack_from(_FMT, data, len(MAGIC)))
    _check_ranges(h)
    if h.width * h.height > max_pixels:
        raise LimitExceededError(
            f"image {h.width}x{h.height} exceeds the decoder limit of {max_pixels} pixels")
    return h


def parse(data, max_pixels=DEFAULT_MAX_PIXELS, check_crc=True):
    """Validate the container and return (Header, payload memoryview).

    Every field is range-checked and the declared image size is compared with
    `max_pixels` before the caller allocates anything.
    """
    data = memoryview(data)
    h = parse_header(data, max_pixels)
    body = len(data) - HEADER_SIZE
    if body < h.payload_len:
        raise TruncatedStreamError(f"payload has {body} of {h.payload_len} bytes")
    if body > h.payload_len:
        raise CorruptStreamError(f"{body - h.payload_len} unexpected bytes after the payload")
    payload = data[HEADER_SIZE:]
    if check_crc:
        (crc,) = _CRC.unpack_from(data, HEADER_SIZE - _CRC.size)
        actual = zlib.crc32(payload, zlib.crc32(data[:HEADER_SIZE - _CRC.size]))
        if crc != actual:
            raise ChecksumError(f"CRC-32 mismatch (stored {crc:08x}, computed {actual:08x})")
    return h, payload
