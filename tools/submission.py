"""Build a CLIC 2019 submission: OUT_DIR/decoder.zip and OUT_DIR/images/*.bin.

  python3 -m tools.submission BIN_DIR OUT_DIR [--bpp 0.15 | --bytes N] [--pngs DIR]

The zip is what the 2019 server runs: it extracts it beside the .bin files
and runs `./decode` with no arguments under Python 3.6 with numpy 1.14,
no numba and no network.  So it holds `decode` (decode.py) at its root, the
decoder's side of the codec package (codec/ without enc/ and sets/), and in
_vendor/ the unpacked Python 3.6 wheels the 2019 image lacks: numba 0.53.1
(the last release for 3.6), llvmlite 0.36.0 and numpy 1.19.5 (numba 0.53
needs numpy >= 1.15).  The wheels are fetched once with `pip download`,
checked against pinned sha256 hashes and cached (--wheels, default
~/.cache/ldc/clic2019-wheels).

Before writing anything it checks what the server would reject or score as
missing: with --bpp/--bytes the total size of the .bin files against the
budget (counted as the server counts: every submitted file but the decoder;
pixels from the files' own headers; --bpp B allows ceil(pixels * B / 8)
bytes), that no two files share a stem (each decodes to <stem>.png), and
that every file decodes with the current decoder.  Nothing is written if a
check fails (exit status 1).

Then check the zip in the 2019 runtime:
  ../shared/clic2019/check-submission OUT_DIR/decoder.zip OUT_DIR/images --expect PNG_DIR
(PNG_DIR from --pngs: the current decoder's output, which the zip must match pixel for pixel).
"""
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import namedtuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What the 2019 image lacks, as cp36 manylinux wheels for glibc <= 2.17 (the
# image is Ubuntu 16.04): (requirement, sha256 of the wheel pip picks for
# the platforms below).
PINNED_WHEELS = (
    ("numba==0.53.1", "8fa5c963a43855050a868106a87cd614f3c3f459951c8fc468aec263ef80d063"),
    ("llvmlite==0.36.0", "7768658646c418b9b3beccb7044277a608bc8c62b82a85e73c7e5c065e4157c2"),
    ("numpy==1.19.5", "a4646724fba402aa7504cd48b4b50e783296b5e10a524c7a6da62e4a8ac9698d"),
)
_PIP_TARGET = ["--only-binary=:all:", "--no-deps", "--python-version", "3.6",
               "--implementation", "cp", "--abi", "cp36m",
               "--platform", "manylinux2014_x86_64", "--platform", "manylinux2010_x86_64",
               "--platform", "manylinux1_x86_64"]
# Parts of the codec package the decoder never imports (tests/test_layout.py holds it to
# that): the encoder, the set-level tools, and the Pillow plugin (which also encodes)
ENCODER_SIDE = ("enc", "sets", "pillow.py")
VENDOR_DIR = "_vendor"
_ZIP_TIME = (2019, 1, 1, 0, 0, 0)   # fixed entry times: the same inputs give the same zip

Submission = namedtuple("Submission", "zip_path images_dir files nbytes pixels budget zip_bytes")


class SubmissionError(Exception):
    """The submission would be rejected (or score images as missing); args[0] lists why."""


def default_wheel_cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ldc", "clic2019-wheels")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cached_wheels(cache_dir):
    """{sha256: path} of the pinned wheels already in cache_dir."""
    want = {digest for _, digest in PINNED_WHEELS}
    found = {}
    if os.path.isdir(cache_dir):
        for name in sorted(os.listdir(cache_dir)):
            if name.endswith(".whl"):
                path = os.path.join(cache_dir, name)
                digest = _sha256(path)
                if digest in want:
                    found[digest] = path
    return found


def fetch_wheels(cache_dir=None, log=None):
    """Paths of the pinned wheels, downloaded into cache_dir the first time
    (pip, hash-checked); raises SubmissionError if they cannot be had."""
    cache_dir = cache_dir or default_wheel_cache()
    found = _cached_wheels(cache_dir)
    missing = [(req, digest) for req, digest in PINNED_WHEELS if digest not in found]
    if missing:
        if log:
            log("fetching " + ", ".join(req for req, _ in missing) + " (cp36 wheels) into "
                + cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            reqs = os.path.join(tmp, "requirements.txt")
            with open(reqs, "w") as f:
                f.writelines(f"{req} --hash=sha256:{digest}\n" for req, digest in missing)
            r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet",
                                "--disable-pip-version-check", "--require-hashes",
                                *_PIP_TARGET, "-d", tmp, "-r", reqs],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                tail = r.stdout.strip().splitlines()[-1:] or ["(no output)"]
                raise SubmissionError([f"pip could not fetch the Python 3.6 wheels: {tail[0]}"])
            for name in os.listdir(tmp):
                if name.endswith(".whl"):
                    os.replace(os.path.join(tmp, name), os.path.join(cache_dir, name))
        found = _cached_wheels(cache_dir)
        still = [req for req, digest in PINNED_WHEELS if digest not in found]
        if still:
            raise SubmissionError([f"no wheel with the pinned hash for {', '.join(still)}"])
    return [found[digest] for _, digest in PINNED_WHEELS]


def decoder_files(repo=REPO):
    """[(name in the zip, source path)]: decode.py as `decode`, and every
    .py file of the codec package outside ENCODER_SIDE."""
    out = [("decode", os.path.join(repo, "decode.py"))]
    pkg = os.path.join(repo, "codec")
    for root, dirs, files in os.walk(pkg):
        rel = os.path.relpath(root, pkg)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__"
                         and not (rel == "." and d in ENCODER_SIDE))
        for f in sorted(files):
            if f.endswith(".py") and not (rel == "." and f in ENCODER_SIDE):
                arc = os.path.normpath(os.path.join("codec", rel, f)).replace(os.sep, "/")
                out.append((arc, os.path.join(root, f)))
    return out


def _entry(name, mode):
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.external_attr = (0o100000 | mode) << 16       # a regular file with these permissions
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_decoder_zip(path, wheels, repo=REPO):
    """Write the decoder zip atomically; returns its size in bytes."""
    tmp = path + ".tmp"
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for arc, src in decoder_files(repo):
                with open(src, "rb") as f:
                    z.writestr(_entry(arc, 0o755 if arc == "decode" else 0o644), f.read())
            for whl in wheels:
                with zipfile.ZipFile(whl) as w:
                    for info in w.infolist():
                        top = info.filename.split("/", 1)[0]
                        if info.is_dir() or top.endswith(".data"):    # scripts, headers: unused
                            continue
                        mode = (info.external_attr >> 16) & 0o777 or 0o644
                        z.writestr(_entry(f"{VENDOR_DIR}/{info.filename}", mode), w.read(info))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return os.path.getsize(path)


def check_streams(bins, budget_bytes=None, bpp=None, jobs=None, png_dir=None):
    """What the server would reject, as a list of one-line problems (empty: fine),
    and (total bytes, pixels, budget).  Every file is decoded with the current
    decoder (into png_dir if given, else a temporary folder)."""
    import decode as decode_cli
    from codec.common import container
    from codec.cpus import usable_cpus
    from codec.errors import CodecError
    problems = []
    if not bins:
        return ["no .bin files given"], (0, 0, None)
    _, clashes = decode_cli.plan(bins, ".")
    for dst, srcs in sorted(clashes.items()):
        problems.append(f"{' and '.join(srcs)}: the same name, each would decode to "
                        f"{os.path.basename(dst)}")
    nbytes = sum(os.path.getsize(b) for b in bins)
    pixels = 0
    for b in bins:
        with open(b, "rb") as f:
            try:
                h, _ = container.parse(f.read())
                pixels += h.width * h.height
            except CodecError as e:
                problems.append(f"{b}: {e}")
    budget = budget_bytes
    if budget is None and bpp is not None and pixels:
        budget = math.ceil(pixels * bpp / 8)        # as the server computes BYTES_TOTAL_MAX
    if budget is not None and nbytes > budget:
        problems.append(f"{nbytes} bytes exceed the budget of {budget} bytes by {nbytes - budget}")
    if not problems:
        with tempfile.TemporaryDirectory() as tmp:
            out = png_dir or tmp
            os.makedirs(out, exist_ok=True)
            todo, _ = decode_cli.plan(bins, out)
            results = decode_cli.run(todo, jobs or usable_cpus())
        problems += [f"{src}: does not decode: {err}" for src, err in sorted(results.items()) if err]
    return problems, (nbytes, pixels, budget)


def _replace_dir(new, final):
    """Put folder `new` in place of `final` (whose old content goes)."""
    old = None
    if os.path.exists(final):
        old = final + f".old-{os.getpid()}"
        os.rename(final, old)
    os.rename(new, final)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def build(bins, out_dir, budget_bytes=None, bpp=None, wheels_dir=None, jobs=None, png_dir=None,
          log=None):
    """Check the .bin files, then write out_dir/decoder.zip and out_dir/images/.
    Raises SubmissionError (nothing written) if the server would reject them."""
    bins = sorted(bins)
    problems, (nbytes, pixels, budget) = check_streams(bins, budget_bytes, bpp, jobs, png_dir)
    if problems:
        raise SubmissionError(problems)
    wheels = fetch_wheels(wheels_dir, log)
    os.makedirs(out_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".images-", dir=out_dir)
    try:
        for b in bins:
            shutil.copyfile(b, os.path.join(staging, os.path.basename(b)))
        zip_path = os.path.join(out_dir, "decoder.zip")
        zip_bytes = write_decoder_zip(zip_path, wheels)
        images = os.path.join(out_dir, "images")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)           # mkdtemp made it private
        _replace_dir(staging, images)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Submission(zip_path, images, len(bins), nbytes, pixels, budget, zip_bytes)


def find_bins(folder):
    """The .bin files under folder (subfolders included), as decode.py finds them."""
    import decode as decode_cli
    return decode_cli.find_streams(folder)


def main(argv=None):
    from tools.cli import doc_parser
    p = doc_parser("python3 -m tools.submission", __doc__)
    p.add_argument("bin_dir", help="folder of .bin files (subfolders included)")
    p.add_argument("out_dir", help="where decoder.zip and images/ are written")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--bpp", type=float, help="low-rate budget in bits per pixel (e.g. 0.15)")
    g.add_argument("--bytes", type=int, help="low-rate budget as total bytes")
    p.add_argument("--pngs", metavar="DIR",
                   help="keep the current decoder's PNGs here (check-submission's --expect)")
    p.add_argument("--wheels", metavar="DIR", help=f"wheel cache (default {default_wheel_cache()})")
    p.add_argument("--jobs", type=int, default=None, help="decoding processes for the check")
    a = p.parse_args(argv)
    if a.bpp is not None and not a.bpp > 0:
        p.error("--bpp must be positive")
    if a.bytes is not None and a.bytes <= 0:
        p.error("--bytes must be positive")
    if not os.path.isdir(a.bin_dir):
        print(f"submission: no such folder: {a.bin_dir}", file=sys.stderr)
        return 2
    return build_and_report(find_bins(a.bin_dir), a.out_dir, "submission", budget_bytes=a.bytes,
                            bpp=a.bpp, wheels_dir=a.wheels, jobs=a.jobs, png_dir=a.pngs)


def build_and_report(bins, out_dir, prog, **options):
    """build() for a command line: the summary on stdout, each problem on
    stderr as one line; returns the exit status."""
    t0 = time.time()
    try:
        s = build(bins, out_dir, log=lambda m: print(f"{prog}: {m}", file=sys.stderr), **options)
    except SubmissionError as e:
        for line in e.args[0]:
            print(f"{prog}: {line}", file=sys.stderr)
        print(f"{prog}: submission not written", file=sys.stderr)
        return 1
    print(report(s, time.time() - t0))
    return 0


def report(s, seconds=None):
    """The summary lines of a written submission."""
    lines = [f"images     {s.files} files, {s.nbytes} bytes, "
             f"{8 * s.nbytes / s.pixels:.5f} bpp over {s.pixels} pixels"
             + (f"; budget {s.budget} bytes ({s.nbytes / s.budget:.2%} used)" if s.budget else ""),
             f"decoder    {s.zip_path} ({s.zip_bytes / 1e6:.1f} MB: decode, codec/ without "
             f"{', '.join(ENCODER_SIDE)}, " + ", ".join(r for r, _ in PINNED_WHEELS) + ")",
             f"written    {s.images_dir}/ and {os.path.basename(s.zip_path)}"
             + (f" in {seconds:.1f} s" if seconds is not None else "")]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
