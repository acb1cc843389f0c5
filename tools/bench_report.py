"""Markdown tables from a tools.bench results JSON.

  python -m tools.bench_report results.json [--md FILE] [--anchor heif444]

Without --md the tables go to stdout.  With --md FILE: if FILE contains the
markers `<!-- bench_report:begin -->` and `<!-- bench_report:end -->`, only
the text between them is replaced (hand-written text around them is kept);
otherwise FILE is written with the tables alone.

Definitions (CLIC 2019; aggregation by codec.sets.metrics.aggregate):
bpp = 8 * sum(bytes) / sum(pixels); PSNR from one MSE = sum(SSE) / (3 * sum(pixels));
MS-SSIM = plain mean over images.  Uniform curves use only settings measured
on every image.  Per-image allocation picks one measured setting per image
with codec.sets.allocate.choose_max_quality (low-rate) / choose_min_bytes
(transparent).  BD-rate: log-rate as a PCHIP function of aggregate PSNR,
averaged over 30-42 dB clipped to the overlap of both curves.
"""
import argparse
import math
import os
import sys
from dataclasses import dataclass

import numpy as np

BEGIN = "<!-- bench_report:begin -->"
END = "<!-- bench_report:end -->"
DEFAULT_ANCHOR = "heif444"
BD_RANGE = (30.0, 42.0)


@dataclass(frozen=True)
class SetPoint:
    label: str
    value: float
    bpp: float
    psnr: float
    msssim: float
    nbytes: int


# --- data access ------------------------------------------------------------------

def image_names(res):
    return sorted(res["corpus"]["images"])


def total_pixels(res):
    return sum(i["pixels"] for i in res["corpus"]["images"].values())


def lowrate_budget(res):
    return math.ceil(total_pixels(res) * res["protocol"]["lowrate_bpp"] / 8)


def sse_max(res):
    return 3.0 * total_pixels(res) * 255.0 ** 2 / 10 ** (res["protocol"]["psnr_min"] / 10)


def set_score(rows):
    """CLIC set score of image rows ({bytes, sse, pixels, msssim})."""
    from codec.sets.metrics import ImageScore, aggregate
    return aggregate(ImageScore(str(i), r["pixels"], r["bytes"], r["sse"], r["msssim"])
                     for i, r in enumerate(rows))


def uniform_curve(res, codec):
    """One SetPoint per setting measured on every image, sorted by bpp."""
    names = image_names(res)
    pts = []
    for label, s in res["codecs"][codec]["settings"].items():
        if all(n in s["images"] for n in names):
            sc = set_score([s["images"][n] for n in names])
            pts.append(SetPoint(label, s["value"], sc.bpp, sc.psnr, sc.msssim, sc.nbytes))
    return sorted(pts, key=lambda p: (p.bpp, -p.psnr))


def image_curves(res, codec):
    """codec.sets.allocate.Curves over the measured points of each image, and the labels."""
    from codec.sets.allocate import Curves, Point
    names = image_names(res)
    points, labels = [], []
    for n in names:
        ps, ls = [], []
        for k, (label, s) in enumerate(res["codecs"][codec]["settings"].items()):
            r = s["images"].get(n)
            if r is not None:
                # lam is only an identifier here: the choosers work on indices
                ps.append(Point(lam=float(k + 1), nbytes=r["bytes"], sse=float(r["sse"]),
                                msssim=r["msssim"]))
                ls.append((label, s["value"]))
        points.append(ps)
        labels.append(ls)
    return Curves(len(names), points), labels


def allocation_rows(res, codec, choice, labels):
    names = image_names(res)
    rows, chosen = [], []
    for i, n in enumerate(names):
        label, value = labels[i][choice[i]]
        rows.append(res["codecs"][codec]["settings"][label]["images"][n])
        chosen.append((label, value))
    return set_score(rows), chosen


# --- curve arithmetic ----------------------------------------------------------------

def pareto(rates, quals):
    """Points sorted by rate keeping only those that raise the quality (both strictly increasing)."""
    order = np.argsort(rates, kind="stable")
    r_out, q_out = [], []
    for i in order:
        r, q = float(rates[i]), float(quals[i])
        if not (math.isfinite(r) and math.isfinite(q)) or r <= 0:
            continue
        if q_out and (q <= q_out[-1] or r <= r_out[-1]):
            continue
        r_out.append(r)
        q_out.append(q)
    return np.array(r_out), np.array(q_out)


def interp_quality_at_rate(rates, quals, rate):
    """Quality at `rate` from a PCHIP in log-rate, or None outside the measured range."""
    from scipy.interpolate import PchipInterpolator
    r, q = pareto(rates, quals)
    if len(r) < 2 or not r[0] <= rate <= r[-1]:
        return None
    return float(PchipInterpolator(np.log(r), q)(math.log(rate)))


def interp_rate_at_quality(rates, quals, qual):
    """Rate at which the curve reaches `qual` (PCHIP of log-rate over quality), or None."""
    from scipy.interpolate import PchipInterpolator
    r, q = pareto(rates, quals)
    if len(r) < 2 or not q[0] <= qual <= q[-1]:
        return None
    return float(math.exp(PchipInterpolator(q, np.log(r))(qual)))


def bd_rate(anchor, test, lo=BD_RANGE[0], hi=BD_RANGE[1]):
    """Bjontegaard delta rate of `test` against `anchor`, curves given as (rates, psnrs).

    log(rate) is a PCHIP function of PSNR for each curve; the mean difference
    over [lo, hi] clipped to the PSNR range both curves cover gives
    BD-rate % = 100 * (exp(mean) - 1).  BD-PSNR: PSNR as a PCHIP function of
    log(rate), mean difference over the anchor's log-rate interval for the
    same PSNR window, clipped to the log-rates both curves cover.
    Returns dict(rate=%, psnr=dB, lo, hi) or None without an overlap."""
    from scipy.interpolate import PchipInterpolator
    ra, qa = pareto(*anchor)
    rt, qt = pareto(*test)
    if len(ra) < 2 or len(rt) < 2:
        return None
    a, b = max(lo, qa[0], qt[0]), min(hi, qa[-1], qt[-1])
    if not b > a:
        return None
    fa = PchipInterpolator(qa, np.log(ra))
    ft = PchipInterpolator(qt, np.log(rt))
    mean = (ft.integrate(a, b) - fa.integrate(a, b)) / (b - a)
    out = dict(rate=100.0 * (math.exp(mean) - 1.0), lo=float(a), hi=float(b), psnr=None)
    la, lb = float(fa(a)), float(fa(b))
    la, lb = max(la, math.log(ra[0]), math.log(rt[0])), min(lb, math.log(ra[-1]), math.log(rt[-1]))
    if lb > la:
        ga = PchipInterpolator(np.log(ra), qa)
        gt = PchipInterpolator(np.log(rt), qt)
        out["psnr"] = float((gt.integrate(la, lb) - ga.integrate(la, lb)) / (lb - la))
    return out


# --- the tracks ------------------------------------------------------------------------

def lowrate(res, codec, budget=None):
    """Best aggregate PSNR within the budget: uniform setting, per-image allocation, interp."""
    from codec.sets.allocate import choose_max_quality
    budget = lowrate_budget(res) if budget is None else budget
    bpp_budget = 8.0 * budget / total_pixels(res)
    curve = uniform_curve(res, codec)
    fit = [p for p in curve if p.nbytes <= budget]
    out = dict(uniform=max(fit, key=lambda p: p.psnr) if fit else None,
               min_bpp=min((p.bpp for p in curve), default=None),
               interp=interp_quality_at_rate([p.bpp for p in curve], [p.psnr for p in curve],
                                             bpp_budget),
               alloc=None, alloc_settings=None)
    curves, labels = image_curves(res, codec)
    if all(curves.points):
        choice = choose_max_quality(curves, budget)
        if choice is not None:
            out["alloc"], out["alloc_settings"] = allocation_rows(res, codec, choice, labels)
    return out


def transparent(res, codec):
    """Fewest bytes with aggregate PSNR >= psnr_min and mean MS-SSIM >= msssim_min."""
    from codec.sets.allocate import choose_min_bytes
    pmin, mmin = res["protocol"]["psnr_min"], res["protocol"]["msssim_min"]
    curve = uniform_curve(res, codec)
    ok = [p for p in curve if p.psnr >= pmin and p.msssim >= mmin]
    rates = [p.bpp for p in curve]
    at_psnr = interp_rate_at_quality(rates, [p.psnr for p in curve], pmin)
    at_ms = interp_rate_at_quality(rates, [p.msssim for p in curve], mmin)
    out = dict(uniform=min(ok, key=lambda p: p.bpp) if ok else None, at_psnr=at_psnr, at_msssim=at_ms,
               alloc=None, alloc_settings=None)
    curves, labels = image_curves(res, codec)
    if all(curves.points):
        choice = choose_min_bytes(curves, sse_max(res), mmin)
        if choice is not None:
            out["alloc"], out["alloc_settings"] = allocation_rows(res, codec, choice, labels)
    return out


def speeds(res, codec):
    """Median encode / decode MP/s over every (image, setting) run."""
    enc, dec = [], []
    for s in res["codecs"][codec]["settings"].values():
        for r in s["images"].values():
            mp = r["pixels"] / 1e6
            if r["enc_s"] > 0:
                enc.append(mp / r["enc_s"])
            if r["dec_s"] > 0:
                dec.append(mp / r["dec_s"])
    return (float(np.median(enc)) if enc else None, float(np.median(dec)) if dec else None,
            len(enc))


# --- rendering -------------------------------------------------------------------------

def _f(x, fmt):
    return "n/a" if x is None else format(x, fmt)


def _range(settings, prefix):
    vals = [v for _, v in settings]
    lo, hi = min(vals), max(vals)
    from tools.bench_peers import _fmt
    return f"{prefix}{_fmt(lo)}" if lo == hi else f"{prefix}{_fmt(lo)}..{_fmt(hi)}"


def render(res, anchor=DEFAULT_ANCHOR):
    """The results page (Markdown): corpus line, low-rate and transparent
    tables, BD-rates, speed, the LDC track runs, codec versions, machine."""
    # tables cover the codecs with at least one setting measured on every image
    codecs = [c for c in res["codecs"] if uniform_curve(res, c)]
    incomplete = [c for c in res["codecs"] if c not in codecs]
    low = {c: lowrate(res, c) for c in codecs}
    codecs.sort(key=lambda c: -(low[c]["alloc"].psnr if low[c]["alloc"] else -1))
    L = _render_corpus(res, incomplete)
    L.append("")
    L += _render_lowrate(res, codecs, low)
    L.append("")
    L += _render_transparent(res, codecs)
    L.append("")
    L += render_bd(res, codecs, anchor)
    L.append("")
    L += _render_speed(res, codecs)
    L.append("")
    L += render_tracks(res)
    L.append("")
    L += _render_codecs(res)
    return "\n".join(L) + "\n"


def _render_corpus(res, incomplete):
    P = total_pixels(res)
    prot = res["protocol"]
    L = [f"Corpus: {len(image_names(res))} images, {P / 1e6:.3f} Mpixel; low-rate budget "
         f"{lowrate_budget(res)} bytes (= ceil({P} * {prot['lowrate_bpp']} / 8)); transparent: "
         f"aggregate PSNR >= {prot['psnr_min']:g} dB (total SSE <= {sse_max(res):.4g}) and mean "
         f"MS-SSIM >= {prot['msssim_min']}."]
    if incomplete:
        L.append("")
        L.append("Not in the tables yet (no setting measured on every image): "
                 + ", ".join(f"{c} ({sum(len(s['images']) for s in res['codecs'][c]['settings'].values())}"
                             " rows)" for c in incomplete) + ".")
    return L


def _render_lowrate(res, codecs, low):
    prot = res["protocol"]
    L = [f"### Low-rate track (total <= {prot['lowrate_bpp']} bpp): aggregate PSNR", "",
         "| codec | (a) uniform setting | bpp | PSNR dB | MS-SSIM | (b) per-image alloc: settings "
         "| bpp | PSNR dB | MS-SSIM | PSNR at 0.15 interp. |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for c in codecs:
        d = low[c]
        pre = res["codecs"][c].get("prefix", "")
        u, al = d["uniform"], d["alloc"]
        cells = [c]
        if u:
            cells += [u.label, f"{u.bpp:.4f}", f"{u.psnr:.3f}", f"{u.msssim:.4f}"]
        else:
            cells += [f"none fits (min {_f(d['min_bpp'], '.3f')} bpp)", "", "", ""]
        if al:
            cells += [_range(d["alloc_settings"], pre), f"{al.bpp:.4f}", f"{al.psnr:.3f}",
                      f"{al.msssim:.4f}"]
        else:
            cells += ["infeasible", "", "", ""]
        cells.append(_f(d["interp"], ".3f"))
        L.append("| " + " | ".join(cells) + " |")
    return L


def _render_transparent(res, codecs):
    prot = res["protocol"]
    tra = {c: transparent(res, c) for c in codecs}
    L = [f"### Transparent track (PSNR >= {prot['psnr_min']:g} dB and MS-SSIM >= "
         f"{prot['msssim_min']}): fewest bpp", "",
         "| codec | (a) uniform setting | bpp | PSNR dB | MS-SSIM | (b) per-image alloc: settings "
         "| bpp | PSNR dB | MS-SSIM | uniform interp.: bpp at 40 dB "
         "| bpp at MS-SSIM 0.993 |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in sorted(codecs, key=lambda c: tra[c]["alloc"].bpp if tra[c]["alloc"] else 1e9):
        d = tra[c]
        pre = res["codecs"][c].get("prefix", "")
        u, al = d["uniform"], d["alloc"]
        cells = [c]
        cells += [u.label, f"{u.bpp:.4f}", f"{u.psnr:.3f}", f"{u.msssim:.4f}"] if u else \
            ["not reached", "", "", ""]
        cells += [_range(d["alloc_settings"], pre), f"{al.bpp:.4f}", f"{al.psnr:.3f}",
                  f"{al.msssim:.4f}"] if al else ["infeasible", "", "", ""]
        cells += [_f(d["at_psnr"], ".4f"), _f(d["at_msssim"], ".4f")]
        L.append("| " + " | ".join(cells) + " |")
    return L


def _render_speed(res, codecs):
    L = ["### Speed (single thread per process; median over every image and setting)", "",
         "| codec | encode MP/s | decode MP/s | runs |", "|---|---|---|---|"]
    for c in sorted(codecs, key=lambda c: -(speeds(res, c)[0] or 0)):
        e, d, k = speeds(res, c)
        L.append(f"| {c} | {_f(e, '.2f')} | {_f(d, '.2f')} | {k} |")
    return L


def _render_codecs(res):
    L = ["### Codecs, configurations and versions", "",
         "| codec | configuration | version | settings |", "|---|---|---|---|"]
    for c in sorted(res["codecs"]):
        e = res["codecs"][c]
        L.append(f"| {c} | {e['description']} | {e['version']} | {len(e['settings'])} |")
    for c, why in sorted(res.get("not_measured", {}).items()):
        L.append(f"| {c} | not measured | {why} | 0 |")
    checks = res.get("option_checks", {})
    if checks:
        L.append("")
        L.append("Option checks (run on a small synthetic image): " + "; ".join(
            f"{c}: {v['note']} -> {'bitstream changes' if v['changes_bitstream'] else 'NO change'}"
            for c, v in sorted(checks.items())) + ".")
    m = res.get("machine", {})
    if m:
        L.append("")
        L.append("Machine: " + ", ".join(f"{k} {v}" for k, v in m.items()) + ".")
    return L


def render_bd(res, codecs, anchor):
    L = [f"### BD-rate vs `{anchor}` (aggregate uniform-sweep curves, PCHIP in log-rate, PSNR "
         f"{BD_RANGE[0]:g}-{BD_RANGE[1]:g} dB clipped to the overlap)", "",
         "Negative = fewer bits than the anchor at equal aggregate PSNR.", ""]
    if anchor not in res["codecs"]:
        return L + [f"(anchor {anchor} not in the results)"]
    ca = uniform_curve(res, anchor)
    A = ([p.bpp for p in ca], [p.psnr for p in ca])
    L += ["| codec | BD-rate % | BD-PSNR dB | PSNR range used (dB) | points on curve |",
          "|---|---|---|---|---|"]
    rows = []
    for c in codecs:
        ct = uniform_curve(res, c)
        bd = bd_rate(A, ([p.bpp for p in ct], [p.psnr for p in ct]))
        rows.append((bd["rate"] if bd else 1e9, c, bd, len(ct)))
    for _, c, bd, k in sorted(rows):
        if bd is None:
            L.append(f"| {c} | n/a (no overlap) | | | {k} |")
        else:
            L.append(f"| {c} | {bd['rate']:+.2f} | {_f(bd['psnr'], '+.3f')} | "
                     f"{bd['lo']:.2f}-{bd['hi']:.2f} | {k} |")
    return L


def render_tracks(res):
    L = ["### LDC track modes (encode.py --track, the project's own set searches)", ""]
    tracks = res.get("tracks", {})
    if not tracks:
        return L + ["(not run)"]
    # a track is rerun only when its codec row is selected again, so tracks of
    # older code can sit beside new ones: each names the code it measured
    L += ["| row | bytes | bpp | PSNR dB | MS-SSIM | target met | encodes | wall s | "
          "encoder CPU s | codec fingerprint |", "|---|---|---|---|---|---|---|---|---|---|"]
    for key, t in sorted(tracks.items()):
        s = t["summary"]
        L.append(f"| {key} | {s.get('bytes')} | {s.get('bpp', 0):.4f} | {s.get('psnr', 0):.3f} | "
                 f"{s.get('msssim', 0):.4f} | {'yes' if t.get('target_met') else 'NO'} | "
                 f"{s.get('encodes')} | {_f(s.get('wall_seconds'), '.1f')} | "
                 f"{_f(s.get('encode_cpu_seconds'), '.1f')} | {t.get('codec_fingerprint', '-')} |")
    return L


def write_md(path, text):
    from codec.imageio import atomic_write
    block = f"{BEGIN}\n{text}{END}"
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        i, j = old.find(BEGIN), old.find(END)
        if i >= 0 and j > i:
            atomic_write(path, (old[:i] + block + old[j + len(END):]).encode())
            return
    atomic_write(path, (block + "\n").encode())


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.bench_report",
                                description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="JSON written by python -m tools.bench")
    p.add_argument("--md", help="Markdown file to write (between the bench_report markers if present)")
    p.add_argument("--anchor", default=DEFAULT_ANCHOR, help="BD-rate anchor codec")
    a = p.parse_args(argv)
    from tools.bench import results_or_error
    res = results_or_error(a.results, "bench_report")
    if res is None:
        return 2
    if not res["codecs"]:
        print(f"bench_report: no codec results in {a.results}", file=sys.stderr)
        return 2
    text = render(res, a.anchor)
    if a.md:
        write_md(a.md, text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
