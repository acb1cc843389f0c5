"""Bit accounting per syntax category (encoder side) and its report tool."""
from PIL import Image

import codec
from codec.common.container import HEADER_SIZE
from codec.common.contexts import (NUM_CTX, QDELTA_BINS, ctx_bt, ctx_cbf, ctx_cccm, ctx_cfl,
                                   ctx_cross, ctx_gt1, ctx_gt2, ctx_last_bit, ctx_last_cls, ctx_mode, ctx_qdelta, ctx_quarters,
                                   ctx_edge, ctx_restore, ctx_sig, ctx_split, ctx_ternary,
                                   ctx_transform)
from codec.enc.syntax_enc import (CAT_CBF, CAT_EDGE, CAT_GT, CAT_LAST, CAT_MODE, CAT_QDELTA,
                                  CAT_RESTORE, CAT_SIG, CAT_SPLIT, CAT_TRANSFORM, CTX_CATEGORY,
                                  NUM_CATS)
from conftest import synthetic_image
from tools import bits_report


def test_every_context_has_its_category_and_plane():
    for pt in (0, 1):
        want = {ctx_split(pt, 1, 2): CAT_SPLIT, ctx_split(pt, 4, 0): CAT_SPLIT,
                ctx_mode(pt, 0): CAT_MODE, ctx_mode(pt, 2): CAT_MODE,
                ctx_cbf(pt, 0, 0): CAT_CBF, ctx_cbf(pt, 4, 2): CAT_CBF,
                ctx_last_cls(pt, 0, 0): CAT_LAST, ctx_last_bit(pt, 4, 12): CAT_LAST,
                ctx_sig(pt, 0, 0, 0, 0, 0): CAT_SIG, ctx_sig(pt, 4, 20, 8, 2, 2): CAT_SIG,
                ctx_gt1(pt, 0, 0, 0): CAT_GT, ctx_gt2(pt, 9, 20, 0): CAT_GT,
                ctx_restore(pt, 0): CAT_RESTORE, ctx_restore(pt, 4): CAT_RESTORE,
                ctx_transform(pt, 1): CAT_TRANSFORM, ctx_transform(pt, 4): CAT_TRANSFORM,
                ctx_edge(pt, 0): CAT_EDGE, ctx_edge(pt, 6): CAT_EDGE}
        for ctx, cat in want.items():
            assert CTX_CATEGORY[ctx] == pt * NUM_CATS + cat, (pt, ctx)
    assert CTX_CATEGORY[ctx_cfl(1)] == CTX_CATEGORY[ctx_cccm()] == NUM_CATS + CAT_MODE
    assert CTX_CATEGORY[ctx_qdelta(0)] == CTX_CATEGORY[ctx_qdelta(QDELTA_BINS - 1)] == CAT_QDELTA
    assert ctx_cccm() == ctx_transform(0, 1) - 1          # appended in format 9
    assert ctx_transform(1, 4) == ctx_edge(0, 0) - 1      # appended in format 10
    assert ctx_edge(1, 6) == ctx_bt(1, 0, 0) - 1          # appended in format 11
    assert ctx_bt(4, 1, 2) == ctx_ternary(4) - 1          # appended in format 13
    assert ctx_ternary(6) == ctx_quarters(4) - 1          # appended in format 16
    assert ctx_quarters(6) == ctx_cross(False, 4) - 1
    assert ctx_cross(False, 6) == ctx_cross(True, 4) - 1  # appended in format 17
    assert ctx_cross(True, 6) == NUM_CTX - 1
    for ctx in (ctx_bt(1, 0, 0), ctx_bt(4, 1, 2), ctx_ternary(4), ctx_quarters(6),
                ctx_cross(False, 4), ctx_cross(True, 6)):
        assert CTX_CATEGORY[ctx] == CAT_SPLIT             # luma


def test_accounted_bits_match_the_file():
    img = synthetic_image(40, 56, seed=4)
    r = codec.encode_image(img, codec.EncoderConfig(quality=70, chroma="444"))
    payload_bits = 8 * (r.nbytes - HEADER_SIZE)
    total = sum(r.bits.values())
    # ideal code length vs the coder's output: flush and rounding only
    assert abs(payload_bits - total) <= 48 + 0.01 * payload_bits
    for k in ("luma sig", "luma sign", "luma last", "luma mode", "chroma sig"):
        assert r.bits[k] > 0, k
    grey = codec.encode_image(synthetic_image(40, 56, seed=4, grey=True),
                              codec.EncoderConfig(quality=70))
    assert all(v == 0 for k, v in grey.bits.items() if k.startswith("chroma"))
    assert sum(grey.bits.values()) > 0


def test_report_tool(tmp_path, capsys):
    for i in range(2):
        Image.fromarray(synthetic_image(24 + 8 * i, 32, seed=i)).save(tmp_path / f"a{i}.png")
    res = bits_report.report(bits_report._files([str(tmp_path)]), [300.0, 30.0], jobs=1, quiet=True)
    for lam, (pixels, fbits, bits) in res.items():
        assert pixels == 24 * 32 + 32 * 32
        assert 0 < sum(bits.values()) < fbits
    assert res[30.0][1] > res[300.0][1]
    table = bits_report.format_table(res)
    assert "| luma sig |" in table and "| file total |" in table
    assert bits_report.main([str(tmp_path), "--lam", "100", "--jobs", "1", "--quiet"]) == 0
    assert "| chroma sign |" in capsys.readouterr().out
    assert bits_report.main([str(tmp_path / "missing.png")]) == 2
    (tmp_path / "empty").mkdir()
    assert bits_report.main([str(tmp_path / "empty")]) == 2


def test_report_tune_msssim_counts_delta_q(tmp_path):
    """--tune msssim codes CTU quantiser deltas: their bits are accounted;
    the PSNR tuning codes none."""
    img = synthetic_image(128, 192, seed=5)
    img[:, 96:] = img[:, 96:] // 8 + 100          # a flat half: its CTUs get a finer step
    Image.fromarray(img).save(tmp_path / "a.png")
    files = bits_report._files([str(tmp_path)])
    ms = bits_report.report(files, [30.0], jobs=1, quiet=True, tune="msssim")[30.0][2]
    ps = bits_report.report(files, [30.0], jobs=1, quiet=True)[30.0][2]
    assert ms["luma delta q"] > 0 and ps["luma delta q"] == 0

