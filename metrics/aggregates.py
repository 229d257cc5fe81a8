"""SQL aggregate expressions the ORM lacks: ordered-set percentiles and safe ratios (and the
same ratio for counts already in Python, `percent`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Count, Expression, F, FloatField, Q, Value
from django.db.models.functions import Cast, NullIf


class PercentileCont(Aggregate):
    """`percentile_cont(p) WITHIN GROUP (ORDER BY expr)`; works with `filter=` (FILTER WHERE)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    allow_distinct = False
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, percentile: float, **extra: Any) -> None:
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        super().__init__(expression, percentile=repr(float(percentile)), **extra)


def median(expression: Any, **extra: Any) -> PercentileCont:
    return PercentileCont(expression, percentile=0.5, **extra)


def share(condition: Q, *, of: Q | None = None) -> Expression:
    """100 × count(rows matching `condition`) / count(rows [matching `of`]); NULL when none."""
    denominator = Count(Value(1), filter=of) if of is not None else Count("*")
    return (
        Cast(Count(Value(1), filter=condition), FloatField())
        * Value(100.0)
        / Cast(NullIf(denominator, Value(0)), FloatField())
    )


def per_day(seconds_field: str, day_seconds: str | int) -> Expression:
    """Seconds as days: of the row's own calendar day length (a field), or a constant."""
    divisor = F(day_seconds) if isinstance(day_seconds, str) else Value(float(day_seconds))
    return Cast(F(seconds_field), FloatField()) / Cast(divisor, FloatField())


def percent(part: int | Decimal, whole: int | Decimal) -> float | None:
    """100 × part / whole to one decimal, for counts already fetched; None when whole is 0."""
    return round(100 * float(part) / float(whole), 1) if whole else None
