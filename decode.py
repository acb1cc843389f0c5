#!/usr/bin/env python3
"""Decode LDC files to PNG.

  decode.py                  decode every *.bin in the current folder to <stem>.png there
                             (the CLIC submission contract)
  decode.py FILE... [-o DIR] decode the given files (PNGs next to them, or into DIR)

A file that fails is reported by name and the others still decode; the exit
status is 0 only if every file decoded.  PNGs are written atomically.
"""
import argparse
import glob
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor


def _worker_init():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _decode_one(src, dst):
    try:
        import codec
        from codec.imageio import save_png
        with open(src, "rb") as f:
            data = f.read()
        rgb = codec.decode(data)
        save_png(dst, rgb)
        return None
    except Exception as e:     # reported per file; one bad file never stops the rest
        return f"{type(e).__name__}: {e}"


def main(argv=None):
    p = argparse.ArgumentParser(prog="decode.py", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", help="files to decode (default: ./*.bin)")
    p.add_argument("-o", "--output-dir", help="folder for the PNGs")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    files = a.files or sorted(glob.glob("*.bin"))
    if not files:
        print("decode.py: no .bin files to decode", file=sys.stderr)
        return 1
    if a.output_dir:
        os.makedirs(a.output_dir, exist_ok=True)
    jobs = []
    for f in files:
        stem = os.path.splitext(os.path.basename(f))[0]
        d = a.output_dir if a.output_dir else (os.path.dirname(f) or ".")
        jobs.append((f, os.path.join(d, stem + ".png")))
    try:
        if len(jobs) == 1 or a.jobs == 1:
            results = [_decode_one(s, d) for s, d in jobs]
        else:
            with ProcessPoolExecutor(max_workers=min(a.jobs, len(jobs)),
                                     initializer=_worker_init) as pool:
                results = list(pool.map(_decode_one, *zip(*jobs)))
    except KeyboardInterrupt:
        print("\ndecode.py: interrupted; PNGs already written are complete", file=sys.stderr)
        return 130
    bad = [(s, err) for (s, _), err in zip(jobs, results) if err]
    for s, err in bad:
        print(f"{s}: {err}", file=sys.stderr)
    print(f"decoded {len(jobs) - len(bad)} of {len(jobs)} files", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
