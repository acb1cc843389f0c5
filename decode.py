#!/usr/bin/env python3
"""Decode LDC files to PNG.

  decode.py                  decode every .bin under the current folder (subfolders
                             included) to <stem>.png in the current folder: the CLIC
                             submission contract, as the 2019 server runs it
  decode.py FILE... [-o DIR] decode the given files (PNGs next to them, or into DIR)

A file that fails is reported by name and the others still decode; the exit
status is 0 only if every file decoded.  Two files with the same stem would
write the same PNG: both are reported and neither is decoded.  PNGs are
written atomically.  Work is spread over the CPUs this process may use.

This file is also the executable of the CLIC submission (tools/submission.py
packs it as `decode`), so it runs on Python 3.6 as well: a `_vendor` folder
beside it (numba and the numpy it needs, for a runtime that lacks them) goes
first on the module path.
"""
import argparse
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR = os.path.join(HERE, "_vendor")


def _prepare_runtime():
    """Before numba is imported: use the vendored packages if they are here,
    and give numba a cache folder it can write (beside the sources if the
    folder allows, else a per-user folder under the temporary directory)."""
    if os.path.isdir(VENDOR) and VENDOR not in sys.path:
        sys.path.insert(0, VENDOR)
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    if "NUMBA_CACHE_DIR" not in os.environ:
        import importlib.util
        spec = importlib.util.find_spec("codec")
        pkg = os.path.dirname(spec.origin) if spec and spec.origin else HERE
        if not os.access(pkg, os.W_OK):
            os.environ["NUMBA_CACHE_DIR"] = os.path.join(
                tempfile.gettempdir(), "ldc-kernels-{}".format(os.getuid()))


_prepare_runtime()

# --- worker side ------------------------------------------------------------------

def _decode_one(src, dst):
    """Decode one file to a PNG; returns None, or the error as one line."""
    if multiprocessing.current_process().name != "MainProcess":
        # in a pool process: Ctrl-C goes to the parent, which stops the pool
        # (ProcessPoolExecutor's initializer= would do this once, but is Python 3.7+)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import codec
        from codec.imageio import save_png
        with open(src, "rb") as f:
            data = f.read()
        save_png(dst, codec.decode(data))
        return None
    except Exception as e:     # reported per file; one bad file never stops the rest
        from codec.errors import CodecError
        return str(e) if isinstance(e, CodecError) else "{}: {}".format(type(e).__name__, e)


# --- driver -------------------------------------------------------------------------

def own_folders():
    """The decoder's own folders (its package and vendored libraries), which a
    folder scan must not enter."""
    import importlib.util
    own = {os.path.realpath(VENDOR)}
    spec = importlib.util.find_spec("codec")
    if spec and spec.origin:
        own.add(os.path.realpath(os.path.dirname(spec.origin)))
    return own


def find_streams(top):
    """Every *.bin under top, subfolders included, outside the decoder's own
    folders and __pycache__; sorted."""
    own = own_folders()
    found = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__"
                         and os.path.realpath(os.path.join(root, d)) not in own)
        found.extend(os.path.normpath(os.path.join(root, f)) for f in sorted(files)
                     if f.lower().endswith(".bin"))
    return found


def plan(files, out_dir):
    """(jobs, clashes): jobs = [(src, dst png)]; files whose PNG name another
    file also writes are left out and returned as clashes {dst: [src, ...]}."""
    by_dst = {}
    for f in files:
        stem = os.path.splitext(os.path.basename(f))[0]
        d = out_dir if out_dir is not None else (os.path.dirname(f) or ".")
        by_dst.setdefault(os.path.normpath(os.path.join(d, stem + ".png")), []).append(f)
    jobs = [(srcs[0], dst) for dst, srcs in by_dst.items() if len(srcs) == 1]
    clashes = {dst: srcs for dst, srcs in by_dst.items() if len(srcs) > 1}
    return jobs, clashes


def _run_isolated(src, dst):
    """Decode one file in a process of its own (after a worker died): a file
    that kills its process loses nothing but itself."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(_decode_one, src, dst).result()
    except BrokenProcessPool:
        return "the decoding process died (killed, or out of memory)"


def run(jobs, workers, progress=None):
    """Decode jobs [(src, dst)] on `workers` processes; returns {src: error or None}.
    Largest files first, so the pool does not end waiting on one big image."""
    jobs = sorted(jobs, key=lambda j: -os.path.getsize(j[0]) if os.path.exists(j[0]) else 0)
    results = {}
    if workers <= 1 or len(jobs) <= 1:
        for src, dst in jobs:
            results[src] = _decode_one(src, dst)
            if progress:
                progress(src, results[src])
        return results
    broken = []
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = [(src, dst, pool.submit(_decode_one, src, dst)) for src, dst in jobs]
        for src, dst, fut in futures:
            try:
                results[src] = fut.result()
            except BrokenProcessPool:
                broken.append((src, dst))
                continue
            if progress:
                progress(src, results[src])
    for src, dst in broken:                 # a worker died: the files it took down go again
        results[src] = _run_isolated(src, dst)
        if progress:
            progress(src, results[src])
    return results


def _progress_bar(total):
    """A progress callback: a tqdm bar on a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:
        return None, None
    bar = tqdm(total=total, desc="decoding", unit="file", file=sys.stderr, leave=False)
    return (lambda src, err: bar.update(1)), bar


def main(argv=None):
    from codec.cpus import usable_cpus
    p = argparse.ArgumentParser(prog="decode.py", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", help="files to decode (default: every .bin under the "
                                            "current folder, PNGs written here)")
    p.add_argument("-o", "--output-dir", help="folder for the PNGs")
    p.add_argument("--jobs", type=int, default=usable_cpus(),
                   help="worker processes (default: the CPUs this process may use)")
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    if a.jobs < 1:
        p.error("--jobs must be >= 1")
    if a.files:
        files, out_dir = a.files, a.output_dir
    else:
        files, out_dir = find_streams("."), a.output_dir or "."
    if not files:
        print("decode.py: no .bin files to decode", file=sys.stderr)
        return 2
    if a.output_dir:
        os.makedirs(a.output_dir, exist_ok=True)
    jobs, clashes = plan(files, out_dir)
    for dst, srcs in sorted(clashes.items()):
        print("{}: not decoded: {} would all write {}".format(
            srcs[0], " and ".join(srcs), dst), file=sys.stderr)
    t0 = time.time()
    progress, bar = _progress_bar(len(jobs))
    try:
        results = run(jobs, a.jobs, progress)
    except KeyboardInterrupt:
        print("\ndecode.py: interrupted; PNGs already written are complete", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    bad = sorted((src, err) for src, err in results.items() if err)
    for src, err in bad:
        print("{}: {}".format(src, err), file=sys.stderr)
    done = len(jobs) - len(bad)
    print("decoded {} of {} files in {:.1f} s ({} worker{})".format(
        done, len(files), time.time() - t0, min(a.jobs, max(1, len(jobs))),
        "" if min(a.jobs, max(1, len(jobs))) == 1 else "s"), file=sys.stderr)
    return 0 if done == len(files) else 1


if __name__ == "__main__":
    sys.exit(main())
