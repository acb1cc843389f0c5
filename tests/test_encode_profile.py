"""tools.encode_profile: phase timers wrap and unwrap the encoder, no double counting."""
from PIL import Image

from codec.enc import encoder
from conftest import synthetic_image
from tools import encode_profile


def test_profile_phases(tmp_path, capsys):
    before = encoder._run_group, encoder.deblock_plane
    img = synthetic_image(72, 96, seed=3)
    total, pixels, seconds = encode_profile.profile([img], encoder.EncoderConfig(quality=60))
    assert (encoder._run_group, encoder.deblock_plane) == before      # unwrapped again
    assert pixels == 72 * 96
    assert {"luma pass", "chroma pass", "deblocking-level choice"} <= set(seconds)
    # the choice's trial deblockings count once, under the choice
    assert 0 < sum(seconds.values()) <= total * 1.001

    Image.fromarray(img).save(tmp_path / "a.png")
    assert encode_profile.main([str(tmp_path), "--images", "1", "--chroma", "auto"]) == 0
    out = capsys.readouterr().out
    assert "| luma pass |" in out and "MP/s" in out
    assert encode_profile.main([str(tmp_path / "missing")]) == 2
