"""Where a decode's time goes, by stage.

  python -m tools.decode_profile IMAGES... [--lam L ...] [--images N] [--reps R] [--threads T]

Encodes each image once per lambda (untimed; default: the low-rate and the
transparent points of tools/speed.py, chroma chosen by RD as encode.py
does), then decodes every file R times in this process on one thread and
keeps, per file, the fastest decode with its stages (codec.decode's
timings: setup = header and state, ctu_loop = entropy decoding, prediction
and inverse transforms, filter_params = restoration syntax, deblock,
restore, colour = chroma upsampling and YCbCr -> RGB; with --threads T > 1,
deblocking and restoration run a plane per thread and are reported
together as filters_threaded, and colour conversion runs in T row bands).
The first file is decoded once untimed (kernel load).
"""
import sys
import time

from tools.cli import doc_parser, images_or_error

POINTS = {"lowrate": 362.039, "transparent": 22.627}


def profile(streams, reps, threads=1, per_file=None):
    """(pixels, wall seconds, {stage: seconds}) of the fastest of `reps`
    decodes of each stream, summed over the streams; with a list per_file,
    each stream's (seconds, CTU-loop seconds) is appended to it too."""
    import codec
    cfg = codec.DecoderConfig(threads=threads)
    codec.decode(streams[0][1], config=cfg)                  # kernel load, untimed
    pixels, total, stages = 0, 0.0, {}
    for npx, data in streams:
        best = None
        for _ in range(reps):
            timings = {}
            t = time.perf_counter()
            codec.decode(data, config=cfg, timings=timings)
            dt = time.perf_counter() - t
            if best is None or dt < best[0]:
                best = (dt, timings)
        pixels += npx
        total += best[0]
        if per_file is not None:
            per_file.append((best[0], best[1].get("ctu_loop", 0.0)))
        for k, v in best[1].items():
            stages[k] = stages.get(k, 0.0) + v
    return pixels, total, stages


def format_table(title, pixels, total, stages):
    from codec.dec.decoder import STAGES
    lines = [f"{title}: {pixels / 1e6:.2f} MP in {total * 1e3:.1f} ms: "
             f"{pixels / 1e6 / total:.2f} MP/s",
             "| stage | ms | ms/MP | share |", "|---|---:|---:|---:|"]
    for k in [k for k in STAGES if k in stages]:
        v = stages[k]
        lines.append(f"| {k} | {v * 1e3:.1f} | {v * 1e3 / (pixels / 1e6):.2f} | "
                     f"{100 * v / total:.0f} % |")
    rest = total - sum(stages.values())
    lines.append(f"| other (Python between stages) | {rest * 1e3:.1f} | "
                 f"{rest * 1e3 / (pixels / 1e6):.2f} | {100 * rest / total:.0f} % |")
    return "\n".join(lines)


def main(argv=None):
    p = doc_parser("python -m tools.decode_profile", __doc__)
    p.add_argument("images", nargs="+", help="image files or folders of PNGs")
    p.add_argument("--lam", type=float, action="append",
                   help="lambda (repeatable; default: the low-rate and transparent points)")
    p.add_argument("--images", type=int, default=4, dest="n", help="first N images (default 4)")
    p.add_argument("--reps", type=int, default=3, help="decodes per file, fastest kept (default 3)")
    p.add_argument("--threads", type=int, default=1,
                   help="DecoderConfig(threads=T): post-filters and colour on T threads (default 1)")
    a = p.parse_args(argv)
    import codec
    from codec.imageio import load_rgb
    files = images_or_error(a.images, "decode_profile")
    if files is None:
        return 2
    if a.reps < 1 or a.n < 1 or a.threads < 1:
        print("decode_profile: --reps, --images and --threads must be at least 1", file=sys.stderr)
        return 2
    points = {f"lambda {lam:g}": lam for lam in a.lam} if a.lam else POINTS
    images = [load_rgb(f)[0] for f in files[:a.n]]
    for name, lam in points.items():
        streams = [(rgb.shape[0] * rgb.shape[1],
                    codec.encode_image(rgb, codec.EncoderConfig(lam=lam)).data) for rgb in images]
        nbytes = sum(len(d) for _, d in streams)
        pixels, total, stages = profile(streams, a.reps, a.threads)
        title = f"{name} ({8 * nbytes / pixels:.3f} bpp, {a.threads} thread{'s' * (a.threads > 1)})"
        print(format_table(title, pixels, total, stages))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
