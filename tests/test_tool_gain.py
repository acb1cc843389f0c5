"""tools.tool_gain: variant parsing, operating-point interpolation, a tiny run."""
import math

from PIL import Image

from conftest import synthetic_image
from tools import tool_gain


def test_parse_set():
    assert tool_gain._parse_set("nodepq:dep_quant=False,weight_slope=3,tune=msssim") == (
        "nodepq", {"dep_quant": False, "weight_slope": 3, "tune": "msssim"})
    assert tool_gain._parse_set("plain") == ("plain", {})


def test_operating_points_interpolate_in_log_rate():
    # PSNR linear in log(bpp) through the two low-rate lambdas; MS-SSIM bracketed at 12 / 16
    res = {350.0: (0.2, 35.0, 0.97), 650.0: (0.1, 33.0, 0.96),
           8.0: (1.2, 43.0, 0.995), 12.0: (1.0, 42.0, 0.994), 16.0: (0.8, 41.0, 0.992),
           24.0: (0.6, 40.0, 0.990)}
    (psnr, ms), (bpp, p) = tool_gain.operating_points(res)
    assert math.isclose(psnr, 33.0 + 2.0 * math.log(1.5) / math.log(2.0))
    assert math.isclose(ms, 0.96 + 0.01 * math.log(1.5) / math.log(2.0))
    assert math.isclose(bpp, math.sqrt(0.8 * 1.0)) and math.isclose(p, 41.5)


def test_one_point_sweeps_read_only_that_point():
    low = {350.0: (0.2, 35.0, 0.97), 650.0: (0.1, 33.0, 0.96)}
    high = {8.0: (1.2, 43.0, 0.995), 12.0: (1.0, 42.0, 0.994), 16.0: (0.8, 41.0, 0.992),
            24.0: (0.6, 40.0, 0.990)}
    assert tool_gain.operating_points(low)[1] is None
    assert tool_gain.operating_points(high)[0] is None
    assert tool_gain.operating_points(low)[0] == tool_gain.operating_points({**low, **high})[0]
    assert tool_gain.operating_points(high)[1] == tool_gain.operating_points({**low, **high})[1]


def test_point_option_codes_only_its_lambdas(tmp_path, capsys, monkeypatch):
    Image.fromarray(synthetic_image(40, 48, seed=2)).save(tmp_path / "a.png")
    coded = []
    real = tool_gain.sweep

    def spy(files, kw, lams, jobs=1, quiet=False):
        coded.append(tuple(lams))
        return real(files, kw, lams, jobs, quiet)

    monkeypatch.setattr(tool_gain, "sweep", spy)
    assert tool_gain.main([str(tmp_path), "--point", "lowrate", "--jobs", "1", "--quiet"]) == 0
    assert coded == [tool_gain.LOW_LAMS]
    cells = [c.strip() for c in capsys.readouterr().out.splitlines()[2].strip("|").split("|")]
    # PSNR read, a speed printed (it can round to 0.000 when the kernels compile in the run)
    assert float(cells[1]) > 0 and float(cells[5]) >= 0
    assert cells[3] == cells[4] == cells[6] == "-"


def test_speed_is_pixels_per_cpu_second():
    res = {1.0: (0.1, 30.0, 0.9, 2_000_000, 1.0), 2.0: (0.1, 30.0, 0.9, 2_000_000, 3.0)}
    assert math.isclose(tool_gain.speed(res, (1.0, 2.0)), 1.0)
    assert math.isclose(tool_gain.speed(res, (1.0,)), 2.0)


def test_tiny_run(tmp_path, capsys):
    Image.fromarray(synthetic_image(40, 48, seed=2)).save(tmp_path / "a.png")
    assert tool_gain.main([str(tmp_path), "--set", "on:dep_quant=True", "--jobs", "1",
                           "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| variant |") and out[2].startswith("| on |")
    cells = [c.strip() for c in out[2].strip("|").split("|")]
    assert len(cells) == 7 and float(cells[5]) > 0 and float(cells[6]) > 0
    assert tool_gain.main([str(tmp_path / "missing")]) == 2
