"""Aggregate rate-distortion plot from a tools.bench results JSON.

  python -m tools.plot_rd results.json --out docs/rd.png

Two panels, every codec's uniform-setting sweep (CLIC 2019 aggregates):
PSNR vs bpp and MS-SSIM vs bpp, log bpp axis, with the low-rate budget
(vertical line at 0.15 bpp) and the transparent thresholds (40 dB, 0.993).
The LDC track-mode results are drawn in red (star: low-rate, plus: low-rate
--tune msssim, diamond: transparent).
"""
import argparse
import os
import sys

LDC_STYLE = dict(color="black", linewidth=2.2, zorder=5)
LDC_MAX_STYLE = dict(color="black", linewidth=1.4, linestyle="--", zorder=5)


def plot(res, out, title=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tools.bench_report import uniform_curve

    prot = res["protocol"]
    fig, axes = plt.subplots(1, 2, figsize=(15, 6.2))
    cmap = plt.get_cmap("tab20")
    names = sorted(res["codecs"], key=lambda c: (not c.startswith("ldc"), c))
    for k, c in enumerate(names):
        pts = [p for p in uniform_curve(res, c) if p.bpp > 0]
        if not pts:
            continue
        style = {"ldc": LDC_STYLE, "ldc_max": LDC_MAX_STYLE}.get(
            c, dict(color=cmap(k % 20), linewidth=1.2))
        x = [p.bpp for p in pts]
        axes[0].plot(x, [p.psnr for p in pts], marker=".", markersize=4, label=c, **style)
        axes[1].plot(x, [p.msssim for p in pts], marker=".", markersize=4, label=c, **style)
    for key, t in sorted(res.get("tracks", {}).items()):
        s = t["summary"]
        marker = "P" if "msssim" in key else ("*" if "lowrate" in key else "D")
        for ax, y in ((axes[0], s["psnr"]), (axes[1], s["msssim"])):
            ax.plot([s["bpp"]], [y], marker=marker, markersize=12 if marker == "*" else 8,
                    color="darkorange" if " max " in key else "crimson", zorder=6,
                    linestyle="none",
                    label=key if ax is axes[0] else None)
    for ax, hline, ylabel in ((axes[0], prot["psnr_min"], "aggregate PSNR (dB)"),
                              (axes[1], prot["msssim_min"], "mean MS-SSIM")):
        ax.set_xscale("log")
        ax.set_xlim(0.03, 4.0)
        ax.axvline(prot["lowrate_bpp"], color="grey", linestyle="--", linewidth=1)
        ax.axhline(hline, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("bits per pixel (whole files, set total)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylim(24, 48)
    axes[1].set_ylim(0.90, 1.0)
    axes[0].legend(fontsize=8, loc="lower right", ncol=2)
    n = len(res["corpus"]["images"])
    mp = sum(i["pixels"] for i in res["corpus"]["images"].values()) / 1e6
    fig.suptitle(title or f"CLIC 2019 aggregates, {n} images, {mp:.2f} MP "
                          f"(dashed: {prot['lowrate_bpp']} bpp; dotted: {prot['psnr_min']:g} dB / "
                          f"{prot['msssim_min']})")
    fig.tight_layout()
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.plot_rd", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="JSON written by python -m tools.bench")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--title", help="figure title")
    a = p.parse_args(argv)
    from tools.bench import results_or_error
    res = results_or_error(a.results, "plot_rd")
    if res is None:
        return 2
    plot(res, a.out, a.title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
