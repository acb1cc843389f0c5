"""tools/speed.py, tools/kernel_bench.py, tools/decode_profile.py and
tools/decode_ab.py (LDC only: CI has no peers)."""
import os

from PIL import Image

from conftest import synthetic_image
from tools import speed


def test_measure_and_table(tmp_path):
    Image.fromarray(synthetic_image(24, 32, seed=2)).save(tmp_path / "a.png")
    acc = speed.measure([str(tmp_path / "a.png")], ["ldc", "ldc420"], reps=1)
    assert set(acc) == {(n, p) for n in ("ldc", "ldc420") for p in ("lowrate", "transparent")}
    for (n, point), (px, nbytes, te, td) in acc.items():
        assert px == 24 * 32 and nbytes > 0 and te > 0 and td > 0
    # the transparent point spends more bits than the low-rate one
    assert acc[("ldc420", "transparent")][1] > acc[("ldc420", "lowrate")][1]
    table = speed.format_table(acc)
    assert "| ldc420 | lowrate | lam362.039 |" in table


def test_cli_errors(tmp_path, capsys):
    assert speed.main([str(tmp_path), "--codecs", "nope"]) == 2
    assert "unknown codec" in capsys.readouterr().err
    assert speed.main([str(tmp_path / "missing"), "--codecs", "ldc"]) == 2
    assert speed.main([str(tmp_path), "--codecs", "ldc"]) == 2      # no PNG files
    Image.fromarray(synthetic_image(16, 16, seed=1)).save(tmp_path / "b.png")
    assert speed.main([str(tmp_path), "--codecs", "ldc444", "--reps", "1", "--quiet"]) == 0
    assert "| ldc444 | transparent |" in capsys.readouterr().out


def test_kernel_bench():
    from tools import kernel_bench
    rows = kernel_bench.measure(362.0, reps_pixels=4096)
    assert [n for n, _, _ in rows] == [4, 8, 16, 32, 64]
    for n, nnz, cost in rows:
        assert 0 < nnz <= n * n
        assert set(cost) == {"predict", "satd", "fdct", "rdoq", "trellis", "syntax", "recon"}
        assert all(v > 0 for v in cost.values())
    assert "| 64x64 |" in kernel_bench.format_table(rows, 362.0)
    assert kernel_bench.main(["--lam", "-1"]) == 2


def test_decode_timings_cover_every_stage():
    import numpy as np
    import codec
    from codec.dec.decoder import STAGES
    img = synthetic_image(40, 56, seed=5)
    data = codec.encode(img, quality=70)
    timings = {}
    out = codec.decode(data, timings=timings)
    assert np.array_equal(out, codec.decode(data))             # timing changes nothing
    assert set(timings) == set(STAGES) - {"filters_threaded"}
    assert all(v >= 0 for v in timings.values())


def test_decode_profile_tool(tmp_path, capsys):
    from tools import decode_profile
    Image.fromarray(synthetic_image(40, 48, seed=6)).save(tmp_path / "a.png")
    assert decode_profile.main([str(tmp_path), "--lam", "100", "--reps", "1"]) == 0
    out = capsys.readouterr().out
    assert "lambda 100 (" in out and "| ctu_loop |" in out and "| colour |" in out
    assert decode_profile.main([str(tmp_path / "missing")]) == 2


def test_decode_ab(tmp_path, capsys):
    """tools/decode_ab.py with the repository as both checkouts: each side
    encodes the same image to the same bytes, every round is reported."""
    from tools import decode_ab
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    Image.fromarray(synthetic_image(24, 32, seed=3)).save(tmp_path / "a.png")
    assert decode_ab.main([repo, repo, "--images", str(tmp_path / "a.png"),
                           "--rounds", "2", "--reps", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    sides = [line for line in out if line.startswith(("A: ", "B: "))]
    assert len(sides) == 2 and sides[0].split(": ", 2)[2] == sides[1].split(": ", 2)[2]
    assert [line.split(" | ")[0] for line in out if line.startswith("| 1 ") or
            line.startswith("| 2 ")] == ["| 1", "| 2"]
    assert out[-2].startswith("median: A ") and " B / A " in out[-2]
    # each file's fastest decode over the rounds cannot exceed the median round's total
    assert out[-1].startswith("fastest per file: A ") and " B / A " in out[-1]
    med_a = float(out[-2].split("median: A ")[1].split(" ms")[0])
    best_a = float(out[-1].split("fastest per file: A ")[1].split(" ms")[0])
    assert best_a <= med_a


def test_decode_ab_errors(tmp_path, capsys):
    from tools import decode_ab
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert decode_ab.main([str(tmp_path), repo, "--bins", str(tmp_path), str(tmp_path)]) == 2
    assert "not a checkout" in capsys.readouterr().err
    assert decode_ab.main([repo, repo, "--bins", str(tmp_path), str(tmp_path)]) == 2
    assert "no .bin files" in capsys.readouterr().err
    (tmp_path / "bad.bin").write_bytes(b"not a stream")
    assert decode_ab.main([repo, repo, "--bins", str(tmp_path), str(tmp_path),
                           "--rounds", "1", "--reps", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("decode_ab: decode with ") and len(err.strip().splitlines()) == 1
