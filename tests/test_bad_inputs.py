"""Odd and broken images into encode.py: each is coded (with a note) or
refused with one line naming it; the rest of the folder completes."""
import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import codec
import decode as decode_cli
import encode as encode_cli
from codec.imageio import load_rgb
from conftest import synthetic_image


def _png16_rgb(arr):
    h, w, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def bad_folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    rgb = synthetic_image(24, 32, seed=1)
    Image.fromarray(rgb[:, :, 0]).save(d / "grey.png")
    Image.fromarray(rgb[:, :, :2].copy()).save(d / "grey_alpha.png")
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)])).save(d / "rgba.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(d / "palette.png")
    Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257).save(d / "grey16.png")
    (d / "rgb16.png").write_bytes(_png16_rgb(rgb.astype(np.uint16) * 257))
    Image.fromarray(rgb[:1, :1]).save(d / "one_pixel.png")
    Image.fromarray(rgb[:7, :13]).save(d / "odd_7x13.png")
    Image.fromarray(rgb).convert("CMYK").save(d / "cmyk_jpeg.png", format="JPEG", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6                                  # rotate 90 CW for display
    Image.fromarray(rgb).save(d / "exif_rotated.png", exif=exif)
    good = io.BytesIO()
    Image.fromarray(rgb).save(good, format="PNG")
    (d / "truncated.png").write_bytes(good.getvalue()[:60])
    (d / "not_an_image.png").write_bytes(b"hello, I am text\n" * 10)
    return tmp_path


EXPECT_NOTE = {
    "grey_alpha.png": "alpha", "rgba.png": "alpha", "grey16.png": "8 bits",
    "rgb16.png": "8 bits", "cmyk_jpeg.png": "CMYK", "exif_rotated.png": "EXIF",
}
REFUSED = {"truncated.png", "not_an_image.png"}


def test_loader_behaviour(bad_folder):
    d = bad_folder / "in"
    for name in sorted(os.listdir(d)):
        if name in REFUSED:
            with pytest.raises(codec.InvalidImageError):
                load_rgb(d / name)
            continue
        rgb, notes = load_rgb(d / name)
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        if name in EXPECT_NOTE:
            assert any(EXPECT_NOTE[name] in n for n in notes), (name, notes)
    assert load_rgb(d / "exif_rotated.png")[0].shape == (24, 32, 3)   # stored orientation
    g, _ = load_rgb(d / "grey16.png")
    g8, _ = load_rgb(d / "grey.png")
    assert np.array_equal(g, g8)                                     # x*257/257 rounds back


def test_folder_run_survives_bad_files(bad_folder, capsys, monkeypatch):
    out = bad_folder / "out"
    rc = encode_cli.main([str(bad_folder / "in"), str(out), "--quality", "50", "--quiet",
                          "--jobs", "2"])
    err = capsys.readouterr()
    assert rc == 1                                     # failures are reported in the exit code
    written = sorted(os.listdir(out))
    expected = sorted(os.path.splitext(n)[0] + ".bin" for n in os.listdir(bad_folder / "in")
                      if n not in REFUSED)
    assert written == expected
    for name in REFUSED:
        lines = [l for l in err.err.splitlines() if l.startswith(name)]
        assert len(lines) == 1 and "skipped" in lines[0]
    assert "Traceback" not in err.err
    assert "2 failed" in err.out
    monkeypatch.chdir(out)
    assert decode_cli.main([]) == 0


def test_user_errors_have_no_traceback(tmp_path, capsys):
    assert encode_cli.main([str(tmp_path / "missing"), str(tmp_path / "o")]) == 2
    (tmp_path / "empty").mkdir()
    assert encode_cli.main([str(tmp_path / "empty"), str(tmp_path / "o")]) == 2
    d = tmp_path / "in"
    d.mkdir()
    Image.fromarray(synthetic_image(8, 8)).save(d / "a.png")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert encode_cli.main([str(d), str(blocker / "sub"), "--quiet"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        encode_cli.main([str(d), str(tmp_path / "o"), "--bpp", "0.1"])   # --bpp needs --track
    assert e.value.code == 2


def test_decode_missing_file_and_directory(tmp_path, capsys):
    assert decode_cli.main([str(tmp_path / "nope.bin")]) == 1
    assert "nope.bin" in capsys.readouterr().err


def test_every_tool_lists_a_folder_the_same_way(tmp_path):
    """Hidden files (macOS's ._photo.png sidecars, an unfinished .x.png.part)
    are not images of the set, for encode.py and the tools alike (one lister)."""
    from codec.imageio import png_files
    from tools.cli import png_paths
    rgb = synthetic_image(16, 16, seed=2)
    for name in ("b.png", "A.PNG", "c.png"):
        Image.fromarray(rgb).save(tmp_path / name, format="PNG")
    (tmp_path / "._b.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tmp_path / ".c.png.x1y2.part").write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("not an image")
    want = [str(tmp_path / n) for n in ("A.PNG", "b.png", "c.png")]
    assert png_files(str(tmp_path)) == want
    assert png_paths([str(tmp_path)]) == want
    out = tmp_path / "out"
    assert encode_cli.main([str(tmp_path), str(out), "--quality", "40", "--quiet",
                            "--jobs", "1"]) == 0
    assert sorted(os.listdir(out)) == ["A.bin", "b.bin", "c.bin"]
