"""The bench's statistics: what the ratio table reports must mean what it says."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from bench.run import median_interval, pct


def test_median_interval_matches_the_published_order_statistics() -> None:
    # Standard tables for a 95% interval of the median: n=30 -> 10th and 21st, n=60 -> 22nd and 39th.
    assert median_interval([float(i) for i in range(1, 31)]) == (10.0, 21.0)
    assert median_interval([float(i) for i in range(1, 61)]) == (22.0, 39.0)
    # Order does not matter.
    shuffled = [float(i) for i in range(1, 61)]
    random.Random(7).shuffle(shuffled)
    assert median_interval(shuffled) == (22.0, 39.0)


def test_too_few_samples_give_the_whole_range() -> None:
    assert median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)


@given(st.lists(st.floats(min_value=0.1, max_value=10.0), min_size=6, max_size=80))
def test_median_interval_holds_the_median_and_has_its_coverage(samples: list[float]) -> None:
    low, high = median_interval(samples)
    ordered = sorted(samples)
    n = len(ordered)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    assert low <= median <= high
    # Coverage of [x(k), x(n+1-k)] is 1 - 2 P(Binomial(n, 1/2) < k) >= 95%.
    k = ordered.index(low) + 1
    below = sum(math.comb(n, j) for j in range(k)) / 2**n
    assert 1 - 2 * below >= 0.95


def test_percentile_is_a_sample_value() -> None:
    samples = list(range(1, 101))
    assert pct(samples, 50) == 50.0
    assert pct(samples, 99) == 99.0
    assert pct([5], 99) == 5.0
