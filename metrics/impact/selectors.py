"""Business-impact reads: snapshots, freshness, the monthly review and the drill-down
sample (fetched from the warehouse, personal data masked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import periods
from . import statements, warehouse
from .models import DatasetRole, ImpactReview, ImpactSnapshot

FRESH_FOR = timedelta(hours=36)  # the nightly refresh plus slack
SAMPLE_LIMIT = 25
MASK = "•••"
DIMENSION_LABELS = {
    "within_sla": ("Launched within SLA", "Launched late"),
    "template": ("From a template", "Without a template"),
    "train": ("On a release train", "Ad hoc"),
}


@dataclass(frozen=True)
class Freshness:
    label: str  # fresh | stale | old | none
    text: str


def snapshot_latest(period: str = "month", start: date | None = None) -> ImpactSnapshot | None:
    """The snapshot of `start`'s period; without `start` the newest complete period's (the
    one in progress only when there is no other)."""
    qs = ImpactSnapshot.objects.filter(period=period)
    if start is not None:
        return qs.filter(start=periods.period_floor(start, period)).first()
    today = timezone.localdate()
    return qs.filter(end__lte=today).order_by("-start").first() or qs.order_by("-start").first()


def freshness(snapshot: ImpactSnapshot | None) -> Freshness:
    if snapshot is None:
        return Freshness("none", "Not computed yet")
    if snapshot.stale:
        return Freshness(
            "stale", f"Stale since {timezone.localtime(snapshot.stale_since):%Y-%m-%d %H:%M}"
        )
    if timezone.now() - snapshot.computed_at > FRESH_FOR:
        return Freshness("old", f"Computed {timezone.localtime(snapshot.computed_at):%Y-%m-%d}")
    return Freshness("fresh", f"Computed {timezone.localtime(snapshot.computed_at):%Y-%m-%d %H:%M}")


def cohort_rows(snapshot: ImpactSnapshot) -> list[dict[str, Any]]:
    """One row per cohort dimension: both sides, their rates and the comparison."""
    rows = []
    for dim, (yes_label, no_label) in DIMENSION_LABELS.items():
        data = (snapshot.figures.get("cohorts") or {}).get(dim)
        if not data:
            continue
        rows.append({"key": dim, "yes_label": yes_label, "no_label": no_label, **data})
    return rows


def review_context(month: date) -> dict[str, Any]:
    """What the monthly review shows: the month's snapshot, its freshness, the quarter's."""
    month = month.replace(day=1)
    snapshot = snapshot_latest("month", month)
    attribution = snapshot.figures.get("attribution", {}) if snapshot else {}
    model = attribution.get("default_model", "linear")
    return {
        "headline": {
            "model": model,
            "attributed": (attribution.get("mops") or {}).get(model),
            "roi": (attribution.get("roi") or {}).get(model),
        },
        "month": month,
        "snapshot": snapshot,
        "freshness": freshness(snapshot),
        "cohorts": cohort_rows(snapshot) if snapshot else [],
        "review": ImpactReview.objects.filter(month=month)
        .select_related("acknowledged_by")
        .first(),
    }


def review_month_default(today: date | None = None) -> date:
    """The month a review covers by default: the one that ended last."""
    today = today or timezone.localdate()
    return periods.period_previous(today.replace(day=1), "month")


def cohort_campaigns(snapshot: ImpactSnapshot, dimension: str, value: bool) -> list[dict[str, Any]]:
    return [c for c in snapshot.figures.get("campaigns", []) if c.get(dimension) is value]


def opportunities_sample(
    snapshot: ImpactSnapshot, campaigns: list[str], limit: int = SAMPLE_LIMIT
) -> list[dict[str, Any]]:
    """Up to `limit` opportunities of the period touched by `campaigns`, read from the
    warehouse now; columns the dataset's contract flags as personal data are masked.
    Raises ValidationError when the warehouse cannot answer."""
    roles = {
        r.role: r
        for r in DatasetRole.objects.select_related("dataset__warehouse", "dataset__contract")
    }
    opp, touch = roles.get("opportunities"), roles.get("campaign_touches")
    if opp is None or touch is None or not campaigns:
        return []
    contract = getattr(opp.dataset, "contract", None)
    pii = contract.build_spec().pii_columns if contract else frozenset()
    masked = {f for f, column in opp.columns.items() if column in pii}
    statement = statements.sample_statement(
        statements.Table(opp.dataset.schema, opp.dataset.table, opp.columns),
        statements.Table(touch.dataset.schema, touch.dataset.table, touch.columns),
    )
    params = {
        "start": snapshot.inputs.get("start"),
        "end": snapshot.inputs.get("end"),
        "campaigns": campaigns,
        "limit": limit,
    }
    try:
        with warehouse.connect(opp.dataset.warehouse) as conn:
            rows = conn.execute(statement, params).fetchall()
    except psycopg.Error as exc:
        raise ValidationError(
            f"The warehouse did not answer: {warehouse.describe_error(exc, 0)}"
        ) from None
    fields = (
        "id",
        "created_at",
        "stage",
        "amount",
        "reached_sql_at",
        "closed_at",
        "won",
        "campaigns",
    )
    return [
        {f: (MASK if f in masked else v) for f, v in zip(fields, row, strict=True)} for row in rows
    ]


def snapshot_choices(period: str) -> list[ImpactSnapshot]:
    return list(ImpactSnapshot.objects.filter(period=period).only("period", "start", "end")[:12])


def impact_panel() -> dict[str, Any]:
    """The dashboard's Business impact panel: the newest complete month's snapshot and its
    badges (one query)."""
    snapshot = (
        ImpactSnapshot.objects.filter(period="month", start__lte=review_month_default())
        .order_by("-start")
        .first()
    )
    attribution = snapshot.figures.get("attribution", {}) if snapshot else {}
    model = attribution.get("default_model", "linear")
    return {
        "snapshot": snapshot,
        "freshness": freshness(snapshot),
        "roi": (attribution.get("roi") or {}).get(model),
    }
