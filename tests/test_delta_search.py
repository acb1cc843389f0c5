"""--effort max searches each luma CTU at several quantiser deltas and codes
the one of lowest J (an encoder choice inside format 4's per-CTU deltas);
the default effort keeps the deltas the unit weights give."""
import numpy as np

import codec
from codec.common import container
from codec.common.constants import LOG2_MAX_BLOCK, LOG2_MIN_BLOCK
from codec.enc.image_enc import EFFORTS, QDELTA_TRY_STEP
from conftest import decode_with_state, synthetic_image


def _decoded_steps(monkeypatch, data):
    """Decode data; return the pixels and the luma step index of each CTU."""
    out, state = decode_with_state(monkeypatch, data)
    cu = 1 << (LOG2_MAX_BLOCK - LOG2_MIN_BLOCK)
    return out, state.qmaps[0][::cu, ::cu].astype(np.int64)


def test_max_effort_codes_searched_deltas_that_decode_to_its_reconstruction(monkeypatch):
    # tune psnr: every unit weight is 1, so the unit weights alone give no deltas
    rgb = synthetic_image(128, 192, seed=5)
    tries = EFFORTS["max"].qdelta_tries
    assert tries > 0
    res = codec.encode_image(rgb, codec.EncoderConfig(lam=250.0, chroma="444", effort="max"))
    assert container.parse(res.data)[0].delta_q == 1
    out, steps = _decoded_steps(monkeypatch, res.data)
    assert np.array_equal(out, res.recon)
    base = codec.encode_image(rgb, codec.EncoderConfig(lam=250.0, chroma="444"))
    assert container.parse(base.data)[0].delta_q == 0
    _, base_steps = _decoded_steps(monkeypatch, base.data)
    assert np.all(base_steps == base_steps[0, 0])
    offsets = steps - base_steps[0, 0]
    assert np.all(offsets % QDELTA_TRY_STEP == 0)
    assert np.all(np.abs(offsets) <= tries * QDELTA_TRY_STEP)
    assert len(np.unique(offsets)) > 1, offsets


def test_max_effort_searches_around_the_msssim_deltas(monkeypatch):
    """With --tune msssim the unit weights set each CTU's delta; the search
    keeps the 4:2:0 chroma passes on the deltas it coded."""
    rgb = synthetic_image(128, 192, seed=6)
    cfg = dict(lam=250.0, chroma="420", tune="msssim")
    res = codec.encode_image(rgb, codec.EncoderConfig(effort="max", **cfg))
    out, steps = _decoded_steps(monkeypatch, res.data)
    assert np.array_equal(out, res.recon)
    base = codec.encode_image(rgb, codec.EncoderConfig(**cfg))
    _, base_steps = _decoded_steps(monkeypatch, base.data)
    offsets = steps - base_steps
    assert np.all(np.abs(offsets) <= EFFORTS["max"].qdelta_tries * QDELTA_TRY_STEP)
    assert np.any(offsets != 0)
