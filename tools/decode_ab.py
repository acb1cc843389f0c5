"""Decode speed of two LDC checkouts, A against B, on the same images.

  python -m tools.decode_ab CHECKOUT_A CHECKOUT_B --images IMAGES... [--lam L] [--chroma C] [-n N]
  python -m tools.decode_ab CHECKOUT_A CHECKOUT_B --bins BIN_DIR_A BIN_DIR_B
  (both: [--rounds R] [--reps K])

A checkout is a folder holding `codec/` (a `git worktree add` of a commit,
say).  With --images each checkout encodes the images itself, untimed, at
one lambda with the chroma format fixed (each side decodes its own
streams, so a format change is compared as it would ship); with --bins
each side decodes the .bin files of its folder.  Then the two sides decode
in fresh processes, alternating A, B, A, B, ... for R rounds; in a round
every file is decoded K times and its fastest decode kept (a busy
neighbour only ever slows a decode down).  Printed: the total and CTU-loop
milliseconds of every round, the medians, and B / A of the medians; then
each file's fastest decode over all rounds, summed, and B / A of those
(steadier on a noisy machine); with each side's bytes (so that equal rates
can be checked).  Run-to-run noise on a shared machine is a few per cent
and at times far more: compare several rounds.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

_WORKER = "--worker"


def _worker(argv):
    """In a fresh process whose sys.path starts at one checkout:
    `encode CHECKOUT OUT_DIR LAM CHROMA IMAGE...` or `decode CHECKOUT BIN_DIR REPS`
    (prints one JSON line)."""
    what, checkout = argv[0], argv[1]
    sys.path.insert(0, checkout)
    if what == "encode":
        import codec
        from codec.imageio import load_rgb
        out, lam, chroma = argv[2], float(argv[3]), argv[4]
        for path in argv[5:]:
            rgb = load_rgb(path)[0]
            data = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, chroma=chroma)).data
            name = os.path.splitext(os.path.basename(path))[0] + ".bin"
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
        return 0
    # this repository's tools (already imported), which import the checkout's codec
    from tools.decode_profile import profile
    bin_dir, reps = argv[2], int(argv[3])
    streams = [(0, open(os.path.join(bin_dir, f), "rb").read())
               for f in sorted(os.listdir(bin_dir)) if f.endswith(".bin")]
    per_file = []
    _, total, stages = profile(streams, reps, per_file=per_file)
    print(json.dumps({"files": len(streams), "bytes": sum(len(d) for _, d in streams),
                      "total": total, "ctu_loop": stages.get("ctu_loop", 0.0),
                      "per_file": per_file}))
    return 0


def _run(args):
    r = subprocess.run([sys.executable, "-m", "tools.decode_ab", _WORKER] + args,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"{args[0]} with {args[1]} failed: {last}")
    return r.stdout


def compare(checkouts, bin_dirs, rounds, reps):
    """Per side, the list of per-round results ({'total', 'ctu_loop', 'bytes', 'files'})."""
    results = ([], [])
    for _ in range(rounds):
        for side in (0, 1):
            results[side].append(json.loads(_run(["decode", checkouts[side], bin_dirs[side],
                                                  str(reps)]).strip().splitlines()[-1]))
    return results


def report(checkouts, results):
    lines = []
    for side, name in enumerate("AB"):
        r = results[side][0]
        lines.append(f"{name}: {checkouts[side]}: {r['files']} files, {r['bytes']:,} bytes")
    lines += ["| round | A total ms | A CTU loop ms | B total ms | B CTU loop ms |",
              "|---:|---:|---:|---:|---:|"]
    for i, (a, b) in enumerate(zip(*results)):
        lines.append(f"| {i + 1} | {1e3 * a['total']:.1f} | {1e3 * a['ctu_loop']:.1f} | "
                     f"{1e3 * b['total']:.1f} | {1e3 * b['ctu_loop']:.1f} |")
    med = [{k: statistics.median(r[k] for r in results[s]) for k in ("total", "ctu_loop")}
           for s in (0, 1)]
    lines.append(f"median: A {1e3 * med[0]['total']:.1f} ms "
                 f"(CTU loop {1e3 * med[0]['ctu_loop']:.1f}), "
                 f"B {1e3 * med[1]['total']:.1f} ms (CTU loop {1e3 * med[1]['ctu_loop']:.1f}): "
                 f"B / A {med[1]['total'] / med[0]['total']:.3f} "
                 f"(CTU loop {med[1]['ctu_loop'] / max(med[0]['ctu_loop'], 1e-12):.3f})")
    # Each file's fastest decode over all rounds, summed: a busy neighbour only slows a
    # decode down, so on a noisy machine this is steadier than the median of round totals.
    best = [[sum(min(r["per_file"][i][k] for r in results[s])
                 for i in range(results[s][0]["files"])) for k in (0, 1)] for s in (0, 1)]
    lines.append(f"fastest per file: A {1e3 * best[0][0]:.1f} ms (CTU loop {1e3 * best[0][1]:.1f}), "
                 f"B {1e3 * best[1][0]:.1f} ms (CTU loop {1e3 * best[1][1]:.1f}): "
                 f"B / A {best[1][0] / best[0][0]:.3f} "
                 f"(CTU loop {best[1][1] / max(best[0][1], 1e-12):.3f})")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [_WORKER]:
        return _worker(argv[1:])
    from tools.cli import doc_parser, images_or_error
    p = doc_parser("python -m tools.decode_ab", __doc__)
    p.add_argument("checkout_a", help="folder holding codec/ (A)")
    p.add_argument("checkout_b", help="folder holding codec/ (B)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--images", nargs="+", metavar="IMAGE",
                     help="image files or folders of PNGs, encoded by each side")
    src.add_argument("--bins", nargs=2, metavar=("BIN_DIR_A", "BIN_DIR_B"),
                     help="folders of .bin files decoded by A and by B")
    p.add_argument("--lam", type=float, default=362.039,
                   help="lambda of the --images encodes (default 362.039, the low-rate point)")
    p.add_argument("--chroma", choices=("444", "420"), default="444",
                   help="chroma format of the --images encodes (default 444)")
    p.add_argument("-n", type=int, default=0, help="first N images only (default all)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    p.add_argument("--reps", type=int, default=3,
                   help="decodes per file per round, fastest kept (default 3)")
    a = p.parse_args(argv)
    checkouts = [os.path.abspath(c) for c in (a.checkout_a, a.checkout_b)]
    for c in checkouts:
        if not os.path.isdir(os.path.join(c, "codec")):
            print(f"decode_ab: not a checkout (no codec/ folder): {c}", file=sys.stderr)
            return 2
    if a.rounds < 1 or a.reps < 1 or a.n < 0:
        print("decode_ab: --rounds and --reps must be at least 1, -n at least 0", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="decode_ab_") as tmp:
        if a.bins:
            bin_dirs = [os.path.abspath(d) for d in a.bins]
            for d in bin_dirs:
                if not os.path.isdir(d) or not any(f.endswith(".bin") for f in os.listdir(d)):
                    print(f"decode_ab: no .bin files in {d}", file=sys.stderr)
                    return 2
        else:
            files = images_or_error(a.images, "decode_ab")
            if files is None:
                return 2
            files = [os.path.abspath(f) for f in (files[:a.n] if a.n else files)]
            bin_dirs = [os.path.join(tmp, side) for side in "AB"]
            for c, d in zip(checkouts, bin_dirs):
                os.makedirs(d)
                print(f"encoding {len(files)} images with {c} (lambda {a.lam:g}, {a.chroma})",
                      file=sys.stderr)
                _run(["encode", c, d, str(a.lam), a.chroma] + files)
        try:
            results = compare(checkouts, bin_dirs, a.rounds, a.reps)
        except RuntimeError as e:
            print(f"decode_ab: {e}", file=sys.stderr)
            return 1
    print(report(checkouts, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
