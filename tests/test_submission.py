"""tools.submission: the checks the 2019 server would apply, and the zip's
layout (with a stand-in wheel: the real ones are fetched and run in the 2019
runtime by tests/test_clic2019.py)."""
import math
import os
import shutil
import stat
import zipfile

import pytest
from PIL import Image

import encode as encode_cli
from codec.common import container
from codec.common.constants import FORMAT_VERSION
from conftest import synthetic_image
from tools import submission

DATA = os.path.join(os.path.dirname(__file__), "data")
STREAMS = [f"v{FORMAT_VERSION}_{n}.bin" for n in ("c420_40x56_q35", "c444_33x65_q85",
                                                  "grey_21x34_q60")]


@pytest.fixture
def bins(tmp_path):
    d = tmp_path / "bins"
    d.mkdir()
    for s in STREAMS:
        shutil.copyfile(os.path.join(DATA, s), d / s)
    return d


@pytest.fixture
def fake_wheel(tmp_path, monkeypatch):
    """A wheel-shaped zip standing in for the pinned ones."""
    path = tmp_path / "fakepkg-1.0-cp36-cp36m-manylinux2010_x86_64.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("fakepkg/__init__.py", "")
        info = zipfile.ZipInfo("fakepkg/_lib.so")
        info.external_attr = 0o100755 << 16
        z.writestr(info, b"\x7fELF")
        z.writestr("fakepkg-1.0.dist-info/METADATA", "Name: fakepkg\n")
        z.writestr("fakepkg-1.0.data/scripts/tool", "#!/bin/sh\n")
    monkeypatch.setattr(submission, "fetch_wheels", lambda cache_dir=None, log=None: [str(path)])
    return path


def _sizes_and_pixels(folder):
    nbytes = pixels = 0
    for f in os.listdir(folder):
        data = open(os.path.join(folder, f), "rb").read()
        h, _ = container.parse(data)
        nbytes += len(data)
        pixels += h.width * h.height
    return nbytes, pixels


def test_budget_from_the_headers_as_the_server_counts(bins):
    nbytes, pixels = _sizes_and_pixels(bins)
    files = submission.find_bins(str(bins))
    bpp = 8 * nbytes / pixels
    problems, (total, px, budget) = submission.check_streams(files, bpp=bpp)
    assert (total, px) == (nbytes, pixels)
    # the server's ceil(pixels * bpp / 8): nbytes, or one more where the
    # float bpp rounded up (3333 bytes here came back as 3334 at format 9)
    assert budget == math.ceil(pixels * bpp / 8) and budget - nbytes in (0, 1)
    assert problems == []
    problems, _ = submission.check_streams(files, budget_bytes=nbytes - 1)
    assert problems == [f"{nbytes} bytes exceed the budget of {nbytes - 1} bytes by 1"]


def test_files_of_one_stem_and_broken_files_are_refused(bins):
    (bins / "sub").mkdir()
    shutil.copyfile(bins / STREAMS[0], bins / "sub" / STREAMS[0])
    problems, _ = submission.check_streams(submission.find_bins(str(bins)))
    assert len(problems) == 1 and "the same name" in problems[0] and STREAMS[0] in problems[0]
    shutil.rmtree(bins / "sub")
    data = open(bins / STREAMS[1], "rb").read()
    (bins / STREAMS[1]).write_bytes(data[:-5])
    problems, _ = submission.check_streams(submission.find_bins(str(bins)))
    assert len(problems) == 1 and problems[0].startswith(str(bins / STREAMS[1]))
    # a sound container (header, length, CRC) around half a payload: only decoding finds it
    h, payload = container.parse(data)
    half = bytes(payload[:len(payload) // 2])
    (bins / STREAMS[1]).write_bytes(container.pack(h._replace(payload_len=len(half)), half))
    problems, _ = submission.check_streams(submission.find_bins(str(bins)))
    assert len(problems) == 1 and problems[0].startswith(str(bins / STREAMS[1]) + ": does not decode")


def test_the_zip_holds_decode_the_decoder_side_and_the_wheels(bins, tmp_path, fake_wheel):
    out = tmp_path / "sub"
    s = submission.build(submission.find_bins(str(bins)), str(out), png_dir=str(tmp_path / "ref"))
    assert sorted(os.listdir(out)) == ["decoder.zip", "images"]
    assert sorted(os.listdir(out / "images")) == sorted(STREAMS)
    assert s.nbytes == sum(os.path.getsize(out / "images" / f) for f in STREAMS)
    assert sorted(os.listdir(tmp_path / "ref")) == sorted(f[:-4] + ".png" for f in STREAMS)
    with zipfile.ZipFile(out / "decoder.zip") as z:
        names = z.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
        assert z.read("decode") == open(os.path.join(submission.REPO, "decode.py"), "rb").read()
    assert modes["decode"] & stat.S_IXUSR
    assert "codec/__init__.py" in names and "codec/dec/decoder.py" in names
    assert "codec/common/container.py" in names
    assert not [n for n in names if n.startswith(("codec/enc/", "codec/sets/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc"))]
    assert "_vendor/fakepkg/__init__.py" in names and modes["_vendor/fakepkg/_lib.so"] == 0o755
    assert "_vendor/fakepkg-1.0.dist-info/METADATA" in names
    assert not [n for n in names if ".data/" in n]


def test_the_same_inputs_give_the_same_zip(bins, tmp_path, fake_wheel):
    a = submission.write_decoder_zip(str(tmp_path / "a.zip"), [str(fake_wheel)])
    b = submission.write_decoder_zip(str(tmp_path / "b.zip"), [str(fake_wheel)])
    assert a == b and open(tmp_path / "a.zip", "rb").read() == open(tmp_path / "b.zip", "rb").read()


def test_nothing_is_written_when_a_check_fails(bins, tmp_path, fake_wheel, capsys):
    out = tmp_path / "sub"
    assert submission.main([str(bins), str(out), "--bytes", "100"]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "exceed the budget of 100 bytes" in err and "submission not written" in err


def test_a_new_submission_replaces_the_old_images(bins, tmp_path, fake_wheel, capsys):
    out = tmp_path / "sub"
    (out / "images").mkdir(parents=True)
    (out / "images" / "stale.bin").write_bytes(b"old")
    assert submission.main([str(bins), str(out), "--bpp", "8"]) == 0
    assert sorted(os.listdir(out / "images")) == sorted(STREAMS)
    assert sorted(os.listdir(out)) == ["decoder.zip", "images"]
    assert "budget" in capsys.readouterr().out


def test_encode_writes_the_submission_after_a_track_run(tmp_path, fake_wheel, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for i, (h, w) in enumerate([(48, 64), (37, 29)]):
        Image.fromarray(synthetic_image(h, w, seed=40 + i)).save(src / f"p{i}.png")
    rc = encode_cli.main([str(src), str(tmp_path / "out"), "--track", "lowrate", "--bytes", "700",
                          "--quiet", "--jobs", "1", "--submission", str(tmp_path / "sub")])
    assert rc == 0
    assert sorted(os.listdir(tmp_path / "sub" / "images")) == ["p0.bin", "p1.bin"]
    for f in ("p0.bin", "p1.bin"):
        assert open(tmp_path / "sub" / "images" / f, "rb").read() == \
            open(tmp_path / "out" / f, "rb").read()
    assert "budget 700 bytes" in capsys.readouterr().out
