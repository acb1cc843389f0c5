"""The per-image colour transform (format 14): the encoder's choice, its
exactness against the decoder's integer inverse, and the decoder's use of
the header's matrix."""
import struct
import zlib

import numpy as np
import pytest

import codec
from codec.common import container
from codec.common.constants import COLOUR_YCC444, SAMPLE_MAX, SAMPLE_SHIFT
from codec.common.planes import planes_to_rgb
from codec.enc.colour_enc import bt601_transform, colour_transform, gradient_moments, rgb_to_ycc
import conftest
from conftest import synthetic_image

IMAGES = {
    "synthetic": synthetic_image(48, 64, seed=5),
    "card": conftest.test_card(64, 48, seed=2),
    # a warm cast: the channels move together in unequal amounts
    "warm": np.clip(np.stack([synthetic_image(40, 40, seed=1, grey=True)[..., 0] * s + o
                              for s, o in ((1.0, 20), (0.7, 10), (0.3, 0))], axis=2),
                    0, 255).astype(np.uint8),
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_planes_decorrelate_the_differences(name):
    """The chosen planes' first differences are uncorrelated (up to the
    coded precision) and the first plane carries the most of them."""
    rgb = IMAGES[name]
    ct = colour_transform(rgb)
    m = gradient_moments(rgb).astype(np.float64)
    f = ct.exact
    cov = f @ m @ f.T
    d = np.sqrt(np.diag(cov))
    corr = cov / np.outer(d, d)
    assert np.abs(corr - np.eye(3)).max() < 0.02
    # against BT.601, whose planes stay correlated on these images
    b = bt601_transform().exact
    cb = b @ m @ b.T
    db = np.sqrt(np.diag(cb))
    assert np.abs(cb / np.outer(db, db) - np.eye(3)).max() > 0.1
    # the first plane's share, per unit of RGB squared error it causes
    share = np.diag(cov) * ct.weights
    assert share[0] > share[1] and share[0] > share[2]


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_forward_is_undone_by_the_decoder(name):
    """Planes from the exact forward matrix, rounded, come back through the
    decoder's integer inverse within one level, and every 8-bit RGB colour
    maps inside the sample range (before the forward's clipping)."""
    rgb = IMAGES[name]
    ct = colour_transform(rgb)
    y, cb, cr = rgb_to_ycc(rgb, ct)
    recs = [np.rint(p).astype(np.int16) for p in (y, cb, cr)]
    back = planes_to_rgb(recs, rgb.shape[1], rgb.shape[0], COLOUR_YCC444,
                         ct.cm.astype(np.int32))
    assert np.abs(back.astype(int) - rgb.astype(int)).max() <= 1
    corners = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)], float)
    planes = corners @ ct.exact.T + ct.offs
    slack = 2 << SAMPLE_SHIFT        # the matrix is rounded to 2**-12
    assert planes.min() > -slack and planes.max() < SAMPLE_MAX + slack
    # weights: a unit error in a plane costs the squared column of the inverse
    assert np.allclose(ct.weights, ((ct.cm[:9].reshape(3, 3) / 4096.0) ** 2).sum(axis=0))


def _reseal(data):
    hs = container.HEADER_SIZE
    crc = zlib.crc32(data[hs:], zlib.crc32(data[:hs - 4]))
    return data[:hs - 4] + struct.pack(">I", crc) + data[hs:]


def test_decoder_reads_the_header_matrix():
    """Swapping the header's R and B rows swaps the decoded R and B."""
    img = IMAGES["synthetic"]
    data = codec.encode(img, config=codec.EncoderConfig(quality=60, chroma="444"))
    h, payload = container.parse(data)
    assert container.colour_matrix(h).tolist() != list(container.CT_BT601)
    rows = {f: getattr(h, f) for f in container.CT_FIELDS}
    swapped = h._replace(**{f"ct_r{p}": rows[f"ct_b{p}"] for p in range(3)},
                         **{f"ct_b{p}": rows[f"ct_r{p}"] for p in range(3)})
    out = codec.decode(container.pack(swapped, bytes(payload)))
    ref = codec.decode(data)
    assert np.array_equal(out, ref[:, :, ::-1])


def test_bt601_option_codes_bt601():
    img = IMAGES["synthetic"]
    data = codec.encode(img, config=codec.EncoderConfig(quality=60, colour_transform="bt601"))
    h, _ = container.parse(data)
    assert container.colour_matrix(h).tolist() == list(container.CT_BT601)
    with pytest.raises(codec.ConfigError):
        codec.EncoderConfig(colour_transform="xyb")
