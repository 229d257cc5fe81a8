"""Experiment design arithmetic: how many visitors each variant of a conversion test needs.

Pure (no Django import), tested directly with hand-checked values. The figure is the
textbook sample size of a two-proportion z-test comparing a variant with the control:

    p1 = baseline rate, p2 = p1 × (1 + MDE)          (MDE relative: 0.10 = +10 %)
    p̄  = (p1 + p2) / 2
    n  = ( z₁₋α/₂ · √(2·p̄·(1−p̄)) + z₁₋β · √(p1·(1−p1) + p2·(1−p2)) )² / (p2 − p1)²

per variant, rounded up; z are standard normal quantiles (`statistics.NormalDist`), the
first term uses the pooled rate (the null hypothesis: both rates equal), the second the two
rates of the alternative. α is two-sided unless asked otherwise. With more than two
variants each comparison with the control uses the same α (no multiple-comparison
correction: lower α by hand, e.g. α / (variants − 1), to keep the family-wise error).
"""

from __future__ import annotations

from decimal import Decimal
from math import ceil, isfinite, sqrt
from statistics import NormalDist

Number = float | int | Decimal


class DesignError(ValueError):
    """An impossible experiment design; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _number(value: Number, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DesignError(field, "Give a number.") from None
    if not isfinite(number):
        raise DesignError(field, "Give a finite number.")
    return number


def treatment_rate(baseline: Number, mde: Number) -> float:
    """The conversion rate the variant must reach: baseline × (1 + relative MDE)."""
    return float(baseline) * (1 + float(mde))


def check_design(*, baseline: Number, mde: Number, alpha: Number, power: Number) -> None:
    """Raise DesignError naming the first input that makes the test impossible."""
    p1 = _number(baseline, "baseline_rate")
    lift = _number(mde, "minimum_detectable_effect")
    a = _number(alpha, "alpha")
    b = _number(power, "power")
    if not 0 < p1 < 1:
        raise DesignError("baseline_rate", "The baseline conversion rate is between 0 and 1.")
    if lift <= 0:
        raise DesignError(
            "minimum_detectable_effect",
            "The minimum detectable effect is a relative lift above 0 (0.10 = +10 %).",
        )
    if treatment_rate(p1, lift) >= 1:
        raise DesignError(
            "minimum_detectable_effect",
            f"baseline × (1 + MDE) = {treatment_rate(p1, lift):.4g}: a conversion rate "
            "cannot reach 1; lower the effect.",
        )
    if not 0 < a < 1:
        raise DesignError("alpha", "The significance level α is between 0 and 1.")
    if not 0 < b < 1:
        raise DesignError("power", "The power 1 − β is between 0 and 1.")


def required_sample_per_variant(
    *,
    baseline: Number,
    mde: Number,
    alpha: Number = 0.05,
    power: Number = 0.8,
    two_sided: bool = True,
) -> int:
    """Visitors (or recipients) each variant needs to detect the relative lift `mde` over
    `baseline` with significance `alpha` and power `power` (see the module docstring)."""
    check_design(baseline=baseline, mde=mde, alpha=alpha, power=power)
    p1 = float(baseline)
    p2 = treatment_rate(p1, mde)
    a, b = float(alpha), float(power)
    normal = NormalDist()
    z_alpha = normal.inv_cdf(1 - a / 2 if two_sided else 1 - a)
    z_beta = normal.inv_cdf(b)
    pooled = (p1 + p2) / 2
    spread = z_alpha * sqrt(2 * pooled * (1 - pooled)) + z_beta * sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return ceil(spread**2 / (p2 - p1) ** 2)


def met_power(*, observed_per_variant: int, required_per_variant: int) -> bool:
    """An experiment meets the power criterion when every variant got at least the
    sample its design required."""
    return observed_per_variant >= required_per_variant
