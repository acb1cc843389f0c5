"""The peer benchmark: JSON schema, caching, allocation and BD-rate arithmetic."""
import itertools
import json
import math
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import synthetic_image
from tools import bench, bench_peers, bench_report, plot_rd

CODECS = "jpeg420,webp,ldc"
SETTINGS = ["--settings", "jpeg420=20,60,95", "--settings", "webp=10,60,95",
            "--settings", "ldc=32,512"]
JOBS_PER_IMAGE = 3 + 3 + 2
SIZES = [(64, 96), (72, 96), (56, 80)]   # 0.15 bpp of them (329 bytes) holds three 50-byte headers


def _write_corpus(folder, sizes=SIZES):
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(synthetic_image(h, w, seed=i)).save(folder / f"img{i}.png")


def _run(corpus, out, *extra):
    return bench.main([str(corpus), "--out", str(out), "--codecs", CODECS, *SETTINGS,
                       "--jobs", "1", "--no-tracks", "--quiet", *extra])


@pytest.fixture(scope="module", autouse=True)
def pinned_fingerprint():
    """codec/ may be edited while the tests run: pin its fingerprint for this module."""
    fp = bench_peers.codec_fingerprint()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(bench_peers, "codec_fingerprint", lambda root=bench_peers.REPO: fp)
        yield fp


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    _write_corpus(d)
    return d


@pytest.fixture(scope="module")
def results(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "r.json"
    assert _run(corpus, out) == 0
    return out


@pytest.fixture
def counted(monkeypatch):
    """Count the encode jobs a run performs (--jobs 1 runs them in this process)."""
    calls = []
    real = bench._w_job

    def job(*args):
        calls.append(args)
        return real(*args)
    monkeypatch.setattr(bench, "_w_job", job)
    return calls


def _load(path):
    with open(path) as f:
        return json.load(f)


def test_results_schema(results):
    res = _load(results)
    assert res["schema"] == bench.SCHEMA
    assert res["protocol"] == dict(lowrate_bpp=0.15, psnr_min=40.0, msssim_min=0.993)
    imgs = res["corpus"]["images"]
    assert sorted(imgs) == ["img0.png", "img1.png", "img2.png"]
    for (h, w), name in zip(SIZES, sorted(imgs)):
        assert imgs[name]["pixels"] == h * w
    assert res["corpus"]["pixels"] == sum(h * w for h, w in SIZES)
    for key in ("cpu", "cores", "python", "numpy"):
        assert key in res["machine"]
    assert set(res["codecs"]) == {"jpeg420", "webp", "ldc"}
    fp = res["codecs"]["ldc"]["fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{12}", fp) and res["codecs"]["ldc"]["version"].endswith(fp)
    for name, entry in res["codecs"].items():
        assert entry["version"] and entry["description"]
        assert len(entry["settings"]) == (2 if name == "ldc" else 3)
        for label, s in entry["settings"].items():
            assert label == bench_peers.PEERS[name].label(s["value"])
            assert sorted(s["images"]) == sorted(imgs)
            for img, row in s["images"].items():
                assert tuple(row) == bench.ROW_FIELDS
                assert all(isinstance(v, (int, float)) for v in row.values())
                assert row["pixels"] == imgs[img]["pixels"]
                assert row["bytes"] > 0 and row["sse"] >= 0
                assert 0.0 < row["msssim"] <= 1.0
                assert row["enc_s"] >= 0 and row["dec_s"] >= 0
    assert res["runs"][-1]["computed"] == JOBS_PER_IMAGE * len(SIZES)
    assert res["runs"][-1]["failed"] == 0


def test_ldc_row_matches_codec(results, corpus):
    """A stored row is what the codec and the project's metrics give."""
    import codec
    from codec.sets.metrics import ms_ssim, sse
    res = _load(results)
    rgb = synthetic_image(*SIZES[1], seed=1)
    r = codec.encode_image(rgb, codec.EncoderConfig(lam=32.0))
    row = res["codecs"]["ldc"]["settings"]["lam32"]["images"]["img1.png"]
    assert row["bytes"] == len(r.data)
    assert row["sse"] == sse(rgb, codec.decode(r.data))
    assert row["msssim"] == pytest.approx(ms_ssim(rgb, r.recon), abs=1e-7)


def test_rerun_computes_nothing(results, corpus, counted):
    assert _run(corpus, results) == 0
    assert counted == []
    assert _load(results)["runs"][-1]["computed"] == 0


def test_new_image_and_codec_change(results, corpus, tmp_path, counted, monkeypatch):
    out = tmp_path / "r.json"
    shutil.copy(results, out)
    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    Image.fromarray(synthetic_image(24, 40, seed=9)).save(folder / "img3.png")
    assert _run(folder, out) == 0          # only the new image is computed
    assert len(counted) == JOBS_PER_IMAGE
    assert {c[1].rsplit("/", 1)[-1] for c in counted} == {"img3.png"}
    counted.clear()
    # a different codec/ fingerprint recomputes the LDC rows, and only those
    monkeypatch.setattr(bench_peers, "codec_fingerprint", lambda root=bench_peers.REPO: "0123456789ab")
    assert _run(folder, out) == 0
    assert {c[0] for c in counted} == {"ldc"} and len(counted) == 2 * 4
    res = _load(out)
    assert res["codecs"]["ldc"]["fingerprint"] == "0123456789ab"
    assert all(len(s["images"]) == 4 for e in res["codecs"].values() for s in e["settings"].values())


def test_track_rows(results, corpus, tmp_path):
    """The LDC track searches (encode.py --track) of each selected LDC row are
    run once and cached; ldc_max's at --effort max."""
    out = tmp_path / "r.json"
    shutil.copy(results, out)
    argv = [str(corpus), "--out", str(out), "--codecs", "ldc", "--settings", "ldc=32,512",
            "--jobs", "1", "--quiet"]
    assert bench.main(argv) == 0
    res = _load(out)
    ldc_tracks = [t for t, (row, _) in bench.TRACKS.items() if row == "ldc"]
    assert len(ldc_tracks) == 3 and res["runs"][-1]["computed"] == 3   # no sweep rows
    assert set(res["tracks"]) == {f"ldc {t} track" for t in ldc_tracks}
    argv_max = [str(corpus), "--out", str(out), "--codecs", "ldc,ldc_max", "--settings",
                "ldc=32,512", "--settings", "ldc_max=32,512", "--jobs", "1", "--quiet"]
    assert bench.main(argv_max) == 0
    res = _load(out)
    # ldc's rows and tracks were cached: ldc_max's sweep (2 x 3 images) and its tracks
    assert res["runs"][-1]["computed"] == 2 * len(SIZES) + len(bench.TRACKS) - 3
    for track, (row, args) in bench.TRACKS.items():
        t = res["tracks"][f"ldc {track} track"]
        assert (row == "ldc_max") == ("max" in args)
        assert t["exit_status"] == 0 and t["target_met"]
        assert t["codec_fingerprint"] == res["codecs"][row]["fingerprint"]
        s = t["summary"]
        assert s["images"] == 3 and s["pixels"] == res["corpus"]["pixels"]
        assert s["bpp"] == pytest.approx(8 * s["bytes"] / s["pixels"])
    for key in ("lowrate", "lowrate msssim", "lowrate max", "lowrate msssim max"):
        assert res["tracks"][f"ldc {key} track"]["summary"]["bytes"] <= \
            math.ceil(res["corpus"]["pixels"] * 0.15 / 8)
    for key in ("transparent", "transparent max"):
        assert res["tracks"][f"ldc {key} track"]["summary"]["psnr"] >= 40.0
    assert bench.main(argv_max) == 0
    assert _load(out)["runs"][-1]["computed"] == 0


def test_ldc_max_row_is_the_max_effort_encoder(corpus):
    """The ldc_max row encodes with effort "max" (and ldc with the default)."""
    import codec
    rgb = synthetic_image(*SIZES[0], seed=0)
    got = {}
    for name, effort in (("ldc", "slow"), ("ldc_max", "max")):
        got[name] = bench_peers.PEERS[name].encode(rgb, 90.0)
        assert got[name] == codec.encode_image(rgb, codec.EncoderConfig(lam=90.0,
                                                                        effort=effort)).data
    assert got["ldc"] != got["ldc_max"]     # the two searches differ on this image


def test_report_and_plot(results, tmp_path):
    res = bench.load_results(str(results))
    text = bench_report.render(res, anchor="jpeg420")
    for head in ("Low-rate track", "Transparent track", "BD-rate vs `jpeg420`", "Speed",
                 "Codecs, configurations and versions"):
        assert head in text
    assert "| jpeg420 | +0.00 | +0.000 |" in text
    md = tmp_path / "RESULTS.md"
    md.write_text(f"# intro\n\n{bench_report.BEGIN}\nold\n{bench_report.END}\n\ntail\n")
    assert bench_report.main([str(results), "--md", str(md), "--anchor", "jpeg420"]) == 0
    out = md.read_text()
    assert out.startswith("# intro") and out.endswith("tail\n") and "old" not in out
    assert "Low-rate track" in out
    png = tmp_path / "rd.png"
    assert plot_rd.main([str(results), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- allocation on synthetic curves ---------------------------------------------

# per image, per setting: (bytes, sse, msssim); convex curves, so the
# equal-slope + greedy choosers of codec.sets.allocate reach the exact optimum
CURVES = {
    "a.png": {"s1": (100, 1000, 0.95), "s2": (200, 600, 0.97), "s3": (300, 400, 0.98)},
    "b.png": {"s1": (100, 1000, 0.95), "s2": (200, 400, 0.975), "s3": (290, 300, 0.98)},
}
PIXELS = 1000


def _synthetic_results(psnr_min=40.0, msssim_min=0.993):
    res = bench.new_results()
    res["protocol"].update(psnr_min=psnr_min, msssim_min=msssim_min)
    res["corpus"] = dict(images={n: dict(pixels=PIXELS) for n in CURVES}, pixels=PIXELS * len(CURVES))
    settings = {}
    for k, label in enumerate(["s1", "s2", "s3"]):
        settings[label] = dict(value=float(k + 1), images={
            n: dict(bytes=c[label][0], sse=c[label][1], pixels=PIXELS, msssim=c[label][2],
                    enc_s=0.1, dec_s=0.01) for n, c in CURVES.items()})
    res["codecs"]["toy"] = dict(settings=settings, prefix="s", version="1", description="toy")
    return res


def _brute_force(ok, cost):
    best = None
    for combo in itertools.product(["s1", "s2", "s3"], repeat=2):
        pts = [CURVES[n][s] for n, s in zip(sorted(CURVES), combo)]
        if ok(pts) and (best is None or cost(pts) < best[0]):
            best = (cost(pts), combo)
    return best[1]


def _psnr(total_sse):
    return 10 * math.log10(255 ** 2 / (total_sse / (3 * PIXELS * len(CURVES))))


def test_lowrate_allocation_synthetic():
    res = _synthetic_results()
    out = bench_report.lowrate(res, "toy", budget=500)
    assert out["uniform"].label == "s2"                      # s3 (590 bytes) does not fit
    assert out["uniform"].psnr == pytest.approx(_psnr(600 + 400))
    combo = _brute_force(lambda p: sum(x[0] for x in p) <= 500, lambda p: sum(x[1] for x in p))
    assert combo == ("s3", "s2")
    assert [label for label, _ in out["alloc_settings"]] == list(combo)
    assert out["alloc"].nbytes == 500
    assert out["alloc"].psnr == pytest.approx(_psnr(400 + 400))
    assert out["alloc"].msssim == pytest.approx((0.98 + 0.975) / 2)
    assert out["alloc"].bpp == pytest.approx(8 * 500 / (2 * PIXELS))
    assert bench_report.lowrate(res, "toy", budget=150)["alloc"] is None   # below the smallest set


def test_transparent_allocation_synthetic():
    sse_max = 850.0
    psnr_min = 10 * math.log10(3 * PIXELS * len(CURVES) * 255 ** 2 / sse_max)
    res = _synthetic_results(psnr_min=psnr_min, msssim_min=0.97)
    assert bench_report.sse_max(res) == pytest.approx(sse_max)
    out = bench_report.transparent(res, "toy")
    assert out["uniform"].label == "s3" and out["uniform"].nbytes == 590
    combo = _brute_force(lambda p: sum(x[1] for x in p) <= sse_max and
                         np.mean([x[2] for x in p]) >= 0.97, lambda p: sum(x[0] for x in p))
    assert combo == ("s3", "s2")
    assert [label for label, _ in out["alloc_settings"]] == list(combo)
    assert out["alloc"].nbytes == 500
    res["protocol"]["msssim_min"] = 0.999                     # unreachable
    assert bench_report.transparent(res, "toy")["alloc"] is None


# --- BD-rate ------------------------------------------------------------------------

def _anchor_curve():
    q = np.linspace(27.0, 45.0, 13)
    return 0.05 * np.exp((q - 27.0) / 4.5), q


def test_bd_rate_known_answers():
    r, q = _anchor_curve()
    same = bench_report.bd_rate((r, q), (r, q))
    assert same["rate"] == pytest.approx(0.0, abs=1e-9)
    assert same["psnr"] == pytest.approx(0.0, abs=1e-9)
    assert (same["lo"], same["hi"]) == (30.0, 42.0)
    # rates exactly 0.8x the anchor's at every PSNR, sampled on another PSNR grid
    q2 = np.linspace(28.3, 43.9, 9)
    r2 = 0.8 * 0.05 * np.exp((q2 - 27.0) / 4.5)
    bd = bench_report.bd_rate((r, q), (r2, q2))
    assert bd["rate"] == pytest.approx(-20.0, abs=0.1)
    assert bd["psnr"] == pytest.approx(-4.5 * math.log(0.8), abs=0.01)   # +1.004 dB
    # the PSNR window is clipped to the overlap of both curves
    q3 = np.linspace(35.0, 50.0, 8)
    bd3 = bench_report.bd_rate((r, q), (1.25 * 0.05 * np.exp((q3 - 27.0) / 4.5), q3))
    assert (bd3["lo"], bd3["hi"]) == (35.0, 42.0)
    assert bd3["rate"] == pytest.approx(25.0, abs=0.1)
    # no overlap
    assert bench_report.bd_rate((r[:3], q[:3]), (r[-3:], q[-3:])) is None


def test_pareto_drops_dominated_points():
    r, q = bench_report.pareto([0.1, 0.2, 0.15, 0.3, 0.4], [30.0, 32.0, 29.0, 31.0, 33.0])
    assert list(r) == [0.1, 0.2, 0.4] and list(q) == [30.0, 32.0, 33.0]
