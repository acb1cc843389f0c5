"""Head-to-head encode/decode speed of LDC and the peers, in one run.

  python -m tools.speed CORPUS_DIR [--images N] [--reps R] [--codecs a,b,...]

The bench's speed table is a by-product of a long sweep that runs each codec
at a different time on a shared machine.  This tool times the codecs side by
side instead: for each image, every codec at its low-rate and transparent
operating point (the settings the bench's uniform allocation picked on the
corpus), interleaved, each call repeated R times keeping the fastest (a
loaded neighbour only ever slows a call down).  One process, one thread per
codec.  Reported: total pixels / total seconds, per codec and point, and the
bpp of the files, so that equal-rate points are compared.
"""
import argparse
import os
import sys
import time

from tools import bench_peers

# (low-rate setting, transparent setting) per configuration; "ldc444"/"ldc420"
# are LDC with the chroma format fixed (one coding pass), "ldc" picks it by RD
# (luma coded once, chroma in both formats); "_fast" / "_max": EncoderConfig(effort=...).
POINTS = {
    "ldc": ("ldc", 362.039, 22.627),
    "ldc444": ("ldc", 362.039, 22.627),
    "ldc420": ("ldc", 362.039, 22.627),
    "ldc444_fast": ("ldc", 362.039, 22.627),
    "ldc420_fast": ("ldc", 362.039, 22.627),
    "ldc444_max": ("ldc", 362.039, 22.627),
    "ldc420_max": ("ldc", 362.039, 22.627),
    "heif444": ("heif444", 28, 58),
    "heif420": ("heif420", 26, 58),
    "heif444_psnr": ("heif444_psnr", 24, 62),
    "avif444": ("avif444", 33, 80),
    "avif420": ("avif420", 33, 80),
    "avif444_s3_psnr": ("avif444_s3_psnr", 30, 77),
    "jxl": ("jxl", 10.0, 0.7),
    "webp": ("webp", 10, 95),
}
DEFAULT = "ldc,ldc444,ldc420,ldc444_fast,ldc420_fast,heif444,heif420,avif444"


def _encoder(name):
    peer = bench_peers.PEERS[POINTS[name][0]]
    if name.startswith(("ldc444", "ldc420")):
        import codec
        chroma = name[3:6]
        effort = name.rsplit("_", 1)[1] if name.endswith(("_fast", "_max")) else "slow"

        def enc(rgb, lam):
            cfg = codec.EncoderConfig(lam=float(lam), chroma=chroma, effort=effort)
            return codec.encode_image(rgb, cfg).data
        return peer.prepare, enc, peer.decode
    return peer.prepare, peer.encode, peer.decode


def _best(fn, reps):
    best, out = None, None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def measure(files, names, reps, progress=None):
    """{(name, point): [pixels, bytes, encode s, decode s]} summed over files."""
    from codec.imageio import load_rgb
    coders = {n: _encoder(n) for n in names}
    acc = {(n, p): [0, 0, 0.0, 0.0] for n in names for p in ("lowrate", "transparent")}
    for path in files:
        rgb = load_rgb(path)[0]
        for point, k in (("lowrate", 1), ("transparent", 2)):
            for n in names:
                prepare, enc, dec = coders[n]
                src = prepare(rgb)
                te, data = _best(lambda: enc(src, POINTS[n][k]), reps)
                td, _ = _best(lambda: dec(data), reps)
                a = acc[(n, point)]
                a[0] += rgb.shape[0] * rgb.shape[1]
                a[1] += len(data)
                a[2] += te
                a[3] += td
                if progress:
                    progress()
    return acc


def format_table(acc):
    lines = ["| codec | point | setting | bpp | encode MP/s | decode MP/s |",
             "|---|---|---|---:|---:|---:|"]
    for (n, point), (px, nbytes, te, td) in acc.items():
        k = 1 if point == "lowrate" else 2
        label = bench_peers.PEERS[POINTS[n][0]].label(POINTS[n][k])
        lines.append(f"| {n} | {point} | {label} | {8 * nbytes / px:.4f} | {px / 1e6 / te:.3f} | "
                     f"{px / 1e6 / td:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.speed", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="folder of PNG images")
    p.add_argument("--images", type=int, default=4, help="first N images (default 4)")
    p.add_argument("--reps", type=int, default=2, help="repeats per call, fastest kept (default 2)")
    p.add_argument("--codecs", default=DEFAULT,
                   help=f"comma-separated, from: {', '.join(POINTS)} (default {DEFAULT})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    names = [n for n in a.codecs.split(",") if n]
    unknown = [n for n in names if n not in POINTS]
    if unknown:
        print(f"speed: unknown codec(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    missing = [(n, r) for n in names
               for r in [bench_peers.PEERS[POINTS[n][0]].available()] if r]
    if missing:
        print("speed: " + "; ".join(f"{n}: {r}" for n, r in missing), file=sys.stderr)
        return 2
    if not os.path.isdir(a.corpus):
        print(f"speed: no such folder {a.corpus}", file=sys.stderr)
        return 2
    from codec.imageio import png_files
    files = png_files(a.corpus)[:a.images]
    if not files:
        print(f"speed: no PNG files in {a.corpus}", file=sys.stderr)
        return 2
    bench_peers.single_thread()
    from tqdm import tqdm
    with tqdm(total=len(files) * len(names) * 2, desc="timing", unit="call", file=sys.stderr,
              disable=a.quiet) as bar:
        acc = measure(files, names, a.reps, lambda: bar.update(1))
    print(format_table(acc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
