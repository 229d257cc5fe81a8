"""The scoring model: named factors → a 0–100 priority score. No Django model imports.

A factor has a key, a label, an integer scale (``low``..``high``), a direction and a
weight. A *benefit* factor scores higher when its value is higher (business impact); a
*cost* factor scores higher when its value is lower (effort, risk). The formula is a
weighted mean of the factors normalised to 0..1, times 100::

    n_i   = (value_i - low_i) / (high_i - low_i)        benefit
    n_i   = (high_i - value_i) / (high_i - low_i)       cost
    score = round(100 × Σ weight_i × n_i / Σ weight_i, 2)

The same formula is compiled to one SQL expression (`score_expression`) so the whole
backlog is rescored by a single UPDATE; `score` (Python) and the SQL agree to the cent
(tests compare both).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

BENEFIT = "benefit"
COST = "cost"
DIRECTIONS = (BENEFIT, COST)
CENT = Decimal("0.01")

DEFAULT_FACTORS: list[dict[str, Any]] = [
    {
        "key": "impact",
        "label": "Business impact",
        "low": 1,
        "high": 5,
        "direction": BENEFIT,
        "weight": 3,
        "help": "1 = nice to have … 5 = revenue-critical.",
    },
    {
        "key": "effort",
        "label": "Effort",
        "low": 1,
        "high": 5,
        "direction": COST,
        "weight": 2,
        "help": "1 = an hour … 5 = weeks of work.",
    },
    {
        "key": "risk",
        "label": "Risk",
        "low": 1,
        "high": 5,
        "direction": COST,
        "weight": 1,
        "help": "1 = nothing can break … 5 = touches routing, scoring or consent.",
    },
]


class ScoringError(ValueError):
    """A definition or an input that the model cannot use; `field` says where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    low: int
    high: int
    direction: str
    weight: Decimal
    help: str = ""

    def normalise(self, value: int) -> Decimal:
        span = Decimal(self.high - self.low)
        if self.direction == BENEFIT:
            return (Decimal(value) - self.low) / span
        return (Decimal(self.high) - value) / span

    def as_dict(self) -> dict[str, Any]:
        weight: int | float = (
            int(self.weight) if self.weight == int(self.weight) else float(self.weight)
        )
        return {
            "key": self.key,
            "label": self.label,
            "low": self.low,
            "high": self.high,
            "direction": self.direction,
            "weight": weight,
            "help": self.help,
        }


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | float | Decimal):
        raise ScoringError(field, f"must be a whole number, not {value!r}.")
    try:
        number = Decimal(str(value).strip())
    except Exception:
        raise ScoringError(field, f"must be a whole number, not {value!r}.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ScoringError(field, f"must be a whole number, not {value!r}.")
    return int(number)


def parse_factors(raw: Any) -> list[Factor]:
    """Validate a factor list (JSON) and return factors; ScoringError names the problem."""
    if not isinstance(raw, list) or not raw:
        raise ScoringError("factors", "a scoring model needs a non-empty list of factors.")
    if len(raw) > 12:
        raise ScoringError("factors", "at most 12 factors.")
    factors: list[Factor] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"factors.{i}"
        if not isinstance(item, Mapping):
            raise ScoringError(where, "must be an object.")
        key = item.get("key")
        if not isinstance(key, str) or not key.isidentifier() or not key.islower() or len(key) > 30:
            raise ScoringError(f"{where}.key", "use a short lowercase identifier (e.g. impact).")
        if key in seen:
            raise ScoringError(f"{where}.key", f"duplicate factor '{key}'.")
        seen.add(key)
        label = item.get("label") or key.capitalize()
        if not isinstance(label, str) or len(label) > 60:
            raise ScoringError(f"{where}.label", "must be text of at most 60 characters.")
        low = _int(item.get("low", 1), f"{where}.low")
        high = _int(item.get("high", 5), f"{where}.high")
        if high <= low:
            raise ScoringError(f"{where}.high", f"must be above low ({low}).")
        if high - low > 100:
            raise ScoringError(f"{where}.high", "a scale spans at most 100 steps.")
        direction = item.get("direction", BENEFIT)
        if direction not in DIRECTIONS:
            raise ScoringError(f"{where}.direction", "must be 'benefit' or 'cost'.")
        try:
            weight = Decimal(str(item.get("weight", 1)))
        except Exception:
            raise ScoringError(f"{where}.weight", "must be a number.") from None
        if not weight.is_finite() or weight <= 0 or weight > 100:
            raise ScoringError(f"{where}.weight", "must be a number above 0 and at most 100.")
        weight = weight.quantize(CENT)
        if weight <= 0:
            raise ScoringError(f"{where}.weight", "must be at least 0.01.")
        help_text = item.get("help", "")
        if not isinstance(help_text, str):
            raise ScoringError(f"{where}.help", "must be text.")
        factors.append(Factor(key, label, low, high, direction, weight, help_text[:200]))
    return factors


def clean_inputs(factors: Sequence[Factor], inputs: Any, *, partial: bool = False) -> dict:
    """Inputs as {key: int} on each factor's scale. With `partial`, missing keys are fine
    (drafts); unknown keys are dropped. Raises ScoringError naming `scoring_inputs.<key>`."""
    if inputs in (None, ""):
        inputs = {}
    if not isinstance(inputs, Mapping):
        raise ScoringError("scoring_inputs", "must be an object of factor → value.")
    cleaned: dict[str, int] = {}
    for factor in factors:
        raw = inputs.get(factor.key)
        where = f"scoring_inputs.{factor.key}"
        if raw in (None, ""):
            if partial:
                continue
            raise ScoringError(where, f"{factor.label} is required ({factor.low}–{factor.high}).")
        value = _int(raw, where)
        if not factor.low <= value <= factor.high:
            raise ScoringError(where, f"must be between {factor.low} and {factor.high}.")
        cleaned[factor.key] = value
    return cleaned


def _round_cents(value: Fraction) -> Decimal:
    """Half-up to 0.01 on an exact fraction (scores are never negative)."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return (Decimal(cents) / 100).quantize(CENT)


def score(factors: Sequence[Factor], inputs: Mapping[str, int]) -> Decimal | None:
    """The 0–100 score, rounded half-up to 0.01; None when an input is missing.

    Computed on exact fractions, so no binary or decimal precision loss decides a tie.
    """
    if any(inputs.get(f.key) is None for f in factors):
        return None
    total_weight = sum((Fraction(f.weight) for f in factors), Fraction(0))
    weighted = sum(
        (
            Fraction(f.weight)
            * Fraction(
                int(inputs[f.key]) - f.low
                if f.direction == BENEFIT
                else f.high - int(inputs[f.key]),
                f.high - f.low,
            )
            for f in factors
        ),
        Fraction(0),
    )
    return _round_cents(100 * weighted / total_weight)


@dataclass(frozen=True)
class ExplainedTerm:
    factor: Factor
    value: int | None
    normalised: Decimal | None
    contribution: Decimal | None  # points out of 100 this factor adds

    @property
    def text(self) -> str:
        f = self.factor
        weight = f.as_dict()["weight"]
        if self.value is None:
            return f"{f.label}: missing (scale {f.low}–{f.high}, weight {weight})"
        kind = "higher is better" if f.direction == BENEFIT else "lower is better"
        return (
            f"{f.label} {self.value} ({kind}, scale {f.low}–{f.high}) → {self.normalised:.2f}"
            f" × weight {weight} = {self.contribution:.2f} points"
        )


@dataclass(frozen=True)
class Explanation:
    terms: list[ExplainedTerm]
    total_weight: Decimal
    score: Decimal | None

    @property
    def lines(self) -> list[str]:
        return [t.text for t in self.terms]

    @property
    def summary(self) -> str:
        if self.score is None:
            return "Not scored: some inputs are missing."
        parts = " + ".join(f"{t.contribution:.2f}" for t in self.terms)
        return f"{parts} = {self.score:.2f} (100 × weighted share of {self.total_weight} weight)"


def explain(factors: Sequence[Factor], inputs: Mapping[str, Any]) -> Explanation:
    """Each factor's part of the score: "Business impact 4 → 0.75 × weight 3 = 37.50 points".

    Contributions are 100 × weight × normalised / total weight, so they add up to the score
    (up to the final rounding).
    """
    total_weight = sum((f.weight for f in factors), Decimal(0))
    terms = []
    for f in factors:
        value = inputs.get(f.key)
        if value is None:
            terms.append(ExplainedTerm(f, None, None, None))
            continue
        n = f.normalise(int(value))
        contribution = (Decimal(100) * f.weight * n / total_weight).quantize(CENT, ROUND_HALF_UP)
        terms.append(ExplainedTerm(f, int(value), n, contribution))
    return Explanation(terms, total_weight, score(factors, inputs))


def score_expression(factors: Sequence[Factor], field: str = "scoring_inputs") -> Any:
    """The score as one Django ORM expression over the JSON `field` (NULL if an input is
    missing), for a set-based `queryset.update(score=...)`.

    Written as one exact fraction (numerator over the lcm of the scale spans × total
    weight) with a single numeric division, so it rounds exactly like `score`.
    """
    from django.db.models import DecimalField, ExpressionWrapper, Value
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast, Round

    numeric: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)
    total_weight = sum((f.weight for f in factors), Decimal(0))
    common = 1
    for f in factors:
        common = math.lcm(common, f.high - f.low)

    def const(number: Decimal | int) -> Value:
        return Value(Decimal(number), output_field=numeric)

    numerator: Any = None
    for f in factors:
        value = Cast(KeyTextTransform(f.key, field), numeric)
        offset = value - const(f.low) if f.direction == BENEFIT else const(f.high) - value
        term = const(f.weight * 100 * (common // (f.high - f.low))) * offset
        numerator = term if numerator is None else numerator + term
    return Round(
        ExpressionWrapper(numerator / const(total_weight * common), output_field=numeric), 2
    )
