"""The CLIC workflow end to end on a few small images:
encode.py (low-rate budget) -> decode.py with no arguments -> evaluate."""
import json
import os

import numpy as np
import pytest
from PIL import Image

import decode as decode_cli
import encode as encode_cli
from conftest import synthetic_image
from tools import evaluate as evaluate_cli


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i, (h, w) in enumerate([(48, 64), (37, 29), (64, 40)]):
        Image.fromarray(synthetic_image(h, w, seed=20 + i)).save(src / f"im{i}.png")
    return tmp_path


def test_lowrate_flow(folder, monkeypatch, capsys):
    out = folder / "out"
    budget = 900
    rc = encode_cli.main([str(folder / "in"), str(out), "--track", "lowrate", "--bytes",
                          str(budget), "--quiet", "--jobs", "2", "--json", str(folder / "s.json")])
    assert rc == 0
    bins = sorted(os.listdir(out))
    assert bins == ["im0.bin", "im1.bin", "im2.bin"]
    total = sum(os.path.getsize(out / b) for b in bins)
    assert 0.95 * budget <= total <= budget
    summary = json.load(open(folder / "s.json"))
    assert summary["bytes"] == total and summary["target_met"]

    monkeypatch.chdir(out)
    assert decode_cli.main([]) == 0
    for i, (h, w) in enumerate([(48, 64), (37, 29), (64, 40)]):
        im = Image.open(out / f"im{i}.png")
        assert im.size == (w, h) and im.mode == "RGB"

    scores, total_score = evaluate_cli.evaluate(str(folder / "in"), str(out), str(out))
    assert total_score.nbytes == total
    assert total_score.psnr == pytest.approx(summary["psnr"], abs=1e-9)
    assert total_score.msssim == pytest.approx(summary["msssim"], abs=1e-9)
    assert evaluate_cli.main([str(folder / "in"), str(out), "--bins", str(out)]) == 0
    assert "SET (3 images)" in capsys.readouterr().out


def test_lowrate_tune_msssim(folder):
    """--tune msssim spends the same budget for mean MS-SSIM; the summary
    reports the decoded files' real scores."""
    out = folder / "ms"
    budget = 900
    rc = encode_cli.main([str(folder / "in"), str(out), "--track", "lowrate", "--bytes",
                          str(budget), "--tune", "msssim", "--quiet", "--jobs", "1",
                          "--json", str(folder / "m.json")])
    assert rc == 0
    summary = json.load(open(folder / "m.json"))
    total = sum(os.path.getsize(out / b) for b in os.listdir(out))
    assert summary["bytes"] == total <= budget and summary["target_met"]
    bins = [str(out / b) for b in sorted(os.listdir(out))]
    assert decode_cli.main(bins + ["-o", str(out)]) == 0
    scores, total_score = evaluate_cli.evaluate(str(folder / "in"), str(out), str(out))
    assert total_score.nbytes == total
    assert total_score.msssim == pytest.approx(summary["msssim"], abs=1e-9) == pytest.approx(summary["msssim"], abs=1e-9)


def test_transparent_flow_json(folder):
    """The transparent track meets its thresholds and says so in --json (the
    summary's flags are plain JSON booleans)."""
    out = folder / "tr"
    rc = encode_cli.main([str(folder / "in"), str(out), "--track", "transparent", "--psnr", "36",
                          "--msssim", "0.98", "--quiet", "--jobs", "1",
                          "--json", str(folder / "t.json")])
    assert rc == 0
    summary = json.load(open(folder / "t.json"))
    assert summary["target_met"] is True
    assert summary["psnr"] >= 36 and summary["msssim"] >= 0.98
    assert summary["bytes"] == sum(os.path.getsize(out / b) for b in os.listdir(out))


def test_fixed_quality_and_bad_file(folder, monkeypatch):
    (folder / "in" / "broken.png").write_bytes(b"not a png at all")
    out = folder / "q"
    rc = encode_cli.main([str(folder / "in"), str(out), "--quality", "60", "--quiet", "--jobs", "1"])
    assert rc == 1                       # one image failed ...
    assert sorted(os.listdir(out)) == ["im0.bin", "im1.bin", "im2.bin"]   # ... the rest were written
    (out / "junk.bin").write_bytes(b"LDC\x1a garbage")
    monkeypatch.chdir(out)
    assert decode_cli.main([]) == 1      # the bad file is reported, the others decode
    assert sorted(p for p in os.listdir(out) if p.endswith(".png")) == ["im0.png", "im1.png", "im2.png"]


def test_effort_choices_match_the_library():
    from codec.enc.config_enc import EFFORT_CHOICES
    for e in EFFORT_CHOICES:
        assert encode_cli.parse_args(["in", "out", "--effort", e]).effort == e


def test_effort_fast(folder):
    out = folder / "fast"
    rc = encode_cli.main([str(folder / "in"), str(out), "--quality", "50", "--effort", "fast",
                          "--quiet", "--jobs", "1", "--json", str(folder / "f.json")])
    assert rc == 0 and json.load(open(folder / "f.json"))["effort"] == "fast"
    assert decode_cli.main([str(b) for b in sorted(out.glob("*.bin"))] + ["-o", str(out)]) == 0


def test_help_texts(capsys):
    for mod in (encode_cli, decode_cli):
        with pytest.raises(SystemExit) as e:
            mod.main(["--help"])
        assert e.value.code == 0
    assert "--track" in capsys.readouterr().out
