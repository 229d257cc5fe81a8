"""The two-proportion comparison and pipeline velocity, against values worked by hand."""

import math

import pytest

from metrics.impact.stats import compare_rates, velocity


def test_two_proportion_z_test_and_wald_interval():
    # 60/100 vs 40/100: pooled p 0.5, SE sqrt(0.25 × 0.02) = 0.0707107 → z = 2.828427,
    # p = erfc(2) = 0.0046777; Wald SE sqrt(0.0048) = 0.0692820 → 0.2 ± 0.135791
    c = compare_rates(60, 100, 40, 100)
    assert c.difference == pytest.approx(0.2)
    assert c.z == pytest.approx(2.828427, rel=1e-6)
    assert c.p_value == pytest.approx(math.erfc(2), rel=1e-9)
    assert (c.ci_low, c.ci_high) == (
        pytest.approx(0.064209, abs=1e-6),
        pytest.approx(0.335791, abs=1e-6),
    )
    assert c.lift == pytest.approx(0.5) and c.note == ""


@pytest.mark.parametrize(
    "a, b", [((10, 29), (10, 30)), ((4, 100), (50, 100)), ((97, 100), (50, 100))]
)
def test_small_samples_get_a_note_not_a_number(a, b):
    c = compare_rates(*a, *b)
    assert c.difference is None and c.ci_low is None and c.note.startswith("sample too small")


def test_velocity_is_open_times_win_rate_times_deal_over_cycle():
    # 10 open, 2 won of 4 closed, 3 000 won in 2 deals over 20 + 40 days → 10 × 0.5 × 1 500 ÷ 30
    assert velocity(10, 2, 4, 3000.0, 60.0) == pytest.approx(250.0)
    assert velocity(10, 0, 4, 0.0, 0.0) is None
