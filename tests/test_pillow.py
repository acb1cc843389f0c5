"""The Pillow plugin: LDC files open and save through Pillow, errors are
Pillow's usual ones with the codec's message, other formats unaffected."""
import io
import warnings

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

import codec
import codec.pillow
from codec.common import container
from conftest import synthetic_image


@pytest.fixture(autouse=True)
def registered():
    codec.pillow.register()
    codec.pillow.register()          # twice is harmless


def test_round_trip_through_pillow(tmp_path):
    rgb = synthetic_image(40, 56, seed=3)
    Image.fromarray(rgb).save(tmp_path / "a.ldc", quality=70)
    data = (tmp_path / "a.ldc").read_bytes()
    assert data == codec.encode(rgb, quality=70)          # the same file as the library writes
    (tmp_path / "a.bin").write_bytes(data)
    im = Image.open(tmp_path / "a.bin")                    # found by its magic, not its name
    assert (im.format, im.size, im.mode) == ("LDC", (56, 40), "RGB")
    assert np.array_equal(np.asarray(im), codec.decode(data))
    Image.fromarray(rgb).save(tmp_path / "b.ldc", lam=400.0, chroma="420", effort="fast")
    assert (tmp_path / "b.ldc").read_bytes() == codec.encode(
        rgb, config=codec.EncoderConfig(lam=400.0, chroma="420", effort="fast"))
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="LDC")
    assert buf.getvalue() == codec.encode(rgb)


def test_open_is_lazy(tmp_path, monkeypatch):
    Image.fromarray(synthetic_image(24, 32, seed=1)).save(tmp_path / "a.ldc")
    calls = []
    real = codec.decode
    monkeypatch.setattr(codec, "decode", lambda data, **kw: calls.append(1) or real(data, **kw))
    im = Image.open(tmp_path / "a.ldc")
    assert im.size == (32, 24) and calls == []
    im.load()
    assert calls == [1]


def test_odd_modes_are_converted_with_a_warning(tmp_path):
    rgb = synthetic_image(20, 30, seed=2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 9, np.uint8)])).save(
            tmp_path / "rgba.ldc")
    assert any("alpha channel dropped" in str(x.message) for x in w)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "rgba.ldc")),
                          codec.decode(codec.encode(rgb)))
    Image.fromarray(rgb[:, :, 0]).save(tmp_path / "grey.ldc", quality=60)
    out = np.asarray(Image.open(tmp_path / "grey.ldc"))
    assert out.shape == (20, 30, 3) and (out[..., 0] == out[..., 2]).all()
    Image.fromarray(rgb).convert("P").save(tmp_path / "p.ldc")
    assert Image.open(tmp_path / "p.ldc").size == (30, 20)


def test_bad_files_raise_pillows_errors_with_our_message(tmp_path):
    data = codec.encode(synthetic_image(24, 32, seed=4))
    bad_payload = data[:container.HEADER_SIZE] + bytes(len(data) - container.HEADER_SIZE)
    (tmp_path / "payload.bin").write_bytes(bad_payload)
    im = Image.open(tmp_path / "payload.bin")              # the header is fine
    with pytest.raises(OSError, match="LDC: CRC-32 mismatch"):
        im.load()
    (tmp_path / "version.bin").write_bytes(data[:4] + b"\x63" + data[5:])
    with pytest.raises(UnidentifiedImageError, match="LDC: format version 99"):
        Image.open(tmp_path / "version.bin")
    (tmp_path / "short.bin").write_bytes(data[:9])
    with pytest.raises(UnidentifiedImageError, match="LDC: .*too short"):
        Image.open(tmp_path / "short.bin")
    with pytest.raises(ValueError, match="quality"):
        Image.fromarray(synthetic_image(8, 8)).save(tmp_path / "q.ldc", quality=300)


def test_other_formats_are_unaffected(tmp_path):
    rgb = synthetic_image(16, 24, seed=5)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    Image.fromarray(rgb).save(tmp_path / "a.jpg", quality=95)
    assert Image.open(tmp_path / "a.png").format == "PNG"
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), rgb)
    assert Image.open(tmp_path / "a.jpg").format == "JPEG"
    (tmp_path / "text.bin").write_bytes(b"not an image at all")
    with pytest.raises(UnidentifiedImageError):
        Image.open(tmp_path / "text.bin")
