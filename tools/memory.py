"""Peak memory (max RSS) of one encode and one decode, each in a fresh process.

  python -m tools.memory [--mp 2.5 40] [--quality 75]

The test image is samples/mountain.png scaled (Lanczos) to the requested
megapixels at 3:2, so the content is photographic at every size.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
import numpy as np
from PIL import Image
import codec
mode, path, q = sys.argv[1], sys.argv[2], float(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if mode == "encode":
    rgb = np.asarray(Image.open(path).convert("RGB"))
    data = codec.encode(rgb, quality=q)
    open(path + ".bin", "wb").write(data)
    px = rgb.shape[0] * rgb.shape[1]
else:
    data = open(path + ".bin", "rb").read()
    out = codec.decode(data)
    px = out.shape[0] * out.shape[1]
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(mode=mode, pixels=px, seconds=dt, peak_mb=peak / 1024,
                      before_mb=base / 1024, bytes=len(data))))
"""


def measure(mp, quality, workdir):
    from PIL import Image
    src = os.path.join(os.path.dirname(__file__), "..", "samples", "mountain.png")
    w = int(round((mp * 1e6 * 1.5) ** 0.5))
    h = int(round(mp * 1e6 / w))
    path = os.path.join(workdir, f"test_{mp}mp.png")
    Image.open(src).convert("RGB").resize((w, h), Image.LANCZOS).save(path, compress_level=1)
    rows = []
    for mode in ("encode", "decode"):
        r = subprocess.run([sys.executable, "-c", CHILD, mode, path, str(quality)],
                           capture_output=True, text=True, check=True)
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--mp", type=float, nargs="+", default=[2.5, 40.0])
    p.add_argument("--quality", type=float, default=75.0)
    a = p.parse_args(argv)
    print(f"{'MP':>6s} {'step':7s} {'peak RSS MB':>12s} {'baseline MB':>12s} {'seconds':>8s} {'MP/s':>6s}")
    with tempfile.TemporaryDirectory() as d:
        for mp in a.mp:
            for r in measure(mp, a.quality, d):
                print(f"{r['pixels'] / 1e6:6.1f} {r['mode']:7s} {r['peak_mb']:12.0f} {r['before_mb']:12.0f} "
                      f"{r['seconds']:8.1f} {r['pixels'] / 1e6 / r['seconds']:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
