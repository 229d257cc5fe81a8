"""Statistics of the impact figures (pure): rates, the two-proportion z-test with a
confidence interval for a difference of rates, and pipeline velocity.

Small-sample rule: a comparison is reported only when each cohort has at least
MIN_SAMPLE trials and at least MIN_EVENTS successes and MIN_EVENTS failures (the usual
condition for the normal approximation, n·p ≥ 5 and n·(1−p) ≥ 5, with a floor of 30 trials);
otherwise it says "sample too small" and gives no number.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

MIN_SAMPLE = 30
MIN_EVENTS = 5
Z_95 = 1.959963984540054


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Comparison:
    """Rate of cohort A − rate of cohort B, with a 95% interval and a two-sided p-value."""

    a_successes: int
    a_trials: int
    b_successes: int
    b_trials: int
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    lift: float | None = None  # relative: rate A ÷ rate B − 1
    z: float | None = None
    p_value: float | None = None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def too_small(successes: int, trials: int) -> bool:
    return trials < MIN_SAMPLE or successes < MIN_EVENTS or trials - successes < MIN_EVENTS


def compare_rates(a_successes: int, a_trials: int, b_successes: int, b_trials: int) -> Comparison:
    """Two-proportion z-test (pooled standard error for z, unpooled for the Wald interval)."""
    base = Comparison(a_successes, a_trials, b_successes, b_trials)
    if too_small(a_successes, a_trials) or too_small(b_successes, b_trials):
        return replace(
            base,
            note=(
                f"sample too small (each cohort needs ≥ {MIN_SAMPLE} trials and ≥ {MIN_EVENTS} "
                "successes and failures)"
            ),
        )
    pa, pb = a_successes / a_trials, b_successes / b_trials
    pooled = (a_successes + b_successes) / (a_trials + b_trials)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / a_trials + 1 / b_trials))
    se = math.sqrt(pa * (1 - pa) / a_trials + pb * (1 - pb) / b_trials)
    diff = pa - pb
    z = diff / se_pooled if se_pooled else 0.0
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return Comparison(
        a_successes,
        a_trials,
        b_successes,
        b_trials,
        difference=diff,
        ci_low=diff - Z_95 * se,
        ci_high=diff + Z_95 * se,
        lift=(pa / pb - 1) if pb else None,
        z=z,
        p_value=p_value,
    )


def velocity(
    open_count: int, won: int, closed: int, won_amount: float, cycle_days_sum: float
) -> float | None:
    """Pipeline velocity per day: open opportunities × win rate × average deal ÷ average
    cycle length (days from creation to close of won deals). None when undefined."""
    if not closed or not won or cycle_days_sum <= 0:
        return None
    win_rate = won / closed
    average_deal = won_amount / won
    cycle = cycle_days_sum / won
    return open_count * win_rate * average_deal / cycle


def ratio_lift(a: float | None, b: float | None) -> float | None:
    return (a / b - 1) if a is not None and b else None
