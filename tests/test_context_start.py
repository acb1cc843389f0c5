"""The contexts' start table (format 15): its bounds, its hash in FORMAT.md,
that both sides start from it, the encoder's training counts and the
training tool's table and module rewrite."""
import os
import re

import numpy as np
import pytest

import codec
from codec.common.context_start import CTX_START, START_TABLE, start_table_sha256, stream_contexts
from codec.common.contexts import NUM_CTX
from codec.common.probmodel import P_FAST, P_SLOW
from codec.enc.arith_enc import LOG_BYPASS
from codec.enc.rates_enc import Replay, first_bin_counts
from tools import train_context_start as train

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_table_bounds_and_format_hash():
    assert CTX_START.shape == (NUM_CTX,) and len(START_TABLE) == NUM_CTX
    assert CTX_START.min() >= 64 and CTX_START.max() <= 32704
    table = np.frombuffer(START_TABLE, np.uint8).astype(np.int64)
    assert np.array_equal(CTX_START, table * 128 + 64)
    # the table is trained, not the 1/2 of format 14 everywhere
    assert len(np.unique(CTX_START)) > 100
    spec = open(os.path.join(ROOT, "FORMAT.md")).read()
    assert start_table_sha256() in spec, "FORMAT.md must give the start table's SHA-256"


def test_streams_and_the_rate_replay_start_from_the_table():
    probs = stream_contexts()
    assert np.array_equal(probs[:, P_FAST], CTX_START)
    assert np.array_equal(probs[:, P_SLOW], CTX_START)
    r = Replay()
    assert (r.fast == CTX_START[:, None]).all() and (r.slow == CTX_START[:, None]).all()


def test_first_bin_counts():
    # context 5: bits 1, 0, 1, 1 (a bypass bin between); context 9: 0, 0
    log = np.array([(5 << 1) | 1, (9 << 1), LOG_BYPASS | (2 << 1) | 1, (5 << 1), (5 << 1) | 1,
                    (9 << 1), (5 << 1) | 1], np.int64)
    c = first_bin_counts(log, 3)
    assert c.shape == (NUM_CTX, 2)
    assert tuple(c[5]) == (1, 2) and tuple(c[9]) == (2, 0)      # only 5's first three bins
    assert c.sum() == 5


def test_encoder_returns_counts_only_when_asked(image_factory):
    img = image_factory(40, 56, seed=3)
    r = codec.encode_image(img, codec.EncoderConfig(quality=50, context_counts=8))
    plain = codec.encode_image(img, codec.EncoderConfig(quality=50))
    assert plain.context_counts is None and r.data == plain.data
    c = r.context_counts
    assert c.shape == (NUM_CTX, 2) and (c.sum(axis=1) <= 8).all() and c.sum() > 50
    with pytest.raises(codec.ConfigError):
        codec.EncoderConfig(context_counts=-1)


def test_training_table_and_module_rewrite(tmp_path):
    counts = np.zeros((NUM_CTX, 2), np.int64)
    counts[0] = (98, 0)          # never 1: the smallest start
    counts[1] = (0, 1000)        # always 1: the largest byte
    counts[2] = (30, 10)         # P(1) = 11 / 42
    t = train.table_from_counts(counts)
    assert (t[0], t[1], t[2]) == (2, 255, int(256 * 11 / 42)) and (t[3:] == 128).all()
    # the fixed start's code length falls when the table fits the counts
    assert train.ideal_bits(counts, t) < train.ideal_bits(counts, np.full(NUM_CTX, 128, np.uint8))
    module = tmp_path / "context_start.py"
    module.write_text(open(os.path.join(ROOT, "codec", "common", "context_start.py")).read())
    train.write_table(t, "a test table " * 12, module=str(module))
    text = module.read_text()
    hexs = "".join(re.findall(r'^    "([0-9a-f]+)"$', text, re.M))
    assert bytes.fromhex(hexs) == bytes(t)
    assert text.count("_TABLE_HEX = (") == 1 and "# generated: a test table" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_training_cli_dry_run_and_errors(tmp_path, capsys, image_factory):
    from PIL import Image
    Image.fromarray(image_factory(40, 48, seed=5)).save(tmp_path / "a.png")
    before = open(train.MODULE).read()
    assert train.main([str(tmp_path), "--lam", "300", "--chroma", "420", "--jobs", "1",
                       "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1 images x 1 lambdas x 1 chroma formats" in out and "new table SHA-256" in out
    assert open(train.MODULE).read() == before         # no --write: the table stays
    assert train.main([str(tmp_path / "missing.png")]) == 2
    assert train.main([str(tmp_path), "--lam", "x"]) == 2
    assert train.main([str(tmp_path), "--chroma", "422"]) == 2
