"""Where the bits go: the payload split by plane and syntax category.

  python -m tools.bits_report IMAGES... [--lam L ...] [--quality Q ...] [--jobs N]

IMAGES are PNG files or folders of them.  Each image is encoded at each
lambda (or quality); the table gives, per syntax category, the ideal code
length summed over the set (the arithmetic coder's cost of every coded bin,
as the encoder counted it while writing) as bits per pixel and as a share of
all file bits.  Header and coder flush make up the rest of the file.
"""
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from tools.cli import doc_parser, images_or_error, png_paths

_files = png_paths       # the older name (tests)


def _job(args):
    path, lam, tune = args
    import codec
    from codec.imageio import load_rgb
    rgb = load_rgb(path)[0]
    r = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, tune=tune))
    return lam, rgb.shape[0] * rgb.shape[1], 8 * r.nbytes, r.bits


def report(files, lams, jobs=1, quiet=False, tune="psnr"):
    """{lam: (pixels, file bits, {category: bits})} summed over files."""
    tasks = [(f, lam, tune) for lam in lams for f in files]
    out = {lam: [0, 0, {}] for lam in lams}
    from tqdm import tqdm
    with ProcessPoolExecutor(jobs) as ex:
        for lam, pixels, fbits, bits in tqdm(ex.map(_job, tasks), total=len(tasks), desc="encoding",
                                             unit="img", file=sys.stderr, disable=quiet):
            acc = out[lam]
            acc[0] += pixels
            acc[1] += fbits
            for k, v in bits.items():
                acc[2][k] = acc[2].get(k, 0.0) + v
    return {lam: tuple(v) for lam, v in out.items()}


def format_table(results):
    """Markdown table: rows = categories, two columns (bpp, % of file) per lambda."""
    lams = list(results)
    cats = list(next(iter(results.values()))[2])
    head = "| category | " + " | ".join(f"λ={lam:g} bpp | %" for lam in lams) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(lams)]
    for c in cats + ["header + flush", "file total"]:
        cells = []
        for lam in lams:
            pixels, fbits, bits = results[lam]
            if c == "file total":
                b = fbits
            elif c == "header + flush":
                b = fbits - sum(bits.values())
            else:
                b = bits[c]
            cells.append(f"{b / pixels:.4f} | {100 * b / fbits:.1f}")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = doc_parser("python -m tools.bits_report", __doc__)
    p.add_argument("images", nargs="+", help="PNG files or folders")
    p.add_argument("--lam", type=float, action="append", default=[], help="lambda (repeatable)")
    p.add_argument("--quality", type=float, action="append", default=[],
                   help="quality 0..100 (repeatable)")
    p.add_argument("--tune", choices=("psnr", "msssim"), default="psnr",
                   help="encoder tuning (msssim: CTU quantiser deltas are coded)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    from codec.enc.config_enc import lam_from_quality
    lams = a.lam + [lam_from_quality(q) for q in a.quality]
    if not lams:
        lams = [lam_from_quality(75.0)]
    files = images_or_error(a.images, "bits_report")
    if files is None:
        return 2
    print(format_table(report(files, lams, a.jobs, a.quiet, a.tune)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
