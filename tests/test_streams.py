"""Stored bitstreams decode to stored pixel hashes; damaged streams raise typed errors."""
import hashlib
import json
import os
import struct
import zlib

import numpy as np
import pytest

import codec
from codec.common import container
from codec.common.constants import FORMAT_VERSION

DATA = os.path.join(os.path.dirname(__file__), "data")
MANIFEST = json.load(open(os.path.join(DATA, "streams.json")))


@pytest.mark.parametrize("fname", sorted(MANIFEST))
def test_stored_stream_decodes_to_stored_hash(fname):
    entry = MANIFEST[fname]
    data = open(os.path.join(DATA, fname), "rb").read()
    if entry["version"] != FORMAT_VERSION:
        with pytest.raises(codec.UnsupportedVersionError):
            codec.decode(data)
        return
    out = codec.decode(data)
    assert list(out.shape) == entry["shape"]
    assert hashlib.sha256(out.tobytes()).hexdigest() == entry["sha256"]


def test_stored_streams_cover_the_quantiser_deltas_and_dependent_quantisation():
    heads = [container.parse(d)[0] for d in _streams()]
    assert {h.delta_q for h in heads} == {0, 1}
    assert {h.dep_quant for h in heads} == {0, 1}


def _streams():
    return [open(os.path.join(DATA, f), "rb").read() for f in sorted(MANIFEST)
            if MANIFEST[f]["version"] == FORMAT_VERSION]


def test_every_truncation_raises():
    for data in _streams():
        cuts = sorted(set(list(range(0, min(len(data), 40))) +
                          list(range(40, len(data), max(1, len(data) // 50)))))
        for k in cuts:
            with pytest.raises(codec.CorruptStreamError):
                codec.decode(data[:k])


def _reseal(data):
    hs = container.HEADER_SIZE
    crc = zlib.crc32(data[hs:], zlib.crc32(data[:hs - 4]))
    return data[:hs - 4] + struct.pack(">I", crc) + data[hs:]


def test_bit_flips_raise_or_decode_cleanly():
    """Flipped payload bits are caught by the CRC; with the CRC recomputed the
    arithmetic decoder must still end in a typed error or a valid image."""
    rng = np.random.default_rng(0)
    for data in _streams():
        h, _ = container.parse(data)
        for _ in range(40):
            pos = int(rng.integers(0, len(data)))
            bad = bytearray(data)
            bad[pos] ^= 1 << int(rng.integers(0, 8))
            with pytest.raises(codec.CorruptStreamError):
                codec.decode(bytes(bad))
            if pos >= container.HEADER_SIZE:
                try:
                    out = codec.decode(_reseal(bytes(bad)))
                except codec.CorruptStreamError:
                    continue
                assert out.shape == (h.height, h.width, 3) and out.dtype == np.uint8


def test_random_payloads_raise_or_decode_cleanly():
    rng = np.random.default_rng(1)
    hdr = container.make_header(version=FORMAT_VERSION, width=37, height=29, colour=2, qidx_y=50,
                           qidx_cb=40, qidx_cr=40, weight_slope=0, deblock_y=0, deblock_c=0,
                           delta_q=0, dep_quant=0, payload_len=0)
    for k in range(60):
        hdr = hdr._replace(delta_q=k % 2, dep_quant=(k >> 1) % 2)
        payload = rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes()
        data = container.pack(hdr._replace(payload_len=len(payload)), payload)
        try:
            out = codec.decode(data)
            assert out.shape == (29, 37, 3)
        except codec.CorruptStreamError:
            pass
