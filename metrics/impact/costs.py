"""Fully loaded MOPS cost of a period: team cost entered by an admin (per month), tool
spend from the stack registry when that app is installed (prorated contract cost), and
the cost of experiments concluded in the period (releases' experiment register)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict

from django.apps import apps
from django.db.models import Count, Q, Sum

from releases.experiments.models import Experiment

from .models import TeamCost


def team_cost(start: date, end: date) -> tuple[Decimal, int]:
    """Sum of the months entered in [start, end) and how many months were entered."""
    row = TeamCost.objects.filter(month__gte=start, month__lt=end).aggregate(
        total=Sum("amount"), months=Count("pk")
    )
    return row["total"] or Decimal(0), row["months"] or 0


def tool_spend(start: date, end: date) -> tuple[Decimal | None, str]:
    """Prorated vendor-contract cost overlapping [start, end), or None with why.

    Guarded: the stack registry (`governance.stack`, label `stack`) is optional; without it
    the seam answers None and the cost says "tool spend not included"."""
    try:
        contract = apps.get_model("stack", "Contract")
    except LookupError:
        return None, "The stack registry is not installed: tool spend not included."
    days = (end - start).days
    total = Decimal(0)
    overlapping = contract.objects.filter(Q(starts_on__lt=end) & Q(ends_on__gte=start)).only(
        "starts_on", "ends_on", "annual_cost"
    )
    for c in overlapping:  # contracts overlapping one quarter: a handful
        first = max(c.starts_on, start)
        last = min(c.ends_on + timedelta(days=1), end)
        overlap = max((last - first).days, 0)
        total += c.annual_cost * Decimal(overlap) / Decimal(365)
    return total.quantize(Decimal("0.01")), f"Vendor contracts prorated over {days} days."


def experiment_cost(start: date, end: date) -> Decimal:
    row = Experiment.objects.filter(
        concluded_at__date__gte=start, concluded_at__date__lt=end, cost__isnull=False
    ).aggregate(total=Sum("cost"))
    return row["total"] or Decimal(0)


class MopsCost(TypedDict):
    team: float
    team_months_entered: int
    tools: float | None
    tools_note: str
    experiments: float
    total: float


def mops_cost(start: date, end: date) -> MopsCost:
    team, months = team_cost(start, end)
    tools, tools_note = tool_spend(start, end)
    experiments = experiment_cost(start, end)
    total = team + (tools or Decimal(0)) + experiments
    return {
        "team": float(team),
        "team_months_entered": months,
        "tools": float(tools) if tools is not None else None,
        "tools_note": tools_note,
        "experiments": float(experiments),
        "total": float(total),
    }
