"""What a coding tool buys: the corpus at one lambda per image set, with and
without the tool, read at the two operating points the project is judged at.

  python -m tools.tool_gain IMAGES... [--set NAME:KEY=VALUE,...]... [--point P] [--jobs N]

Every --set is an EncoderConfig variant (e.g. "nodepq:dep_quant=False",
"msssim:tune=msssim").  Each variant codes every image at the lambdas of the
two points (uniform lambda, no per-image allocation: the development-loop
measurement) and prints, from log-linear interpolation between the
neighbouring lambdas:

  * aggregate PSNR and mean MS-SSIM at 0.15 bpp (from lambdas 350 and 650), and
  * bpp at mean MS-SSIM 0.993 (from lambdas 12 and 24, or 8 and 16 when the
    variant reaches 0.993 only there), with the aggregate PSNR there;
  * encode speed (megapixels per CPU second of the encode calls) at the
    low-rate and at the transparent lambdas: what the tool costs in time
    (indicative when other work shares the machine; each worker compiles
    the kernels on a small image first, so compile time is not counted).

With --point lowrate (or transparent) only that point's lambdas are coded
and the other point's columns print "-": a tool that acts at one point only
(dependent quantisation is on at the transparent lambdas and off at the
low-rate ones) is measured without coding the other point's four (or two)
lambdas.

The differences between variants are what the tool bought (docs/RESULTS.md,
"What each LDC coding tool bought").
"""
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from tools.cli import doc_parser, images_or_error

LOW_LAMS = (350.0, 650.0)
HIGH_LAMS = (8.0, 12.0, 16.0, 24.0)
TARGET_BPP = 0.15
TARGET_MSSSIM = 0.993


def _parse_set(text):
    name, _, spec = text.partition(":")
    kw = {}
    for item in filter(None, spec.split(",")):
        key, _, val = item.partition("=")
        if val in ("True", "False"):
            kw[key] = val == "True"
        else:
            try:
                kw[key] = int(val)
            except ValueError:
                try:
                    kw[key] = float(val)
                except ValueError:
                    kw[key] = val
    return name, kw


def _job(args):
    path, lam, kw = args
    import codec
    from codec.imageio import load_rgb
    from codec.sets.metrics import ms_ssim
    rgb = load_rgb(path)[0]
    t = time.process_time()
    r = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, **kw))
    cpu = time.process_time() - t
    return lam, rgb.shape[0] * rgb.shape[1], r.nbytes, r.sse, ms_ssim(rgb, r.recon), cpu


def _warm_up(kw):
    """Code a small image at a low-rate and a transparent lambda with the
    variant's settings, so that the kernels a worker needs are compiled (or
    loaded from the cache) before any timed encode: with a cold cache the
    compile time, charged to the first jobs (the low-rate ones), read as a
    tenfold slower encoder."""
    import numpy as np
    import codec
    yy, xx = np.mgrid[0:48, 0:48]
    rgb = np.stack([(3 * xx + yy) % 256, (xx * yy) % 256, (5 * yy) % 256], -1).astype(np.uint8)
    for lam in (LOW_LAMS[0], HIGH_LAMS[0]):
        codec.encode_image(rgb, codec.EncoderConfig(lam=lam, **kw))


def sweep(files, kw, lams, jobs=1, quiet=False):
    """{lam: (bpp, aggregate PSNR, mean MS-SSIM, pixels, encode CPU seconds)} over the files;
    every worker process warms up first (_warm_up), outside the timed encodes."""
    from tqdm import tqdm
    acc = {lam: [0, 0, 0.0, 0.0, 0.0] for lam in lams}
    tasks = [(f, lam, kw) for lam in lams for f in files]
    with ProcessPoolExecutor(jobs, initializer=_warm_up, initargs=(kw,)) as ex:
        for lam, px, nb, sse, ms, cpu in tqdm(ex.map(_job, tasks), total=len(tasks), unit="img",
                                              desc="encoding", file=sys.stderr, disable=quiet):
            a = acc[lam]
            a[0] += px
            a[1] += nb
            a[2] += sse
            a[3] += ms
            a[4] += cpu
    n = len(files)
    return {lam: (8 * a[1] / a[0], 10 * math.log10(255 ** 2 * 3 * a[0] / a[2]), a[3] / n, a[0], a[4])
            for lam, a in acc.items()}


def speed(res, lams):
    """Encode megapixels per CPU second over the given lambdas of a sweep."""
    px = sum(res[lam][3] for lam in lams)
    cpu = sum(res[lam][4] for lam in lams)
    return px / 1e6 / cpu if cpu > 0 else float("nan")


def _interp(x0, y0, x1, y1, x):
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


POINTS = {"both": LOW_LAMS + HIGH_LAMS, "lowrate": LOW_LAMS, "transparent": HIGH_LAMS}


def operating_points(res):
    """((PSNR, MS-SSIM) at 0.15 bpp, (bpp, PSNR) at MS-SSIM 0.993) from a sweep's
    points; either pair is None when the sweep lacks its point's lambdas."""
    return _low_point(res), _transparent_point(res)


def _low_point(res):
    if not all(lam in res for lam in LOW_LAMS):
        return None
    (b0, p0, m0), (b1, p1, m1) = res[LOW_LAMS[0]][:3], res[LOW_LAMS[1]][:3]
    psnr = _interp(math.log(b0), p0, math.log(b1), p1, math.log(TARGET_BPP))
    msssim = _interp(math.log(b0), m0, math.log(b1), m1, math.log(TARGET_BPP))
    return psnr, msssim


def _transparent_point(res):
    if not all(lam in res for lam in HIGH_LAMS):
        return None
    pts = sorted((res[lam][:3] for lam in HIGH_LAMS), key=lambda v: v[2])
    lo = max((v for v in pts if v[2] <= TARGET_MSSSIM), key=lambda v: v[2], default=pts[0])
    hi = min((v for v in pts if v[2] >= TARGET_MSSSIM), key=lambda v: v[2], default=pts[-1])
    if hi is lo:
        lo, hi = pts[-2], pts[-1]
    lb = _interp(lo[2], math.log(lo[0]), hi[2], math.log(hi[0]), TARGET_MSSSIM)
    lp = _interp(lo[2], lo[1], hi[2], hi[1], TARGET_MSSSIM)
    return math.exp(lb), lp


def main(argv=None):
    p = doc_parser("python -m tools.tool_gain", __doc__)
    p.add_argument("images", nargs="+", help="PNG files or folders")
    p.add_argument("--set", action="append", default=[], metavar="NAME:KEY=VALUE,...",
                   help="an EncoderConfig variant (repeatable; default: one with the defaults)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--point", choices=tuple(POINTS), default="both",
                   help="code the lambdas of the low-rate point, the transparent one, or both "
                        "(default)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    files = images_or_error(a.images, "tool_gain")
    if files is None:
        return 2
    sets = [_parse_set(s) for s in a.set] or [("default", {})]
    print("| variant | PSNR at 0.15 bpp | MS-SSIM at 0.15 bpp | bpp at MS-SSIM 0.993 | PSNR there "
          "| encode MP/s low-rate | encode MP/s transparent |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, kw in sets:
        res = sweep(files, kw, POINTS[a.point], a.jobs, a.quiet)
        low, high = operating_points(res)
        cells = [f"{low[0]:.3f}", f"{low[1]:.4f}"] if low else ["-", "-"]
        cells += [f"{high[0]:.4f}", f"{high[1]:.2f}"] if high else ["-", "-"]
        cells += [f"{speed(res, LOW_LAMS):.3f}" if low else "-",
                  f"{speed(res, HIGH_LAMS):.3f}" if high else "-"]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
