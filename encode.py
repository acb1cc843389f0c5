#!/usr/bin/env python3
"""Compress images with LDC: a folder for a CLIC 2019 track, or single images.

  encode.py IN_DIR OUT_DIR --track lowrate [--bpp 0.15 | --bytes N] [--tune msssim]
  encode.py IN_DIR OUT_DIR --track transparent [--psnr 40 --msssim 0.993] [--tune psnr]
  encode.py IN_DIR OUT_DIR --quality Q | --lam L
  encode.py photo.png OUT_DIR --quality 80 | --track lowrate --bpp 0.3 | --track transparent
  encode.py ... --submission SUB_DIR       also write a checked CLIC 2019 submission
  encode.py ... --scheduler tcp://HOST:PORT | local[:N]   the per-image work on Dask

Inputs are folders (their PNG files) or image files (any format Pillow
reads); together they form the set a track is optimised over.  Writes
OUT_DIR/<stem>.bin for every image, then decodes every file it wrote and
prints the set's CLIC scores (bpp from whole file sizes, one MSE over all
RGB values, mean MS-SSIM).  With --submission, SUB_DIR/decoder.zip and
SUB_DIR/images/ follow (tools/submission.py), once the target is met.
With --scheduler, every probe, encode and verification decode runs on a
Dask cluster (codec/sets/engines.py); only this process reads the inputs
and writes the outputs, and the files are the same as without.
Exit status: 0 success, 1 some images failed (or the submission check
did), 3 the track's target could not be met.
"""
import argparse
import math
import os
import sys
import time
from collections import namedtuple

# chroma "auto" in a track: each image's format is chosen at its first lambda
# and kept while the search stays within this factor of it
CHROMA_REDECIDE = 4.0


class EncodeFailure(Exception):
    """An image that loaded fine could not be encoded (an internal error), or
    the Dask scheduler was lost."""


# --- driver -------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="encode.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n"
               "  encode.py photos/ out/ --track lowrate            # 0.15 bpp over the set\n"
               "  encode.py photos/ out/ --track lowrate --bytes 4722341\n"
               "  encode.py photos/ out/ --track lowrate --tune msssim  # same budget, best MS-SSIM\n"
               "  encode.py photos/ out/ --track transparent        # PSNR>=40, MS-SSIM>=0.993\n"
               "  encode.py photos/ out/ --quality 80               # one setting for every image\n"
               "  encode.py photo.png out/ --track lowrate --bpp 0.3  # one image, at most 0.3 bpp\n"
               "  encode.py photos/ out/ --track lowrate --submission sub/  # + sub/decoder.zip, "
               "sub/images/\n"
               "  encode.py photos/ out/ --track transparent --scheduler tcp://head:8786"
               "  # on a Dask cluster\n")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a folder of PNG images, or an image file (several may be given)")
    p.add_argument("output_dir", help="folder for the .bin files (created if missing)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--track", choices=("lowrate", "transparent"),
                   help="optimise the set for a CLIC track")
    g.add_argument("--quality", type=float, help="one quality 0..100 for every image (default 75)")
    g.add_argument("--lam", type=float, help="one Lagrange multiplier for every image")
    b = p.add_mutually_exclusive_group()
    b.add_argument("--bpp", type=float, default=None, help="low-rate budget in bits per pixel (default 0.15)")
    b.add_argument("--bytes", type=int, default=None, help="low-rate budget as total bytes")
    p.add_argument("--psnr", type=float, default=40.0, help="transparent: aggregate PSNR floor (dB)")
    p.add_argument("--msssim", type=float, default=0.993, help="transparent: mean MS-SSIM floor")
    p.add_argument("--chroma", choices=("auto", "420", "444"), default="auto",
                   help="chroma format (auto: per image by RD cost)")
    p.add_argument("--tune", choices=("psnr", "msssim"), default=None,
                   help="what the encoder optimises: squared error (aggregate PSNR) or MS-SSIM "
                        "(activity-weighted distortion, frequency weighting and, in the "
                        "low-rate track, bytes allocated by mean MS-SSIM); default: msssim "
                        "for --track transparent (MS-SSIM is the binding threshold there, the "
                        "PSNR one is still enforced), psnr otherwise")
    p.add_argument("--dep-quant", choices=("auto", "on", "off"), default="auto",
                   help="dependent quantisation (trellis over two quantisers): about 2%% fewer "
                        "bits near 40 dB for about 25%% more encode time; auto = on below "
                        "lambda 100 (quality > 50), where it pays")
    p.add_argument("--effort", choices=("slow", "fast", "max"), default="slow",
                   help="encoder search effort (same format): slow = the default; "
                        "fast = 1.4-1.5x faster for about -0.16 dB at 0.15 bpp; "
                        "max = the widest search (more modes, 4:1 parts, parts split "
                        "across, five quantiser steps per CTU): tens of times slower for "
                        "about +0.2 dB at 0.15 bpp (docs/RESULTS.md)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the CPUs this process may use)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the per-image work on a Dask cluster: tcp://HOST:PORT of its "
                        "scheduler, or local[:N] for a LocalCluster of N workers here "
                        "(pip install -e \".[dask]\"); the files are the same as without")
    p.add_argument("--submission", metavar="SUB_DIR",
                   help="after the run, write SUB_DIR/decoder.zip and SUB_DIR/images/ for the "
                        "CLIC 2019 server (checked: budget, names, every file decodes)")
    p.add_argument("--json", metavar="FILE", help="also write the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    a = p.parse_args(argv)
    if (a.bpp is not None or a.bytes is not None) and a.track != "lowrate":
        p.error("--bpp/--bytes apply to --track lowrate")
    if a.bpp is not None and not a.bpp > 0:
        p.error("--bpp must be positive")
    if a.bytes is not None and a.bytes <= 0:
        p.error("--bytes must be positive")
    if a.jobs is None:
        from codec.cpus import usable_cpus
        a.jobs = usable_cpus()
    if a.jobs < 1:
        p.error("--jobs must be >= 1")
    a.dep_quant = {"auto": None, "on": True, "off": False}[a.dep_quant]
    if a.tune is None:
        a.tune = "msssim" if a.track == "transparent" else "psnr"
    if a.quality is not None and not 0 <= a.quality <= 100:
        p.error("--quality must be within 0..100")
    if a.lam is not None and not 1e-3 <= a.lam <= 1e7:
        p.error("--lam must be within 0.001..1e7")
    return a


class Runner:
    """Runs encodes on the engine with a progress bar and keeps their bytes."""

    def __init__(self, engine, paths, want_msssim, chroma, tune, dep_quant, effort, quiet):
        from tqdm import tqdm
        self.tqdm = tqdm
        self.engine = engine
        self.paths = paths
        self.want_msssim = want_msssim
        self.chroma = [chroma] * len(paths)
        self.auto = chroma == "auto"
        self.chroma_lam = [None] * len(paths)     # the lambda each image's chroma was chosen at
        self.tune = tune
        self.dep_quant = dep_quant
        self.effort = effort
        self.data = {}
        self.quiet = quiet
        self.encode_seconds = 0.0
        self.encoded_pixels = 0

    def log(self, msg):
        if not self.quiet:
            self.tqdm.write(msg, file=sys.stderr)

    def evaluate(self, reqs):
        from codec.sets import tasks
        from codec.sets.allocate import Point
        ex = self.engine.executor
        for i, lam in reqs:
            at = self.chroma_lam[i]
            if self.auto and at is not None and not at / CHROMA_REDECIDE <= lam <= at * CHROMA_REDECIDE:
                self.chroma[i], self.chroma_lam[i] = "auto", None
        futs = [ex.submit(tasks.encode, self.engine.source(self.paths[i]), lam, self.chroma[i],
                          self.tune, self.dep_quant, self.effort, self.want_msssim)
                for i, lam in reqs]
        out = []
        with self.tqdm(total=len(futs), desc="encoding", unit="img", disable=self.quiet,
                       file=sys.stderr, leave=False) as bar:
            for (i, lam), f in zip(reqs, futs):
                try:
                    r = f.result()
                except Exception as e:
                    for g in futs:
                        g.cancel()
                    _engine_check(self.engine)
                    raise EncodeFailure(f"{os.path.basename(self.paths[i])}: encoding failed: "
                                        f"{tasks.message(e)}") from None
                bar.update(1)
                self.data[(i, lam)] = r["data"]
                self.encode_seconds += r["seconds"]
                if self.chroma[i] == "auto" and r["colour"] in (1, 2):
                    # decide 4:2:0 vs 4:4:4 once per image, at its first lambda,
                    # and again if the search moves far from it (a 4:2:0 choice
                    # made at a coarse lambda can cap the PSNR a fine one needs)
                    self.chroma[i] = "444" if r["colour"] == 1 else "420"
                    self.chroma_lam[i] = lam
                out.append(Point(lam, len(r["data"]), r["sse"], r["msssim"]))
        return out


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return _run(a)
    except KeyboardInterrupt:
        print("\nencode.py: interrupted; files already written are complete, rerun to redo",
              file=sys.stderr)
        return 130
    except EncodeFailure as e:
        print(f"encode.py: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"encode.py: {e.strerror or e}: {e.filename or ''}", file=sys.stderr)
        return 1


Choice = namedtuple("Choice", "chosen target_met budget")   # what the track search picked


def _run(a):
    """Probe the inputs, search the track's setting per image, write the
    files, decode them back, report; returns the exit status."""
    from tools.cli import images_or_error
    paths = images_or_error(a.inputs, "encode.py")
    if paths is None:
        return 2
    os.makedirs(a.output_dir, exist_ok=True)
    t0 = time.time()
    failed = {}
    from codec.sets.engines import EngineError, make_engine
    if a.scheduler:
        _quiet_dask()
        if not a.quiet:
            print("encode.py: starting a Dask LocalCluster" if a.scheduler.startswith("local")
                  else f"encode.py: connecting to the Dask scheduler at {a.scheduler}",
                  file=sys.stderr)
    try:
        engine = make_engine(a.scheduler, a.jobs)
    except EngineError as e:
        print(f"encode.py: {e}", file=sys.stderr)
        return 1
    try:
        good = _probe(engine, paths, failed)
        if not good:
            print("encode.py: no image could be read", file=sys.stderr)
            return 1
        gpaths = [p for p, _ in good]
        want_msssim = a.track == "transparent" or (a.track == "lowrate" and a.tune == "msssim")
        runner = Runner(engine, gpaths, want_msssim, a.chroma, a.tune, a.dep_quant, a.effort,
                        a.quiet)
        choice = _search(a, runner, sum(pr["pixels"] for _, pr in good))
        if choice is None:
            return 3
        outs = _write(a.output_dir, gpaths, choice.chosen, runner.data)
        enc_wall = time.time() - t0
        written = [runner.data[(i, p.lam)] for i, p in enumerate(choice.chosen)]
        ver = _verify(engine, gpaths, written)
    finally:
        engine.close()
    summary = _report(a, good, choice, ver, runner, failed, enc_wall, engine.description)
    if failed:
        return 1
    if not summary["target_met"]:
        if a.submission:
            print("encode.py: submission not written: the target was not met", file=sys.stderr)
        return 3
    if a.submission:
        from tools.submission import build_and_report
        return build_and_report(outs, a.submission, "encode.py: submission",
                                budget_bytes=choice.budget, jobs=a.jobs)
    return 0


def _quiet_dask():
    """The run prints its own progress and one line per error; Dask's log
    (a worker restarted, a task rescheduled, reconnection attempts with
    tracebacks) would only interleave with it.  Worker processes of a
    LocalCluster inherit the setting through the config."""
    import logging
    try:
        import dask
        import distributed  # noqa: F401  (its import sets its loggers' levels from the config)
    except ImportError:
        return                              # make_engine says what to install
    dask.config.set({"logging.distributed": "critical"})
    for name in ["distributed"] + [n for n in logging.root.manager.loggerDict
                                   if n.startswith("distributed.")]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


NOTHING_WRITTEN = "no file was written"


def _engine_check(engine, outcome=NOTHING_WRITTEN):
    """After a task failed: if the engine lost its scheduler, say so (one line)."""
    if engine.lost():
        raise EncodeFailure(f"lost the Dask scheduler at {engine.address}: {outcome}") from None


def _results(engine, futures, outcome=NOTHING_WRITTEN):
    """The results of futures in order; a lost scheduler ends the run with one line."""
    try:
        return [f.result() for f in futures]
    except Exception:
        _engine_check(engine, outcome)
        raise


def _probe(engine, paths, failed):
    """[(path, probe)] of the inputs that can be coded, each stem once; the
    others go to failed {name: reason}, reported as they are found, and
    every note (conversions, dropped alpha, ...) is printed."""
    from codec.sets import tasks
    good = []
    stems = set()
    probes = _results(engine, [engine.executor.submit(tasks.probe, engine.source(p))
                               for p in paths])
    for path, pr in zip(paths, probes):
        name = os.path.basename(path)
        stem = os.path.splitext(name)[0]
        if pr["ok"] and stem in stems:
            pr = dict(ok=False, error=f"another input already writes {stem}.bin")
        if not pr["ok"]:
            failed[name] = pr["error"]
            print(f"{name}: skipped: {pr['error']}", file=sys.stderr)
            continue
        for note in pr["notes"]:
            print(f"{name}: note: {note}", file=sys.stderr)
        good.append((path, pr))
        stems.add(stem)
    return good


def _verify(engine, paths, datas):
    """Decode every written stream (the bytes written) and score it against its image."""
    from codec.sets import tasks
    return _results(engine, [engine.executor.submit(tasks.verify, engine.source(p), d, p)
                             for p, d in zip(paths, datas)],
                    f"all {len(paths)} files were written, their verification did not finish")


def _search(a, runner, pixels):
    """The Choice of a point per image for the track (or one lambda for all);
    None, after one line, if the low-rate budget is below the smallest set."""
    from codec.sets.allocate import search_lowrate, search_transparent
    n = len(runner.paths)
    if a.track == "lowrate":
        budget = a.bytes if a.bytes is not None else math.ceil(pixels * (a.bpp or 0.15) / 8)
        runner.log(f"low-rate: {n} images, {pixels} pixels, budget {budget} bytes")
        res = search_lowrate(runner.evaluate, n, budget, progress=runner.log,
                             objective="msssim" if a.tune == "msssim" else "sse")
        if res.choice is None:
            print(f"encode.py: budget {budget} bytes is below the smallest possible set",
                  file=sys.stderr)
            return None
        return Choice(res.chosen(), True, budget)
    if a.track == "transparent":
        sse_max = 3.0 * pixels * 255.0 ** 2 / 10 ** (a.psnr / 10)
        runner.log(f"transparent: {n} images, PSNR >= {a.psnr} dB (SSE <= {sse_max:.4g}), "
                   f"MS-SSIM >= {a.msssim}")
        res = search_transparent(runner.evaluate, n, sse_max, a.msssim, progress=runner.log)
        if res.choice is not None:
            return Choice(res.chosen(), True, None)
        print("encode.py: the thresholds were not reached; writing the best effort",
              file=sys.stderr)
        # best effort: the highest-quality point of each image
        return Choice([max(ps, key=lambda p: p.nbytes) for ps in res.curves.points], False, None)
    import codec
    lam = a.lam if a.lam is not None else codec.lam_from_quality(
        75.0 if a.quality is None else a.quality)
    return Choice(runner.evaluate([(i, lam) for i in range(n)]), True, None)


def _write(output_dir, paths, chosen, data):
    """Write each image's chosen stream to output_dir/<stem>.bin, atomically; the paths."""
    from codec.imageio import atomic_write
    outs = []
    for i, p in enumerate(chosen):
        stem = os.path.splitext(os.path.basename(paths[i]))[0]
        out = os.path.join(output_dir, stem + ".bin")
        atomic_write(out, data[(i, p.lam)])
        outs.append(out)
    return outs


def _report(a, good, choice, ver, runner, failed, enc_wall, engine):
    """Print the set's scores from the verification decodes (and write --json);
    returns the summary, whose target_met says whether the track's target holds."""
    from codec.imageio import atomic_write
    from codec.sets.metrics import ImageScore, aggregate
    n = len(good)
    pixels = sum(pr["pixels"] for _, pr in good)
    score = aggregate([ImageScore(os.path.basename(p), pr["pixels"], v["nbytes"], v["sse"],
                                  v["msssim"]) for (p, pr), v in zip(good, ver)])
    dec_sec = sum(v["seconds"] for v in ver)
    per_image = {}
    for (p, pr), c, v in zip(good, choice.chosen, ver):
        psnr = 10 * math.log10(255 ** 2 * 3 * pr["pixels"] / v["sse"]) if v["sse"] else None
        per_image[os.path.basename(p)] = dict(lam=c.lam, bytes=v["nbytes"], psnr=psnr,
                                              msssim=v["msssim"])
    summary = dict(images=n, failed=failed, tune=a.tune, effort=a.effort, pixels=pixels,
                   bytes=score.nbytes, bpp=score.bpp, psnr=score.psnr, msssim=score.msssim,
                   wall_seconds=enc_wall, encode_cpu_seconds=runner.encode_seconds, engine=engine,
                   encodes=len(runner.data),
                   decode_mp_per_s=pixels / 1e6 / dec_sec if dec_sec else None,
                   per_image=per_image)
    target_met = choice.target_met
    lines = [f"images     {n} encoded (tune {a.tune}, effort {a.effort})"
             + (f", {len(failed)} failed: " + ", ".join(sorted(failed)) if failed else ""),
             f"bytes      {score.nbytes}"]
    if a.track == "lowrate":
        lines[-1] += f" of budget {choice.budget} ({score.nbytes / choice.budget:.2%} used)"
        summary["budget"] = choice.budget
        target_met = target_met and score.nbytes <= choice.budget
    lines += [f"bpp        {score.bpp:.4f}",
              f"PSNR       {score.psnr:.3f} dB (aggregate)",
              f"MS-SSIM    {score.msssim:.5f} (mean)"]
    if a.track == "transparent":
        ok = score.psnr >= a.psnr and score.msssim >= a.msssim
        target_met = target_met and ok
        lines.append(f"thresholds PSNR {score.psnr - a.psnr:+.3f} dB, "
                     f"MS-SSIM {score.msssim - a.msssim:+.5f} " + ("(met)" if ok else "(NOT met)"))
    lines += [f"wall time  {enc_wall:.1f} s for {len(runner.data)} encodes "
              f"({runner.encode_seconds:.1f} s encoder CPU) on {engine}",
              f"decode     {summary['decode_mp_per_s']:.2f} MP/s (verification pass)"]
    print("\n".join(lines))
    summary["target_met"] = target_met
    if a.json:
        import json
        atomic_write(a.json, json.dumps(summary, indent=2).encode())
    return summary


if __name__ == "__main__":
    sys.exit(main())
