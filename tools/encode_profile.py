"""Where a whole encode's time goes, by phase.

  python -m tools.encode_profile IMAGES... [--lam L] [--chroma 444] [--effort slow] [--images N]

Encodes the images (one process, one thread) and prints the CPU seconds of
each phase (EncodeResult.phase_seconds) and its share of the encode: the
luma pass (RD search and write, all CTUs), the chroma passes (of every
chroma format tried), the restoration fit, the edge offsets' choice, the deblocking-level choice (with
its trial deblockings), the final deblocking, colour conversion and 4:2:0
downsampling.  The first image is encoded once untimed (kernel load).
tools/kernel_bench.py splits the search further, per kernel call.
"""
import sys
import time

from tools.cli import doc_parser, images_or_error


def profile(images, cfg):
    """(total CPU seconds, pixels, {phase: CPU seconds}) of encoding the
    images; the phases are what each EncodeResult.phase_seconds reports."""
    import codec
    codec.encode_image(images[0][:64, :64], cfg)          # kernel load, untimed
    seconds = {}
    t = time.process_time()
    for rgb in images:
        for phase, sec in codec.encode_image(rgb, cfg).phase_seconds.items():
            seconds[phase] = seconds.get(phase, 0.0) + sec
    total = time.process_time() - t
    return total, sum(im.shape[0] * im.shape[1] for im in images), seconds


def format_table(total, pixels, seconds):
    lines = [f"{pixels / 1e6:.2f} MP in {total:.2f} CPU s: {pixels / 1e6 / total:.3f} MP/s",
             "| phase | CPU s | share |", "|---|---:|---:|"]
    for k, v in sorted(seconds.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {k} | {v:.2f} | {100 * v / total:.0f} % |")
    rest = total - sum(seconds.values())
    lines.append(f"| other (container, metrics of the result, Python) | {rest:.2f} | "
                 f"{100 * rest / total:.0f} % |")
    return "\n".join(lines)


def main(argv=None):
    p = doc_parser("python -m tools.encode_profile", __doc__)
    p.add_argument("images", nargs="+", help="PNG files or folders")
    p.add_argument("--lam", type=float, default=362.039, help="lambda (default: the low-rate point)")
    p.add_argument("--chroma", choices=("auto", "420", "444"), default="444")
    p.add_argument("--effort", choices=("slow", "fast", "max"), default="slow")
    p.add_argument("--tune", choices=("psnr", "msssim"), default="psnr")
    p.add_argument("--images", type=int, default=4, dest="n", help="first N images (default 4)")
    a = p.parse_args(argv)
    import codec
    from codec.imageio import load_rgb
    files = images_or_error(a.images, "encode_profile")
    if files is None:
        return 2
    files = files[:a.n]
    try:
        cfg = codec.EncoderConfig(lam=a.lam, chroma=a.chroma, effort=a.effort, tune=a.tune)
    except codec.ConfigError as e:
        print(f"encode_profile: {e}", file=sys.stderr)
        return 2
    images = [load_rgb(f)[0] for f in files]
    print(format_table(*profile(images, cfg)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
