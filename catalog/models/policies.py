"""SLA policies: targets in business hours (or end-of-day / business-day tokens) per complexity."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel

from ..businesstime import CalendarError, SlaBudget, SlaTarget, TargetKind, nominal_budget
from .calendars import Calendar, format_hours
from .choices import Complexity


def _hours_field(default: int, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(10000))],
        help_text=help_text,
    )


TARGET_CHOICES: list[tuple[str, str]] = [
    ("", "Business hours (the hours field)"),
    ("eod:0", "End of this business day"),
    ("eod:1", "End of next business day"),
    *[(f"days:{n}", f"{n} business day{'s' if n != 1 else ''}") for n in (1, 2, 3, 5, 10, 15, 20)],
]


def parse_target_token(token: str) -> SlaTarget:
    """'eod:0' → end of this business day, 'days:2' → 2 business days."""
    kind, _, amount = str(token).partition(":")
    kinds = {"eod": TargetKind.END_OF_DAY, "days": TargetKind.BUSINESS_DAYS}
    if kind not in kinds or not amount.isdigit():
        raise ValidationError(
            f"{token!r} is not a target; use eod:0 (end of this business day), eod:1 (end of "
            "next business day) or days:N (N business days)."
        )
    try:
        return SlaTarget(kinds[kind], int(amount))
    except CalendarError as exc:
        raise ValidationError(f"{token!r}: {exc.message}") from None


def validate_target_kinds(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Target kinds map '<clock>_<complexity>' to a target.")
    valid = {f"{clock}_{c.value}" for clock in ("triage", "delivery") for c in Complexity}
    for key, token in value.items():
        if key not in valid:
            raise ValidationError(
                f"{key!r} is not a target; use one of {', '.join(sorted(valid))}."
            )
        if token:
            parse_target_token(token)


class SlaPolicy(TimeStampedModel):
    """Targets per complexity class, in business hours on `calendar`, and the at-risk point."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="sla_policies")
    triage_hours_simple = _hours_field(4, "Business hours to triage a simple request.")
    triage_hours_standard = _hours_field(4, "Business hours to triage a standard request.")
    triage_hours_complex = _hours_field(4, "Business hours to triage a complex request.")
    delivery_hours_simple = _hours_field(16, "Business hours to deliver a simple request.")
    delivery_hours_standard = _hours_field(40, "Business hours to deliver a standard request.")
    delivery_hours_complex = _hours_field(120, "Business hours to deliver a complex request.")
    at_risk_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A clock is at risk once this share of its target has elapsed.",
    )
    # "<clock>_<complexity>" → "eod:0" (end of this business day), "eod:1" (end of next),
    # "days:N" (N business days); a target not listed is in the hours field.
    target_kinds = models.JSONField(default=dict, blank=True, validators=[validate_target_kinds])
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def triage_hours(self, complexity: str) -> Decimal:
        return Decimal(getattr(self, f"triage_hours_{Complexity(complexity).value}"))

    def delivery_hours(self, complexity: str) -> Decimal:
        return Decimal(getattr(self, f"delivery_hours_{Complexity(complexity).value}"))

    def target_spec(self, clock: str, complexity: str) -> SlaTarget:
        """The target of `clock` for `complexity`: hours, business days or end of day."""
        if clock not in ("triage", "delivery"):
            raise ValueError(f"Unknown clock {clock!r}; use triage or delivery.")
        complexity = Complexity(complexity).value
        token = (self.target_kinds or {}).get(f"{clock}_{complexity}")
        if token:
            return parse_target_token(token)
        hours = getattr(self, f"{clock}_hours_{complexity}")
        return SlaTarget(TargetKind.HOURS, Decimal(hours))

    def triage_target(self, complexity: str) -> timedelta:
        """Business duration to triage a request of `complexity` (see `target`)."""
        return self.target("triage", complexity)

    def delivery_target(self, complexity: str) -> timedelta:
        """Business duration to deliver a request of `complexity` (see `target`)."""
        return self.target("delivery", complexity)

    def target(self, clock: str, complexity: str) -> timedelta:
        """The clock's business-time budget. Targets in business days or "end of this/next
        business day" depend on when the clock starts: they come as an `SlaBudget`, which
        the SLA clock resolves exactly on the calendar once it knows its start."""
        spec = self.target_spec(clock, complexity)
        if spec.kind == TargetKind.HOURS:
            return timedelta(seconds=int(Decimal(spec.amount) * 3600))
        return SlaBudget(nominal_budget(spec, self.calendar.day_length), spec)

    @property
    def at_risk_ratio(self) -> float:
        return self.at_risk_percent / 100

    def due(self, *, clock: str, complexity: str, start: datetime) -> datetime:
        """When a `clock` (triage / delivery) started at `start` is due."""
        return self.calendar.engine_for(start).due(start, self.target_spec(clock, complexity))

    def describe_target(self, clock: str, complexity: str) -> str:
        """'end of this business day', '2 business days (15 h at 7 h 30 min a day)', or the
        hours as `describe_hours` says them."""
        spec = self.target_spec(clock, complexity)
        if spec.kind == TargetKind.HOURS:
            return self.describe_hours(Decimal(spec.amount))
        return spec.describe(self.calendar.day_length)

    def describe_hours(self, hours: Decimal) -> str:
        """'2 business days' when a whole number of standard days, else 'N business hours'."""
        per_day = self.calendar.hours_per_day
        days = Decimal(hours) / per_day if per_day else Decimal(0)
        if days >= 1 and days == days.to_integral_value():
            n = int(days)
            return f"{n} business day{'s' if n != 1 else ''}"
        text = format_hours(hours)
        return f"{text} business hour{'s' if Decimal(hours) != 1 else ''}"

    def delivery_summary(self) -> list[tuple[str, str, str]]:
        """[(complexity value, label, "2 business days"), ...] for display."""
        return [(c.value, c.label, self.describe_target("delivery", c.value)) for c in Complexity]

    def triage_summary(self) -> list[tuple[str, str, str]]:
        return [(c.value, c.label, self.describe_target("triage", c.value)) for c in Complexity]
