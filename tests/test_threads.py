"""DecoderConfig(threads=N): the post-filters a plane per thread and colour
conversion in row bands give the same image as one thread."""
import glob
import os

import numpy as np
import pytest

import codec
from codec.common.constants import COLOUR_GREY, COLOUR_YCC420, COLOUR_YCC444, CT_BT601, FORMAT_VERSION
from codec.common.planes import planes_to_rgb
from conftest import synthetic_image

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@pytest.mark.parametrize("threads", [2, 3, 8])
def test_threaded_decode_is_identical(threads):
    streams = sorted(glob.glob(os.path.join(DATA, f"v{FORMAT_VERSION}_*.bin")))
    assert streams
    cfg = codec.DecoderConfig(threads=threads)
    for path in streams:
        data = open(path, "rb").read()
        assert np.array_equal(codec.decode(data, config=cfg), codec.decode(data)), path
    for chroma in ("420", "444"):
        img = synthetic_image(97, 131, seed=threads)
        data = codec.encode(img, config=codec.EncoderConfig(quality=60, chroma=chroma))
        assert np.array_equal(codec.decode(data, config=cfg), codec.decode(data))


@pytest.mark.parametrize("colour", [COLOUR_GREY, COLOUR_YCC420, COLOUR_YCC444])
def test_colour_bands_cover_every_row_once(colour):
    rng = np.random.default_rng(colour)
    h, w = 23, 17
    recs = [rng.integers(0, 4081, (24, 20)).astype(np.int16) for _ in range(3)]
    cm = np.array(CT_BT601, np.int32)
    whole = planes_to_rgb(recs, w, h, colour, cm)
    seen = []

    def bands(f, height):              # uneven bands, last first
        cuts = [0, 1, 9, 10, height]
        for r0, r1 in reversed(list(zip(cuts, cuts[1:]))):
            seen.append((r0, r1))
            f(r0, r1)
    assert np.array_equal(planes_to_rgb(recs, w, h, colour, cm, bands), whole)
    assert len(seen) == 4


def test_threads_must_be_positive():
    with pytest.raises(codec.ConfigError):
        codec.DecoderConfig(threads=0)
    with pytest.raises(codec.ConfigError):
        codec.DecoderConfig(threads=True)
