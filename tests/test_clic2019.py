"""The submission runs where CLIC 2019 runs it: decoder.zip from
tools.submission, replayed by ../shared/clic2019/check-submission in the 2019
runtime (Python 3.6, numpy 1.14.1, no numba, no network, 2 CPUs), decodes
every stored stream to exactly the pixels the current decoder gives, with the
files in images/ (as the organisers' submit command packs them) and at the
top of the folder.  Skipped only where that runtime is absent (a user's
clone); set CLIC2019_DIR to use one elsewhere."""
import os
import re
import shutil
import subprocess

import pytest

import codec
from codec.common.constants import FORMAT_VERSION
from codec.imageio import save_png
from tools import submission

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "tests", "data")
CLIC2019 = os.environ.get("CLIC2019_DIR") or os.path.join(os.path.dirname(REPO), "shared",
                                                          "clic2019")
CHECK = os.path.join(CLIC2019, "check-submission")

pytestmark = pytest.mark.skipif(not os.path.exists(CHECK),
                                reason=f"no CLIC 2019 runtime at {CLIC2019} (set CLIC2019_DIR)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The stored streams of the current format version, their submission and
    the current decoder's PNGs of them."""
    top = tmp_path_factory.mktemp("clic2019")
    bins, ref = top / "bins", top / "ref"
    bins.mkdir()
    ref.mkdir()
    names = sorted(f for f in os.listdir(DATA)
                   if f.startswith(f"v{FORMAT_VERSION}_") and f.endswith(".bin"))
    assert len(names) >= 8
    for f in names:
        shutil.copyfile(os.path.join(DATA, f), bins / f)
        save_png(str(ref / (f[:-4] + ".png")), codec.decode(open(bins / f, "rb").read()))
    s = submission.build(submission.find_bins(str(bins)), str(top / "sub"))
    return top, s, names


def _check(args):
    r = subprocess.run([CHECK] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=1800)
    return r.returncode, r.stdout + r.stderr


def test_zip_decodes_every_stored_stream_bit_exactly_with_the_files_at_the_top(built):
    """The files at the top of the folder (--flat); the images/ layout, the
    organisers' own, is the 300-file run below.  Each run of the runtime
    compiles the kernels afresh, as the server's fresh folder does, so the
    layouts share no run."""
    top, s, names = built
    code, out = _check([s.zip_path, s.images_dir, "--expect", top / "ref", "--flat"])
    assert code == 0, out
    assert f"decoded {len(names)} of {len(names)} images" in out
    assert "expect: all match" in out
    assert "decoder exit status 0" in out
    assert re.search(r"decoded \d+ of \d+ files in [\d.]+ s \(2 workers\)", out), out


def test_hundreds_of_files_and_a_bad_one_in_the_2019_runtime(built, tmp_path):
    """Over 300 files in images/ (the 2019 test set had 330 images; every
    stored stream many times over); a bad file is reported by name, costs
    only itself, and the exit status says so."""
    top, s, names = built
    images, ref = tmp_path / "images", tmp_path / "ref"
    images.mkdir()
    ref.mkdir()
    copies = 320 // len(names)
    for k in range(copies):
        for f in names:
            shutil.copyfile(os.path.join(s.images_dir, f), images / f"c{k:03d}_{f}")
            shutil.copyfile(top / "ref" / (f[:-4] + ".png"), ref / f"c{k:03d}_{f[:-4]}.png")
    data = open(os.path.join(s.images_dir, names[0]), "rb").read()
    (images / "zz_truncated.bin").write_bytes(data[:len(data) // 2])
    n = copies * len(names)
    code, out = _check([s.zip_path, images, "--expect", ref])
    assert code == 1                                 # the bad file's image is missing
    assert "decoder exit status 1" in out
    assert f"decoded {n} of {n + 1} images" in out
    assert "Missing image zz_truncated.png" in out
    assert "expect: all match" in out
    assert re.search(r"zz_truncated\.bin: .*(payload|short|truncat)", out), out
    assert re.search(r"decoded \d+ of \d+ files in [\d.]+ s \(2 workers\)", out), out
