"""Reference samples: build_refs's availability against the coding-order
rule it implements (unit_available for every unit)."""
import numpy as np
import pytest

from codec.common.constants import LOG2_MIN_BLOCK, MAX_BLOCK
from codec.common.predict import build_refs, unit_available


@pytest.mark.parametrize("w,h,ctu_log2", [(72, 40, 6), (64, 64, 6), (52, 36, 5), (100, 20, 4)])
def test_reference_availability_follows_coding_order(w, h, ctu_log2):
    rng = np.random.default_rng(w * h)
    rec = rng.integers(0, 4080, (h, w)).astype(np.int16)
    ref = np.zeros(4 * MAX_BLOCK + 1, np.int64)
    avail = np.zeros(4 * MAX_BLOCK + 1, np.bool_)
    wu, hu = w >> LOG2_MIN_BLOCK, h >> LOG2_MIN_BLOCK
    cul = ctu_log2 - LOG2_MIN_BLOCK
    checked = 0
    for log2n in range(LOG2_MIN_BLOCK, ctu_log2 + 1):
        n = 1 << log2n
        for y in range(0, h - n + 1, n):
            for x in range(0, w - n + 1, n):
                build_refs(rec, x, y, n, cul, ref, avail)
                cux, cuy, nu2 = x >> 2, y >> 2, 2 * n >> 2
                units = ([(cux - 1, cuy + j) for j in range(nu2)] + [(cux - 1, cuy - 1)] +
                         [(cux + j, cuy - 1) for j in range(nu2)])
                want = [unit_available(ux, uy, cux, cuy, wu, hu, cul) for ux, uy in units]
                got = ([avail[2 * n - 1 - 4 * j] for j in range(nu2)] + [avail[2 * n]] +
                       [avail[2 * n + 1 + 4 * j] for j in range(nu2)])
                assert got == want, (n, x, y)
                # the samples of available units are the plane's
                for j in range(nu2):
                    if want[j]:
                        assert ref[2 * n - 1 - 4 * j] == rec[y + 4 * j, x - 1]
                checked += 1
    assert checked > 50
