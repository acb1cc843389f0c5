"""The decoder's edge-free coefficient template (template_padded, on a level
array zero beyond the block) against the shared template()."""
import numpy as np

from codec.common.constants import MAX_BLOCK
from codec.common.contexts import TEMPLATE_REACH, template, template_padded


def test_padded_template_equals_the_edge_tested_one():
    rng = np.random.default_rng(11)
    for trial in range(40):
        n = 4 << int(rng.integers(0, 5))
        lv = np.zeros((MAX_BLOCK + TEMPLATE_REACH,) * 2, np.int32)
        big = 40 if trial % 4 == 0 else 6           # past the rice cap, or small levels
        lv[:n, :n] = rng.integers(-big, big + 1, (n, n)) * (rng.random((n, n)) < rng.random())
        for y in range(n):
            for x in range(n):
                assert template_padded(lv, x, y) == template(lv, n, x, y), (n, x, y)
