"""The long deblocking filter (format 11) against FORMAT.md section 7 written
out in numpy, and where it may run."""
import numpy as np

from codec.common.constants import LOG2_LONG_DEBLOCK
from codec.common.deblock import BETA_NUM, TC_NUM, deblock_plane
from codec.common.quant import QSTEP

MID = (59, 50, 41, 32, 23, 14, 5)
CLIP = (6, 5, 4, 3, 2, 1, 1)


def long_reference(row, edge, tc):
    """One line across a vertical edge at column `edge`, as FORMAT.md's long_segment."""
    p = [int(row[edge - 1 - k]) for k in range(8)]
    q = [int(row[edge + k]) for k in range(8)]
    mid = (p[0] + q[0] + sum(p[:7]) + sum(q[:7]) + 8) // 16
    ref_p, ref_q = (p[6] + p[7] + 1) >> 1, (q[6] + q[7] + 1) >> 1
    out = row.astype(np.int64).copy()
    for k in range(7):
        t = (tc * CLIP[k]) >> 1
        blend_p = (mid * MID[k] + ref_p * (64 - MID[k]) + 32) >> 6
        blend_q = (mid * MID[k] + ref_q * (64 - MID[k]) + 32) >> 6
        out[edge - 1 - k] = min(max(blend_p, p[k] - t), p[k] + t)
        out[edge + k] = min(max(blend_q, q[k] - t), q[k] + t)
    return out


def plane_with_steps(h, w, rng):
    """Flat 16-wide columns a small step apart, with a little noise below the
    flatness thresholds."""
    base = 2000 + 24 * (np.arange(w) // 16)
    return (base[None, :] + rng.integers(0, 2, (h, w))).astype(np.int16)


def test_long_filter_matches_the_format_text():
    rng = np.random.default_rng(1)
    h, w, level, qidx = 16, 64, 4, 60
    rec = plane_with_steps(h, w, rng)
    smap = np.full((h // 4, w // 4), LOG2_LONG_DEBLOCK, np.int8)      # 16x16 leaves
    qmap = np.full(smap.shape, qidx, np.int64)
    out = rec.copy()
    deblock_plane(out, smap, qmap, level, False)
    qs = int(QSTEP[qidx])
    tc, beta = (qs * TC_NUM[level]) >> 6, (qs * BETA_NUM[level]) >> 6
    # every edge qualifies: the steps (25 at most) below (5 tc + 1) >> 1, the noise far below beta
    assert tc > 0 and 25 < (5 * tc + 1) >> 1 and 4 < beta >> 3 and 8 < beta >> 2
    want = rec.astype(np.int64)
    for y in range(h):                        # no horizontal edges inside one leaf row
        for edge in (16, 32, 48):
            want[y] = long_reference(want[y], edge, tc)
    assert (out == want).all()
    assert (out[:, 16 - 7] != rec[:, 16 - 7]).any()       # the 7th sample moved


def test_long_filter_needs_two_large_leaves():
    """Between 8x8 leaves the same plane keeps its samples 4 or more from the
    edge (the other filters change at most 3)."""
    rng = np.random.default_rng(2)
    rec = plane_with_steps(16, 64, rng)
    smap = np.full((4, 16), 3, np.int8)                # 8x8 leaves
    smap[:, 4:8] = LOG2_LONG_DEBLOCK                   # and one 16x16 leaf among them
    out = rec.copy()
    deblock_plane(out, smap, np.full(smap.shape, 60, np.int64), 4, False)
    # rows 0..4: no horizontal edge reaches them
    cols = np.nonzero((out[:5] != rec[:5]).any(axis=0))[0]
    assert len(cols)
    # distance of each changed column from the nearest edge (edges every 8 columns)
    dist = np.minimum(cols % 8, 7 - cols % 8)
    assert dist.max() <= 2
