"""tools.encode_profile: the encoder's own phase clock, no double counting."""
from PIL import Image

import codec
from conftest import synthetic_image
from tools import encode_profile


def test_profile_phases(tmp_path, capsys):
    img = synthetic_image(72, 96, seed=3)
    r = codec.encode_image(img, codec.EncoderConfig(quality=60))
    assert {"luma pass", "chroma pass", "deblocking-level choice", "restoration fit", "edge offsets",
            "RGB -> YCbCr", "YCbCr -> RGB", "4:2:0 downsampling"} <= set(r.phase_seconds)
    total, pixels, seconds = encode_profile.profile([img], codec.EncoderConfig(quality=60))
    assert pixels == 72 * 96
    assert set(seconds) == set(r.phase_seconds)
    # phases do not nest: the choice's trial deblockings count once, under the choice
    assert 0 < sum(seconds.values()) <= total * 1.001

    Image.fromarray(img).save(tmp_path / "a.png")
    assert encode_profile.main([str(tmp_path), "--images", "1", "--chroma", "auto"]) == 0
    out = capsys.readouterr().out
    assert "| luma pass |" in out and "MP/s" in out
    assert encode_profile.main([str(tmp_path / "missing")]) == 2
