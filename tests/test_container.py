"""Container: header validation before allocation, typed errors."""
import struct
import zlib

import numpy as np
import pytest

import codec
from codec.common import container
from codec.common.constants import FORMAT_VERSION, MAGIC


def _header(**kw):
    d = dict(version=FORMAT_VERSION, width=10, height=7, colour=1, qidx_y=40, qidx_cb=40,
             qidx_cr=40, weight_slope=0, deblock_y=0, deblock_c=0, delta_q=0, dep_quant=0, payload_len=3)
    d.update(kw)
    return container.make_header(**d)


def _reseal(data):
    """Recompute the CRC of a modified stream (to reach the checks behind it)."""
    hs = container.HEADER_SIZE
    crc = zlib.crc32(data[hs:], zlib.crc32(data[:hs - 4]))
    return data[:hs - 4] + struct.pack(">I", crc) + data[hs:]


def test_pack_parse_round_trip():
    data = container.pack(_header(), b"abc")
    h, payload = container.parse(data)
    assert h == _header() and bytes(payload) == b"abc"
    assert len(data) == container.HEADER_SIZE + 3


@pytest.mark.parametrize("mutate,err", [
    (lambda d: b"", codec.TruncatedStreamError),
    (lambda d: d[:3], codec.TruncatedStreamError),
    (lambda d: b"XXXX" + d[4:], codec.CorruptStreamError),
    (lambda d: d[:10], codec.TruncatedStreamError),
    (lambda d: d[:-1], codec.TruncatedStreamError),
    (lambda d: d + b"\0", codec.CorruptStreamError),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), codec.ChecksumError),
    (lambda d: MAGIC + bytes([FORMAT_VERSION + 1]) + d[5:], codec.UnsupportedVersionError),
])
def test_bad_containers(mutate, err):
    data = container.pack(_header(), b"abc")
    with pytest.raises(err):
        container.parse(mutate(data))


def test_field_ranges_checked():
    data = bytearray(container.pack(_header(), b"abc"))
    off = len(MAGIC) + 1 + 2 + 2       # colour field
    data[off] = 9
    with pytest.raises(codec.CorruptStreamError, match="colour"):
        container.parse(_reseal(bytes(data)))
    data = bytearray(container.pack(_header(), b"abc"))
    data[len(MAGIC) + 1:len(MAGIC) + 3] = b"\0\0"   # width 0
    with pytest.raises(codec.CorruptStreamError, match="width"):
        container.parse(_reseal(bytes(data)))


def test_pixel_limit_before_allocation():
    data = container.pack(_header(width=60000, height=60000, payload_len=0), b"")
    with pytest.raises(codec.LimitExceededError):
        codec.decode(data)
    with pytest.raises(codec.LimitExceededError):
        codec.decode(container.pack(_header(width=100, height=100, payload_len=0), b""),
                     config=codec.DecoderConfig(max_pixels=9999))
