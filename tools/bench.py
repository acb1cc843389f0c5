"""Peer benchmark under the CLIC 2019 protocol: every codec swept over its settings.

  python -m tools.bench CORPUS_DIR --out results.json [--codecs a,b,...] [--jobs 2]
                        [--settings CODEC=V1,V2,...] [--no-tracks] [--quiet]

For every codec (tools/bench_peers.py), setting and image: whole-file bytes,
SSE over all RGB values, pixel count, MS-SSIM (codec/metrics.py) and the
single-threaded encode and decode seconds (the codec calls only).  Results
are cached in the JSON: a rerun computes only what is missing.  Rows are
dropped and recomputed when an image's contents change or a codec's version
string changes; for LDC the version carries a fingerprint of codec/**/*.py, so
editing the codec recomputes its rows.  "ldc" is the default search,
"ldc_max" the slowest (--effort max, the same format).  With an LDC row
selected, the project's own track searches at its effort (encode.py --track
lowrate / transparent, TRACKS) are run too and their summaries stored.  The JSON is written atomically every
SAVE_EVERY_S seconds, so an interrupted run keeps its progress.

Tables: python -m tools.bench_report results.json; plot: python -m tools.plot_rd.
"""
import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing as mp
import os
import platform
import re
import signal
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np

from tools import bench_peers
from tools.bench_peers import LDC_PEERS, NOT_AVAILABLE, OPTION_CHECKED, PEERS

SCHEMA = 1
SAVE_EVERY_S = 30.0          # periodic checkpoint of the JSON during a run
ROW_FIELDS = ("bytes", "sse", "pixels", "msssim", "enc_s", "dec_s")
# the project's own set searches, stored as rows "ldc <name> track": the LDC
# codec row whose effort they use, and encode.py's arguments
TRACKS = {
    "lowrate": ("ldc", ("--track", "lowrate")),
    "lowrate msssim": ("ldc", ("--track", "lowrate", "--tune", "msssim")),
    "transparent": ("ldc", ("--track", "transparent")),
    "lowrate max": ("ldc_max", ("--track", "lowrate", "--effort", "max")),
    "lowrate msssim max": ("ldc_max", ("--track", "lowrate", "--tune", "msssim", "--effort", "max")),
    "transparent max": ("ldc_max", ("--track", "transparent", "--effort", "max")),
}
MAX_RUN_RECORDS = 50         # the JSON keeps the last runs' timings
# cheap codecs first: a partial run already has complete curves for them
RUN_ORDER = ("jpeg420", "jpeg444", "webp", "jpeg2000", "jxl", "avif420", "avif444", "heif420",
             "heif444", "heif444_psnr", "ldc", "ldc_max", "avif444_s3_psnr")


# --- worker side (in the process pool, or inline with --jobs 1) ---------------

_STATE = {"path": None, "rgb": None, "ldc_fp": None}


def _w_init():
    bench_peers.single_thread()
    if _STATE["ldc_fp"] is None:
        # a spawned worker imports codec/ afresh; a forked one inherits the
        # driver's modules and the fingerprint taken when they were imported
        _STATE["ldc_fp"] = _import_codec()


def _import_codec():
    """Import codec/ and return the fingerprint of the sources just imported."""
    import codec.sets.allocate  # noqa: F401
    import codec.imageio  # noqa: F401
    import codec.sets.metrics  # noqa: F401
    return bench_peers.codec_fingerprint()


def _image(path):
    if _STATE["path"] != path:
        from codec.imageio import load_rgb
        _STATE["rgb"] = None                # one image per worker at a time
        _STATE["rgb"] = load_rgb(path)[0]
        _STATE["path"] = path
    return _STATE["rgb"]


def _w_job(name, path, value):
    """Encode + decode one image at one setting; a row of numbers or an error."""
    from codec.sets.metrics import ms_ssim, sse
    try:
        peer = PEERS[name]
        rgb = _image(path)
        prepared = peer.prepare(rgb)
        t = time.perf_counter()
        data = peer.encode(prepared, value)
        enc = time.perf_counter() - t
        t = time.perf_counter()
        out = peer.decode(data)
        dec = time.perf_counter() - t
        out = np.asarray(out)
        if out.shape != rgb.shape or out.dtype != np.uint8:
            raise ValueError(f"decoded {out.shape} {out.dtype}, expected {rgb.shape} uint8")
        h, w = rgb.shape[:2]
        row = dict(bytes=len(data), sse=int(sse(rgb, out)), pixels=h * w,
                   msssim=round(ms_ssim(rgb, out), 8), enc_s=_sig(enc), dec_s=_sig(dec))
        return dict(ok=True, row=row, fingerprint=_STATE["ldc_fp"] if name in LDC_PEERS else None)
    except Exception as e:      # one failing encode is reported, never stops the run
        return dict(ok=False, error=f"{type(e).__name__}: {e}")


def _sig(x, digits=4):
    return float(f"{x:.{digits}g}")


# --- results file ---------------------------------------------------------------

def new_results():
    return dict(schema=SCHEMA, protocol=dict(lowrate_bpp=0.15, psnr_min=40.0, msssim_min=0.993),
                corpus={}, machine={}, codecs={}, not_measured={}, option_checks={}, tracks={},
                runs=[])


def load_results(path):
    if not os.path.exists(path):
        return new_results()
    with open(path) as f:
        res = json.load(f)
    if res.get("schema") != SCHEMA:
        raise ValueError(f"{path}: schema {res.get('schema')} is not {SCHEMA}; use another --out")
    base = new_results()
    base.update(res)
    return base


def results_or_error(path, tool):
    """The results of an existing bench JSON file, or None after one line on
    stderr (missing, unreadable, another schema)."""
    if not os.path.exists(path):
        print(f"{tool}: no such file {path}", file=sys.stderr)
        return None
    try:
        return load_results(path)
    except (OSError, ValueError) as e:
        print(f"{tool}: {e}", file=sys.stderr)
        return None


def dumps(res):
    """JSON text with every row (a flat dict of numbers) on one line."""
    rows = []

    def walk(o):
        if isinstance(o, dict):
            if o and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in o.values()):
                rows.append(json.dumps(o, separators=(",", ":")))
                return f"@@row{len(rows) - 1}@@"
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    text = json.dumps(walk(res), indent=1)
    return re.sub(r'"@@row(\d+)@@"', lambda m: rows[int(m.group(1))], text) + "\n"


def save_results(path, res):
    from codec.imageio import atomic_write
    for entry in res["codecs"].values():
        for s in entry["settings"].values():
            s["images"] = dict(sorted(s["images"].items()))
    atomic_write(path, dumps(res).encode())


# --- environment -------------------------------------------------------------------

def machine_info():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = dict(cpu=cpu, cores=os.cpu_count(), platform=platform.platform(),
                python=platform.python_version(), numpy=np.__version__)
    if hasattr(os, "sched_getaffinity"):
        info["cores_usable"] = len(os.sched_getaffinity(0))
    for mod in ("scipy", "numba", "PIL"):
        try:
            info[mod if mod != "PIL" else "pillow"] = __import__(mod).__version__
        except ImportError:
            pass
    with contextlib.suppress(OSError, AttributeError):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def corpus_info(paths):
    from PIL import Image
    images = {}
    for p in paths:
        with open(p, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        with Image.open(p) as im:
            w, h = im.size
        images[os.path.basename(p)] = dict(width=w, height=h, pixels=w * h, sha256=digest)
    return images


def track_fingerprint(codec_fp, root=bench_peers.REPO):
    """The track rows depend on codec/**/*.py and on encode.py's search driver."""
    h = hashlib.sha256(codec_fp.encode())
    with open(os.path.join(root, "encode.py"), "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:12]


def _test_image(h=96, w=128, seed=1):
    """A small textured image for the option checks (no dependency on the tests)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 128 + 60 * np.sin(x / 7.0) * np.cos(y / 11.0) + 0.3 * (x - y)
    img = np.stack([base, 0.8 * base + 30 * np.cos(y / 5.0), 255 - base], axis=2)
    img += rng.normal(0, 8, img.shape)
    return np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))


# --- driver ---------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="folder of PNG images")
    p.add_argument("--out", required=True, help="results JSON (read as a cache, then updated)")
    p.add_argument("--codecs", help="comma-separated codec names (default: all); known: "
                                    + ", ".join(list(PEERS) + list(NOT_AVAILABLE)))
    p.add_argument("--jobs", type=int, default=2, help="worker processes (1 = run inline)")
    p.add_argument("--settings", action="append", default=[], metavar="CODEC=V1,V2,...",
                   help="override a codec's sweep (repeatable)")
    p.add_argument("--no-tracks", action="store_true", help="skip the LDC track-mode runs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    if a.jobs < 1:
        p.error("--jobs must be >= 1")
    known = set(PEERS) | set(NOT_AVAILABLE)
    a.codec_list = [c.strip() for c in a.codecs.split(",") if c.strip()] if a.codecs else \
        list(PEERS) + list(NOT_AVAILABLE)
    bad = [c for c in a.codec_list if c not in known]
    if bad:
        p.error(f"unknown codec(s) {', '.join(bad)}; known: {', '.join(sorted(known))}")
    a.overrides = {}
    for s in a.settings:
        name, _, vals = s.partition("=")
        if name not in PEERS or not vals:
            p.error(f"--settings {s!r}: expected CODEC=V1,V2,... with CODEC one of {', '.join(PEERS)}")
        try:
            a.overrides[name] = tuple(float(v) for v in vals.split(","))
        except ValueError:
            p.error(f"--settings {s!r}: values must be numbers")
    return a


class Run:
    """One benchmark run: reconciles the cache, runs the missing jobs, saves."""

    def __init__(self, a, res):
        self.a = a
        self.res = res
        self.log_lines = []
        self.last_save = time.time()
        self.computed = 0
        self.failed = 0
        self.ldc_adopted = set()          # LDC rows that adopted the workers' fingerprint

    def log(self, msg):
        self.log_lines.append(msg)
        if self.a.quiet:
            return
        from tqdm import tqdm
        tqdm.write(msg, file=sys.stderr)

    def save(self, force=False):
        if force or time.time() - self.last_save >= SAVE_EVERY_S:
            save_results(self.a.out, self.res)
            self.last_save = time.time()

    # -- cache reconciliation --
    def reconcile_corpus(self, images):
        old = self.res.get("corpus", {}).get("images", {})
        stale = {n for n, info in old.items() if images.get(n, {}).get("sha256") != info.get("sha256")}
        if stale:
            self.log(f"note: {len(stale)} image(s) changed or gone; their rows are dropped")
            for entry in self.res["codecs"].values():
                for s in entry["settings"].values():
                    for n in stale:
                        s["images"].pop(n, None)
        self.res["corpus"] = dict(dir=os.path.abspath(self.a.corpus), images=images,
                                  pixels=sum(i["pixels"] for i in images.values()))

    def prepare_codec(self, name):
        """Register the codec in the results; False if it cannot run here."""
        if name in NOT_AVAILABLE:
            self.res["not_measured"][name] = NOT_AVAILABLE[name]
            self.log(f"{name}: skipped: {NOT_AVAILABLE[name]}")
            return False
        peer = PEERS[name]
        reason = peer.available()
        if reason is None:
            try:
                # LDC: the version names the code this process imported at its start
                version = (bench_peers.ldc_version(_STATE["ldc_fp"]) if name in LDC_PEERS
                           else peer.version())
            except Exception as e:
                reason = f"version query failed ({type(e).__name__}: {e})"
        if reason is not None:
            self.res["not_measured"][name] = f"not available: {reason}"
            self.log(f"{name}: skipped: {reason}")
            return False
        entry = self.res["codecs"].get(name)
        if entry and (entry.get("version") != version or entry.get("description") != peer.description):
            self.log(f"{name}: version/configuration changed ({entry.get('version')} -> {version}); "
                     f"its {sum(len(s['images']) for s in entry['settings'].values())} rows are recomputed")
            entry = None
        if entry is None:
            entry = dict(settings={})
        entry.update(description=peer.description, version=version, prefix=peer.prefix)
        if name in LDC_PEERS:
            entry["fingerprint"] = _STATE["ldc_fp"]
        self.res["codecs"][name] = entry
        if name in OPTION_CHECKED and not self.option_ok(name, version):
            self.res["codecs"].pop(name)
            return False
        self.res["not_measured"].pop(name, None)
        return True

    def option_ok(self, name, version):
        chk = self.res["option_checks"].get(name)
        if not chk or chk.get("version") != version:
            try:
                changed, note = bench_peers.check_option(name, _test_image())
            except Exception as e:
                changed, note = False, f"the option was rejected: {type(e).__name__}: {e}"
            chk = dict(version=version, changes_bitstream=bool(changed), note=note)
            self.res["option_checks"][name] = chk
        if not chk["changes_bitstream"]:
            reason = f"not supported: the extra option does not change the bitstream ({chk['note']})"
            self.res["not_measured"][name] = reason
            self.log(f"{name}: skipped: {reason}")
            return False
        return True

    def jobs_for(self, name, paths):
        peer = PEERS[name]
        values = self.a.overrides.get(name, peer.settings)
        entry = self.res["codecs"][name]
        jobs = []
        for path in paths:
            img = os.path.basename(path)
            for v in values:
                s = entry["settings"].setdefault(peer.label(v), dict(value=float(v), images={}))
                if img not in s["images"]:
                    jobs.append((name, path, float(v)))
        return jobs

    # -- execution --
    def store(self, job, r):
        name, path, value = job
        img = os.path.basename(path)
        if not r["ok"]:
            self.failed += 1
            self.log(f"{name} {PEERS[name].label(value)} {img}: failed: {r['error']}")
            return
        entry = self.res["codecs"][name]
        if name in LDC_PEERS and r["fingerprint"] != entry["fingerprint"] and \
                not self.adopt_ldc(name, r):
            self.failed += 1
            self.log(f"{name} {img}: worker ran codec {r['fingerprint']}, the rows are for "
                     f"{entry['fingerprint']}; row discarded, rerun to refresh")
            return
        s = entry["settings"].setdefault(PEERS[name].label(value), dict(value=value, images={}))
        s["images"][img] = r["row"]
        self.computed += 1

    def adopt_ldc(self, name, r):
        """codec/**/*.py changed between the start of the run and the workers' start:
        once per run and LDC row, the rows follow the code the workers actually
        run (the rows of the older fingerprint are dropped; a rerun completes them)."""
        if name in self.ldc_adopted:
            return False
        self.ldc_adopted.add(name)
        entry = self.res["codecs"][name]
        n = sum(len(s["images"]) for s in entry["settings"].values())
        self.log(f"note: codec/**/*.py changed ({entry['fingerprint']} -> {r['fingerprint']}) before "
                 f"the workers started; {n} {name} rows of the old code dropped")
        entry.update(fingerprint=r["fingerprint"], version=bench_peers.ldc_version(r["fingerprint"]))
        for s in entry["settings"].values():
            s["images"].clear()
        return True

    def run_jobs(self, jobs):
        from tqdm import tqdm
        bar = tqdm(total=len(jobs), desc="bench", unit="job", disable=self.a.quiet, file=sys.stderr,
                   smoothing=0.05)
        try:
            if self.a.jobs == 1:
                _w_init()
                for job in jobs:
                    self.store(job, _w_job(*job))
                    bar.update(1)
                    self.save()
                return
            # fork where available: the workers then run the driver's codec/ modules
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            with ProcessPoolExecutor(max_workers=self.a.jobs, initializer=_w_init,
                                     mp_context=ctx) as pool:
                pending = {pool.submit(_w_job, *job): job for job in jobs}
                try:
                    while pending:
                        done, _ = wait(pending, timeout=SAVE_EVERY_S, return_when=FIRST_COMPLETED)
                        for f in done:
                            job = pending.pop(f)
                            bar.update(1)
                            try:
                                r = f.result()
                            except Exception as e:     # a crashed worker process
                                r = dict(ok=False, error=f"{type(e).__name__}: {e}")
                            self.store(job, r)
                        self.save()
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        finally:
            bar.close()

    def run_tracks(self, corpus, selected):
        """The track searches of the selected LDC rows (TRACKS), where not cached."""
        import encode        # its workers fork from this process: they run the same codec/
        fp = track_fingerprint(_STATE["ldc_fp"])
        sha = hashlib.sha256(json.dumps(self.res["corpus"]["images"], sort_keys=True).encode())
        corpus_id = sha.hexdigest()[:12]
        for track, (row, track_args) in TRACKS.items():
            if row not in selected:
                continue
            key = f"ldc {track} track"
            old = self.res["tracks"].get(key)
            if old and old.get("fingerprint") == fp and old.get("corpus_id") == corpus_id:
                continue
            self.log(f"{key}: running encode.py {' '.join(track_args)} --jobs {self.a.jobs}")
            with tempfile.TemporaryDirectory(prefix="bench_track_") as tmp:
                js = os.path.join(tmp, "summary.json")
                argv = [corpus, os.path.join(tmp, "out"), *track_args, "--quiet",
                        "--jobs", str(self.a.jobs), "--json", js]
                t = time.time()
                with contextlib.redirect_stdout(io.StringIO()):
                    rc = encode.main(argv)
                total = time.time() - t
                if not os.path.exists(js):
                    self.failed += 1
                    self.log(f"{key}: failed (exit status {rc}, no summary)")
                    continue
                with open(js) as f:
                    s = json.load(f)
            row = {k: s[k] for k in ("images", "pixels", "bytes", "bpp", "psnr", "msssim",
                                     "wall_seconds", "encode_cpu_seconds", "encodes", "budget")
                   if s.get(k) is not None}
            row["seconds_with_verify"] = round(total, 2)
            row["wall_seconds"] = round(row["wall_seconds"], 2)
            row["encode_cpu_seconds"] = round(row["encode_cpu_seconds"], 2)
            self.res["tracks"][key] = dict(fingerprint=fp, corpus_id=corpus_id, exit_status=rc,
                                           codec_fingerprint=_STATE["ldc_fp"],
                                           target_met=bool(s.get("target_met")), summary=row)
            self.computed += 1
            self.save(force=True)


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    from tools.cli import folder_images_or_error
    paths = folder_images_or_error(a.corpus, "bench")
    if paths is None:
        return 2
    try:
        res = load_results(a.out)
    except (ValueError, json.JSONDecodeError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    t0 = time.time()
    try:                         # `kill` saves and records the run like Ctrl-C
        old_handler = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:           # not the main thread: leave signals alone
        old_handler = None
    # codec/ is imported once, here: forked workers and encode.py's track
    # searches inherit these modules, so this fingerprint names the code they run
    _STATE["ldc_fp"] = _import_codec()
    run = Run(a, res)
    run.reconcile_corpus(corpus_info(paths))
    res["machine"] = machine_info()
    selected = [n for n in a.codec_list if run.prepare_codec(n)]
    order = {n: i for i, n in enumerate(RUN_ORDER)}
    jobs = []
    for name in sorted(selected, key=lambda n: order.get(n, len(order))):
        jobs += run.jobs_for(name, paths)
    run.save(force=True)
    if jobs:
        run.log(f"{len(jobs)} jobs to run over {len(paths)} images, {len(selected)} codecs, "
                f"{a.jobs} process(es)")
    try:
        # the tracks first (a few minutes) so their rows exist early in a long run
        if any(n in LDC_PEERS for n in selected) and not a.no_tracks:
            run.run_tracks(os.path.abspath(a.corpus), selected)
        if jobs:
            run.run_jobs(jobs)
    except KeyboardInterrupt:
        run.save(force=True)
        print(f"bench: interrupted; {run.computed} results saved to {a.out}", file=sys.stderr)
        return 130
    finally:
        res["runs"] = (res["runs"] + [dict(
            started=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t0)),
            seconds=round(time.time() - t0, 1), computed=run.computed, failed=run.failed,
            jobs=a.jobs, codecs=",".join(selected))])[-MAX_RUN_RECORDS:]
        run.save(force=True)
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)
    print(f"bench: {run.computed} new results, {run.failed} failed, "
          f"{time.time() - t0:.1f} s -> {a.out}", file=sys.stderr)
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
