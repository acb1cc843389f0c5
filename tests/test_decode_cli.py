"""decode.py keeps the CLIC contract as the 2019 server applies it: no
arguments, .bin files anywhere under the current folder (the organisers'
submit command puts them in images/), PNGs in the current folder, every CPU
the process may use, and one bad file (or one lost worker) costs only itself."""
import os
import shutil

import numpy as np
from PIL import Image

import codec
import decode as decode_cli
from codec import cpus
from codec.common.constants import FORMAT_VERSION

DATA = os.path.join(os.path.dirname(__file__), "data")
STREAMS = [f"v{FORMAT_VERSION}_{n}.bin" for n in ("c420_40x56_q35", "c444_33x65_q85",
                                                  "grey_21x34_q60", "c444_72x72_q97")]


def _put(folder, name, as_name=None):
    os.makedirs(folder, exist_ok=True)
    dst = os.path.join(folder, as_name or name)
    shutil.copyfile(os.path.join(DATA, name), dst)
    return dst


def _pixels_match(png, stream):
    expect = codec.decode(open(os.path.join(DATA, stream), "rb").read())
    return np.array_equal(np.asarray(Image.open(png).convert("RGB")), expect)


def test_no_arguments_decodes_every_bin_under_the_folder_into_it(tmp_path, monkeypatch, capsys):
    _put(tmp_path / "images", STREAMS[0])
    _put(tmp_path / "images" / "deeper", STREAMS[1])
    _put(tmp_path, STREAMS[2])
    _put(tmp_path, STREAMS[3], "upper.BIN")
    _put(tmp_path / "__pycache__", STREAMS[0], "cache.bin")            # never a stream
    _put(tmp_path / "_vendor", STREAMS[0], "vendored.bin")             # the decoder's own files
    monkeypatch.setattr(decode_cli, "VENDOR", str(tmp_path / "_vendor"))
    monkeypatch.chdir(tmp_path)
    assert decode_cli.main(["--jobs", "2"]) == 0
    pngs = sorted(f for f in os.listdir(tmp_path) if f.endswith(".png"))
    assert pngs == sorted(["upper.png"] + [s[:-4] + ".png" for s in STREAMS[:3]])
    for s in STREAMS[:3]:
        assert _pixels_match(tmp_path / (s[:-4] + ".png"), s)
    assert _pixels_match(tmp_path / "upper.png", STREAMS[3])
    err = capsys.readouterr().err
    assert "decoded 4 of 4 files" in err and "(2 workers)" in err


def test_two_files_of_one_stem_are_an_error_naming_both(tmp_path, monkeypatch, capsys):
    a = _put(tmp_path / "images", STREAMS[0], "same.bin")
    b = _put(tmp_path / "more", STREAMS[1], "same.bin")
    _put(tmp_path / "images", STREAMS[2])
    monkeypatch.chdir(tmp_path)
    assert decode_cli.main([]) == 1
    err = capsys.readouterr().err
    line = next(l for l in err.splitlines() if "same.png" in l)
    assert os.path.relpath(a, tmp_path) in line and os.path.relpath(b, tmp_path) in line
    assert not (tmp_path / "same.png").exists()                     # neither wins silently
    assert (tmp_path / (STREAMS[2][:-4] + ".png")).exists()
    assert "decoded 1 of 3 files" in err


def test_a_bad_file_is_reported_by_name_and_the_rest_decode(tmp_path, monkeypatch, capsys):
    for s in STREAMS[:3]:
        _put(tmp_path / "images", s)
    bad = tmp_path / "images" / "broken.bin"
    bad.write_bytes(open(os.path.join(DATA, STREAMS[3]), "rb").read()[:-9])
    monkeypatch.chdir(tmp_path)
    assert decode_cli.main([]) == 1
    err = capsys.readouterr().err
    assert any(l.startswith(os.path.join("images", "broken.bin") + ":") for l in err.splitlines())
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".png")]) == 3
    assert not (tmp_path / "broken.png").exists()


def test_nothing_to_decode_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert decode_cli.main([]) == 2
    assert "no .bin files" in capsys.readouterr().err


_real_decode_one = decode_cli._decode_one


def _dies_on_victim(src, dst):
    """A worker that is killed (out of memory, say) while it decodes victim.bin."""
    if os.path.basename(src) == "victim.bin":
        os._exit(9)
    return _real_decode_one(src, dst)


def test_a_lost_worker_costs_only_its_own_file(tmp_path, monkeypatch, capsys):
    for s in STREAMS:
        _put(tmp_path / "images", s)
    _put(tmp_path / "images", STREAMS[0], "victim.bin")
    monkeypatch.setattr(decode_cli, "_decode_one", _dies_on_victim)
    monkeypatch.chdir(tmp_path)
    assert decode_cli.main(["--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "victim.bin: the decoding process died" in err
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".png")) == \
        sorted(s[:-4] + ".png" for s in STREAMS)
    assert "decoded 4 of 5 files" in err



def test_usable_cpus_follow_the_cgroup_quota(tmp_path, monkeypatch):
    """docker run --cpus 2 sets a CFS quota and leaves the affinity mask wide."""
    v2 = tmp_path / "cpu.max"
    monkeypatch.setattr(cpus, "_CGROUP_FILES", ((str(v2), None),))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    v2.write_text("200000 100000\n")
    assert cpus.cgroup_cpu_limit() == 2.0 and cpus.usable_cpus() == 2
    v2.write_text("150000 100000\n")
    assert cpus.usable_cpus() == 2
    v2.write_text("max 100000\n")
    assert cpus.cgroup_cpu_limit() is None and cpus.usable_cpus() == 64
    quota, period = tmp_path / "cfs_quota_us", tmp_path / "cfs_period_us"
    monkeypatch.setattr(cpus, "_CGROUP_FILES", ((str(tmp_path / "absent"), None),
                                                (str(quota), str(period))))
    quota.write_text("-1\n")
    period.write_text("100000\n")
    assert cpus.cgroup_cpu_limit() is None
    quota.write_text("400000\n")
    assert cpus.usable_cpus() == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert cpus.usable_cpus() == 2


READ_ONLY_RUN = r"""
import os, runpy, sys
real = os.access
os.access = lambda path, mode, **kw: False if mode == os.W_OK else real(path, mode, **kw)
runpy.run_path({script!r}, run_name="ldc_decode_probe")   # its setup, not main()
from codec.common.colour import up_tap_src
print(os.environ["NUMBA_CACHE_DIR"], up_tap_src(3, 1, 8))
"""


def test_a_read_only_package_folder_puts_the_kernel_cache_in_the_temporary_folder(tmp_path):
    """Where the package folder cannot be written (a read-only extraction,
    another user's install), decode.py points numba's cache at a per-user
    folder under TMPDIR instead of failing.  One small decoder kernel is
    compiled there: a whole decode would compile every kernel again (87 s
    of a fresh clone's test run), and past the cache folder its code path
    is the ordinary one the other decode tests run."""
    import subprocess
    import sys
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    env.pop("NUMBA_CACHE_DIR", None)
    os.makedirs(env["TMPDIR"])
    r = subprocess.run([sys.executable, "-c", READ_ONLY_RUN.format(
        script=os.path.join(os.path.dirname(DATA), "..", "decode.py"))],
        env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    cache = tmp_path / "tmp" / f"ldc-kernels-{os.getuid()}"
    assert r.stdout.split() == [str(cache), "2"]
    assert any(f.endswith(".nbi") for _, _, files in os.walk(cache) for f in files)
