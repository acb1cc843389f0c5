import numpy as np
import pytest


def synthetic_image(h, w, seed=0, grey=False):
    """A small photo-like test image: smooth gradients, an edge, texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 128 + 60 * np.sin(x / 7.0 + seed) * np.cos(y / 11.0) + 0.4 * (x - y)
    base += np.where(x + 0.5 * y > 0.6 * (w + h) / 2, 40.0, -20.0)
    img = np.stack([base, 0.8 * base + 30 * np.cos(y / 5.0), 255 - base], axis=2)
    img += rng.normal(0, 6, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if grey:
        img = np.repeat(img[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(img)


def test_card(h, w, seed=0):
    """Hard content for the decoder's corner cases: stripes at nine angles
    (every angular mode family), black and white squares on the 16-sample
    grid (full-swing edges with flat sides, where deblocking computes its
    largest sums), saturated patches that follow a luma ramp (chroma from
    luma) over a smooth gradient."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    # background: a smooth colour gradient (planar, DC)
    img[..., 0] = 40 + 150 * x / w
    img[..., 1] = 200 - 120 * y / h
    img[..., 2] = 90 + 60 * np.sin((x + y) / 23.0)
    # stripes at many angles, one band each (the angular families)
    for k, ang in enumerate(np.linspace(0, np.pi, 9, endpoint=False)):
        band = (y >= k * h / 9) & (y < (k + 1) * h / 9) & (x < w / 2)
        t = x * np.cos(ang) + y * np.sin(ang)
        img[band] = (128 + 110 * np.sign(np.sin(t / 3.0)))[band][:, None]
    # black and white squares on the 16-sample grid: full-swing edges with flat sides
    sq = ((x // 16 + y // 16) % 2 == 0) & (x >= w / 2) & (y < h / 2)
    img[sq] = 255.0
    img[((x // 16 + y // 16) % 2 == 1) & (x >= w / 2) & (y < h / 2)] = 0.0
    # saturated colour patches following a luma ramp (chroma from luma)
    patch = (x >= w / 2) & (y >= h / 2)
    lum = 60 + 180 * ((x - w / 2) / (w / 2))
    img[patch] = np.stack([lum, 255 - lum, 0.5 * lum], axis=-1)[patch]
    img += rng.normal(0, 2, img.shape)
    return np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))


@pytest.fixture
def image_factory():
    return synthetic_image


class QuantBench:
    """What a quantiser kernel needs outside the codec: fresh contexts and
    their cost table, an arithmetic coder (for exact counts), an empty level
    map, the search scratch and a flat scale of 20."""

    def __init__(self):
        from codec.enc.arith_enc import new_encoder
        from codec.enc.syntax_enc import BILL_SLOTS
        from codec.common.contexts import NUM_CTX
        from codec.enc.image_enc import new_scratch
        from codec.common.probmodel import fill_costs, new_contexts
        self.probs = new_contexts(NUM_CTX)
        self.costs = np.zeros((NUM_CTX, 2))
        fill_costs(self.probs, self.costs)
        self.st, self.buf = new_encoder(64, BILL_SLOTS)
        self.cmap = np.zeros((64, 64), np.int16)
        self.scr = new_scratch()
        self.scl = np.full((64, 64), 20, np.int64)


@pytest.fixture
def quant_bench():
    return QuantBench()


def decode_with_state(monkeypatch, data):
    """Decode data; return the pixels and the decoder's first PlaneState (its
    luma leaf maps, step indices, ...), caught as the decoder builds it."""
    import codec
    from codec.dec import decoder as decoder_module
    seen = []
    real = decoder_module.new_plane_state

    def spy(*a, **k):
        st = real(*a, **k)
        seen.append(st)
        return st

    monkeypatch.setattr(decoder_module, "new_plane_state", spy)
    out = codec.decode(data)
    monkeypatch.setattr(decoder_module, "new_plane_state", real)
    return out, seen[0]
