"""CLIC 2019 scores of a decoded folder against the originals.

  python -m tools.evaluate ORIG_DIR DECODED_DIR [--bins DIR] [--json]

Images are matched by file stem (a.png <-> a.png).  bpp is computed from the
whole sizes of DIR/<stem>.bin when --bins is given.  The definitions live in
codec/metrics.py.
"""
import argparse
import json
import os
import sys

import numpy as np


def _load(path):
    from codec.imageio import load_rgb
    return load_rgb(path)[0]


def evaluate(orig_dir, dec_dir, bins_dir=None):
    """Per-image ImageScores and the SetScore; raises FileNotFoundError for a missing match."""
    from codec.sets.metrics import aggregate, score_image
    from codec.imageio import png_files
    names = [os.path.basename(p) for p in png_files(orig_dir)]
    if not names:
        raise FileNotFoundError(f"no .png files in {orig_dir}")
    scores = []
    for n in names:
        stem = os.path.splitext(n)[0]
        dec = os.path.join(dec_dir, stem + ".png")
        if not os.path.exists(dec):
            raise FileNotFoundError(f"no decoded image {dec} for {n}")
        nbytes = os.path.getsize(os.path.join(bins_dir, stem + ".bin")) if bins_dir else 0
        scores.append(score_image(n, _load(os.path.join(orig_dir, n)), _load(dec), nbytes))
    return scores, aggregate(scores)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.evaluate", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("orig_dir")
    p.add_argument("decoded_dir")
    p.add_argument("--bins", help="folder of the compressed files (for bpp)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = p.parse_args(argv)
    try:
        scores, total = evaluate(a.orig_dir, a.decoded_dir, a.bins)
    except (FileNotFoundError, ValueError) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 2
    if a.json:
        out = dict(set=total.__dict__, images=[s.__dict__ for s in scores])
        print(json.dumps(out, indent=2))
        return 0
    from codec.sets.metrics import psnr_from_mse
    print(f"{'image':32s} {'bytes':>9s} {'bpp':>7s} {'PSNR':>7s} {'MS-SSIM':>8s}")
    for s in scores:
        bpp = 8 * s.nbytes / s.pixels
        print(f"{s.name:32s} {s.nbytes:9d} {bpp:7.4f} {psnr_from_mse(s.sse / (3 * s.pixels)):7.3f} "
              f"{s.msssim:8.5f}")
    bpp = f"{total.bpp:.4f}" if a.bins else "n/a"
    print(f"{'SET (' + str(total.images) + ' images)':32s} {total.nbytes:9d} {bpp:>7s} "
          f"{total.psnr:7.3f} {total.msssim:8.5f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
