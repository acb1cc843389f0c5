"""Interrupted runs and failed writes never leave partial or damaged files."""
import os
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

import codec
from codec.imageio import atomic_write
from conftest import synthetic_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_atomic_write_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old contents")

    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(str(target), b"new contents")
    assert target.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["a.bin"]          # no temporary left behind


def test_ctrl_c_leaves_only_complete_files(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        Image.fromarray(synthetic_image(256, 384, seed=40 + i)).save(src / f"p{i}.png")
    out = tmp_path / "out"
    (out).mkdir()
    (out / "p0.bin").write_bytes(b"previous run")      # an older output must survive intact
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "encode.py"), str(src), str(out),
                             "--track", "lowrate", "--bpp", "0.5", "--jobs", "2"],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    t0 = time.time()
    line = ""
    while "low-rate" not in line and time.time() - t0 < 120:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    names = sorted(os.listdir(out))
    assert all(n.endswith(".bin") for n in names)          # no temporaries
    assert (out / "p0.bin").read_bytes() == b"previous run"
    for n in names:
        if n != "p0.bin":
            codec.decode((out / n).read_bytes())           # anything written is complete
