"""Bounded fuzz smoke run over codec.decode, and the stored crash regressions.

The long run is `python -m tools.fuzz --seconds 600` (see its --help)."""
import os
import time

import numpy as np
import pytest

import codec
from tools.fuzz import check_one, make_seeds, mutate

DATA = os.path.join(os.path.dirname(__file__), "data")
FUZZ = os.path.join(DATA, "fuzz")


@pytest.fixture(scope="module")
def seeds():
    out = make_seeds(DATA)
    codec.decode(out[0])           # the decoder's kernels load (or compile) here, not in a case
                                   # (out[0] is encoder output; stored streams of older
                                   # versions, also seeds, are refused at the header)
    return out


SMOKE_CASES = 3000


def test_fuzz_smoke(seeds):
    """A fixed number of mutants (the same ones on every machine), each a
    typed error or a valid image; none near a hang (the bound is generous:
    a case takes milliseconds)."""
    rng = np.random.default_rng(12345)
    slowest = 0.0
    for _ in range(SMOKE_CASES):
        data = mutate(rng, seeds[int(rng.integers(0, len(seeds)))])
        t = time.perf_counter()
        failure = check_one(data)
        slowest = max(slowest, time.perf_counter() - t)
        assert failure is None, (failure, data.hex())
    assert slowest < 5.0


def test_empty_and_tiny_inputs():
    for data in (b"", b"L", b"LDC", b"LDC\x1a", b"LDC\x1a\x01", b"\0" * 64):
        assert check_one(data) is None


def test_stored_fuzz_regressions():
    """Every stored crash input and hostile stream (tests/data/fuzz, which
    must not be empty: a missing folder would make this test pass vacuously)."""
    names = sorted(n for n in os.listdir(FUZZ) if n.endswith(".bin"))
    assert len(names) >= 5
    for name in names:
        with open(os.path.join(FUZZ, name), "rb") as f:
            assert check_one(f.read()) is None, name


def test_hostile_streams_are_refused():
    """The hand-made hostile streams (tools/make_test_streams.py) are stored
    and each is refused with a CorruptStreamError, not decoded or crashed on."""
    names = sorted(n for n in os.listdir(FUZZ) if n.startswith("hostile_"))
    assert len(names) >= 5
    for name in names:
        with open(os.path.join(FUZZ, name), "rb") as f:
            data = f.read()
        with pytest.raises(codec.CorruptStreamError):
            codec.decode(data)

