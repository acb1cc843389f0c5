"""Edge offsets (format 11): syntax round trip, the filter against FORMAT.md
7.2 written out in numpy, the encoder's statistics and choice."""
import numpy as np
import pytest

from codec.common.constants import (EO_CLASSES, EO_DIRS, EO_FLAT, EO_OFFSET_MAX, SAMPLE_MAX)
from codec.common.contexts import NUM_CTX
from codec.common.edge_offset import apply_edge_offset, offset_table
from codec.common.probmodel import new_contexts
from codec.dec.arith_dec import dec_failed, new_decoder
from codec.dec.syntax_dec import dec_edge_offset
from codec.enc.arith_enc import enc_finish, new_encoder
from codec.enc.edge_offset_enc import _class_stats, choose_edge_offset
from codec.enc.syntax_enc import BILL_SLOTS, edge_offset_syntax

NEIGHBOUR = ((0, -1), (-1, 0), (-1, -1), (-1, 1))      # FORMAT.md 7.2, (dy, dx)


def reference(r, mags, choice, ctu):
    """FORMAT.md 7.2 in numpy, sample by sample."""
    r = r.astype(np.int64)
    out = r.copy()
    h, w = r.shape

    def sgn(v):
        return 1 if v >= 16 else (-1 if v <= -16 else 0)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            c = int(choice[y // ctu, x // ctu])
            if c == 0:
                continue
            dy, dx = NEIGHBOUR[c - 1]
            s = sgn(r[y, x] - r[y + dy, x + dx]) + sgn(r[y, x] - r[y - dy, x - dx])
            if s == 0:
                continue
            k = {-2: 1, -1: 2, 1: 3, 2: 4}[s]
            m = int(mags[c - 1, k - 1])
            out[y, x] = min(max(r[y, x] + (m if k <= 2 else -m), 0), SAMPLE_MAX)
    return out


def random_plane(rng, h, w):
    """Smooth ramps with steps and noise: every class and the clipping occur."""
    y, x = np.mgrid[0:h, 0:w]
    p = 2048 + 900 * np.sin(x / 5.0) + 700 * np.cos(y / 3.0) + rng.normal(0, 40, (h, w))
    p[rng.random((h, w)) < 0.05] = 0
    p[rng.random((h, w)) < 0.05] = SAMPLE_MAX
    return np.clip(np.rint(p), 0, SAMPLE_MAX).astype(np.int16)


@pytest.mark.parametrize("seed", range(4))
def test_filter_matches_the_format_text(seed):
    rng = np.random.default_rng(seed)
    h, w, ctu = 37 + seed, 45, 16
    rec = random_plane(rng, h, w)
    mags = rng.integers(0, EO_OFFSET_MAX + 1, (EO_DIRS, EO_CLASSES))
    choice = rng.integers(0, EO_DIRS + 1, (-(-h // ctu), -(-w // ctu))).astype(np.uint8)
    choice[0, 0], choice[-1, -1] = 1, 4
    out = rec.copy()
    apply_edge_offset(out, offset_table(mags), choice, ctu)
    ref = reference(rec, mags, choice, ctu)
    assert (out == ref).all()
    assert (out != rec).mean() > 0.1          # the offsets did something


@pytest.mark.parametrize("seed", range(3))
def test_filter_across_ctu_rows(seed):
    """The filter writes each row back one row late (its neighbours below
    must still read unfiltered samples): CTU rows without offsets between
    rows with them, vertical and diagonal directions across CTU-row edges,
    the last CTU row on and off."""
    rng = np.random.default_rng(10 + seed)
    h, w, ctu = 70 + seed, 41, 8
    rec = random_plane(rng, h, w)
    mags = rng.integers(1, EO_OFFSET_MAX + 1, (EO_DIRS, EO_CLASSES))
    choice = rng.integers(0, EO_DIRS + 1, (-(-h // ctu), -(-w // ctu))).astype(np.uint8)
    choice[2] = 0                       # a CTU row without offsets
    choice[3] = 2 + seed                # a whole CTU row with one non-horizontal direction
    choice[4] = 2 + (seed + 1) % 3
    choice[5:7] = 0
    choice[-1] = 0 if seed == 1 else choice[-1]
    out = rec.copy()
    apply_edge_offset(out, offset_table(mags), choice, ctu)
    assert (out == reference(rec, mags, choice, ctu)).all()


def test_classes_by_flatness_threshold():
    """A neighbour EO_FLAT - 1 away is equal, EO_FLAT away is not."""
    mags = np.zeros((EO_DIRS, EO_CLASSES), np.int64)
    mags[0] = (1, 2, 3, 4)
    for a, b, want in ((EO_FLAT, EO_FLAT, 1), (EO_FLAT, EO_FLAT - 1, 2),
                       (EO_FLAT - 1, EO_FLAT - 1, 0),
                       (-EO_FLAT, 0, 3), (-EO_FLAT, -EO_FLAT, 4)):
        c = 2000
        rec = np.full((3, 3), c, np.int16)
        rec[1, 0], rec[1, 2] = c + a, c + b
        apply_edge_offset(rec, offset_table(mags), np.ones((1, 1), np.uint8), 64)
        assert rec[1, 1] == c + (0, 1, 2, -3, -4)[want]


def test_syntax_round_trip():
    rng = np.random.default_rng(7)
    planes = []
    for pt, shape, on in ((0, (3, 5), 1), (1, (2, 2), 0), (1, (4, 3), 1)):
        mask = int(rng.integers(1, 16))
        mags = rng.integers(0, EO_OFFSET_MAX + 1, (EO_DIRS, EO_CLASSES)).astype(np.int64)
        for d in range(EO_DIRS):
            if not (on and mask >> d & 1):
                mags[d] = 0
        choice = rng.integers(0, EO_DIRS + 1, shape).astype(np.uint8) if on else \
            np.zeros(shape, np.uint8)
        planes.append((pt, on, mags, mask, choice))
    st, buf = new_encoder(1024, BILL_SLOTS)
    probs = new_contexts(NUM_CTX)
    for pt, on, mags, mask, choice in planes:
        edge_offset_syntax(on, mags, mask, choice, pt, probs, st, buf)
    data = bytes(buf[:enc_finish(st, buf)])
    dst, dbuf = new_decoder(data)
    dprobs = new_contexts(NUM_CTX)
    for pt, on, mags, mask, choice in planes:
        m = np.zeros((EO_DIRS, EO_CLASSES), np.int64)
        c = np.zeros(choice.shape, np.uint8)
        assert dec_edge_offset(pt, m, c, dprobs, dst, dbuf) == on
        assert (m == mags).all() and (c == choice).all()
    assert not dec_failed(dst)


def test_statistics_and_choice():
    """The encoder's counts and error sums are the filter's classes, and its
    choice lowers the squared error by what its statistics predict."""
    rng = np.random.default_rng(3)
    h, w, ctu = 70, 90, 32
    org = random_plane(rng, h, w).astype(np.float64)
    rec = np.clip(org + rng.normal(0, 30, (h, w)) + 25 * np.sign(np.sin(np.arange(w) / 2.0)),
                  0, SAMPLE_MAX).astype(np.int16)
    rows, cols = -(-h // ctu), -(-w // ctu)
    n = np.zeros((EO_DIRS, rows, cols, EO_CLASSES + 1), np.int64)
    s = np.zeros((EO_DIRS, rows, cols, EO_CLASSES + 1))
    _class_stats(org, rec, ctu, n, s, 1)
    for d in range(EO_DIRS):
        # a unit offset of one class in one CTU shows which samples the filter puts there
        for k in range(1, EO_CLASSES + 1):
            mags = np.zeros((EO_DIRS, EO_CLASSES), np.int64)
            mags[d, k - 1] = 1
            choice = np.zeros((rows, cols), np.uint8)
            choice[1, 1] = d + 1
            out = rec.copy()
            apply_edge_offset(out, offset_table(mags), choice, ctu)
            moved = out != rec
            assert moved.sum() == n[d, 1, 1, k]
            assert np.isclose((org - rec)[moved].sum(), s[d, 1, 1, k])
    before = ((org - rec) ** 2).sum()
    out = rec.copy()
    on, mags, mask, choice = choose_edge_offset(org, out, ctu, 1.0, 10.0)
    assert on and mask and choice.any()
    assert ((org - out) ** 2).sum() < before
    again = rec.copy()
    apply_edge_offset(again, offset_table(mags), choice, ctu)
    assert (again == out).all()                # what the decoder computes
    off = rec.copy()
    assert not choose_edge_offset(org, off, ctu, 1.0, 1e12)[0] and (off == rec).all()
