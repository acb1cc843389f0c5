"""Where a whole encode's time goes, by phase.

  python -m tools.encode_profile IMAGES... [--lam L] [--chroma 444] [--effort slow] [--images N]

Encodes the images (one process, one thread) with the encoder's phase
functions wrapped in CPU timers, and prints the CPU seconds of each phase
and its share of the encode: the luma pass (RD search and write, all CTUs),
the chroma passes (of every chroma format tried), the restoration fit, the
deblocking-level choice (with its trial deblockings), the final deblocking,
colour conversion and 4:2:0 downsampling.  The first image is encoded once untimed (kernel load).
tools/kernel_bench.py splits the search further, per kernel call.
"""
import sys
import time

from tools.cli import doc_parser, images_or_error

# encoder.py functions timed (module attributes, looked up at call time)
PHASES = ("_choose_deblock_level", "_restore_plane", "deblock_plane", "rgb_to_ycc",
          "downsample420", "planes_to_rgb")
NAMES = {"_choose_deblock_level": "deblocking-level choice", "_restore_plane": "restoration fit",
         "deblock_plane": "deblocking", "rgb_to_ycc": "RGB -> YCbCr",
         "downsample420": "4:2:0 downsampling", "planes_to_rgb": "YCbCr -> RGB"}


class Profiler:
    """Wraps encoder phase functions with CPU timers while active."""

    def __init__(self):
        self.seconds = {}
        self._saved = {}
        self._depth = 0         # only the outermost timed call counts (no double counting)

    def _wrap(self, mod, name, key):
        fn = getattr(mod, name)
        self._saved[name] = fn

        def timed(*args, **kw):
            k = key(args) if callable(key) else key
            t = time.process_time()
            self._depth += 1
            try:
                return fn(*args, **kw)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds[k] = self.seconds.get(k, 0.0) + time.process_time() - t
        setattr(mod, name, timed)

    def __enter__(self):
        from codec.enc import encoder
        # _run_group(orgs, state, p_first, ...): plane group 0 is luma, 1 the chroma planes
        self._wrap(encoder, "_run_group", lambda a: "luma pass" if a[2] == 0 else "chroma pass")
        for name in PHASES:
            self._wrap(encoder, name, NAMES[name])
        return self

    def __exit__(self, *exc):
        from codec.enc import encoder
        for name, fn in self._saved.items():
            setattr(encoder, name, fn)
        self._saved.clear()


def profile(images, cfg):
    """(total CPU seconds, pixels, {phase: CPU seconds}) of encoding the images."""
    import codec
    codec.encode_image(images[0][:64, :64], cfg)          # kernel load, untimed
    with Profiler() as prof:
        t = time.process_time()
        for rgb in images:
            codec.encode_image(rgb, cfg)
        total = time.process_time() - t
    return total, sum(im.shape[0] * im.shape[1] for im in images), prof.seconds


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
    p.add_argument("--effort", choices=("slow", "fast"), default="slow")
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
