"""Reads for data health and the watch: dataset lists with scores, run pages, trends,
incident lists, uptime and MTTA/MTTR, runbook search."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet
from django.utils import timezone

from governance.health.contracts.spec import DIMENSIONS

from . import uptime
from .models import (
    CheckRun,
    Dataset,
    Incident,
    IncidentStatus,
    Monitor,
    Ping,
    Rotation,
    Runbook,
)

RUNBOOK_VECTOR = SearchVector("title", "summary", "body", config="english")


def datasets_with_health() -> QuerySet[Dataset]:
    """Datasets with their warehouse, owner, contract and last run (scores), open incidents."""
    return (
        Dataset.objects.select_related("warehouse", "owner", "team", "last_run", "contract")
        .annotate(
            open_incidents=Count("incidents", filter=~Q(incidents__status=IncidentStatus.RESOLVED))
        )
        .order_by("schema", "table")
    )


def dataset_runs(dataset: Dataset, limit: int = 30) -> list[CheckRun]:
    return list(dataset.runs.order_by("-started_at")[:limit])


def score_trends(runs: list[CheckRun]) -> dict[str, list[float]]:
    """Per dimension, the scores of the given runs oldest first (None dropped)."""
    ordered = list(reversed(runs))
    return {
        d: [getattr(r, f"score_{d}") for r in ordered if getattr(r, f"score_{d}") is not None]
        for d in DIMENSIONS
    }


def sparkline_points(values: list[float], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for 0–100 values (no chart library)."""
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (max(0.0, min(100.0, v)) / 100) * height:.1f}"
        for i, v in enumerate(values)
    )


def run_page(run_id: int) -> CheckRun:
    return CheckRun.objects.select_related("dataset", "dataset__warehouse", "requested_by").get(
        pk=run_id
    )


def incidents_list() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "dataset", "monitor", "runbook", "assignee", "acknowledged_by"
    ).order_by("-opened_at")


def incident_response_times(qs: QuerySet[Incident] | None = None) -> dict[str, timedelta | None]:
    """MTTA and MTTR computed in the database (open incidents count for neither)."""
    qs = Incident.objects.all() if qs is None else qs
    duration: DurationField[timedelta, timedelta] = DurationField()
    return qs.aggregate(
        mtta=Avg(
            ExpressionWrapper(F("acknowledged_at") - F("opened_at"), output_field=duration),
            filter=Q(acknowledged_at__isnull=False),
        ),
        mttr=Avg(
            ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=duration),
            filter=Q(resolved_at__isnull=False),
        ),
    )


def _uptime_from(
    monitor: Monitor,
    before: datetime | None,
    inside: list[datetime],
    start: datetime,
    end: datetime,
) -> float:
    pings = ([before] if before else []) + inside
    outages = uptime.outages_from_pings(
        pings,
        period=monitor.period,
        grace=monitor.grace,
        window_start=start,
        window_end=end,
        started_at=None if before else max(monitor.started_at, start),
    )
    return uptime.uptime_percent(start, end, outages)


def monitor_uptime(monitor: Monitor, start: datetime, end: datetime) -> float:
    """Uptime % of a heartbeat monitor over [start, end] (see governance/health/uptime.py): the
    last ping before the window starts the clock, else the monitor's start."""
    return monitors_uptime([monitor], start, end)[monitor.pk]


def monitors_uptime(monitors: list[Monitor], start: datetime, end: datetime) -> dict[int, float]:
    """Uptime % per monitor over one window, in two queries whatever the number of monitors."""
    ids = [m.pk for m in monitors]
    before = dict(
        Ping.objects.filter(monitor_id__in=ids, received_at__lte=start)
        .values("monitor_id")
        .annotate(last=Max("received_at"))
        .values_list("monitor_id", "last")
    )
    inside: dict[int, list[datetime]] = defaultdict(list)
    for monitor_id, at in (
        Ping.objects.filter(monitor_id__in=ids, received_at__gt=start, received_at__lte=end)
        .order_by("received_at")
        .values_list("monitor_id", "received_at")
    ):
        inside[monitor_id].append(at)
    return {m.pk: _uptime_from(m, before.get(m.pk), inside[m.pk], start, end) for m in monitors}


def monitors_with_uptime(days: int = 7) -> list[tuple[Monitor, float]]:
    end = timezone.now()
    monitors = list(Monitor.objects.select_related("runbook").order_by("name"))
    figures = monitors_uptime(monitors, end - timedelta(days=days), end)
    return [(m, figures[m.pk]) for m in monitors]


def runbooks_search(q: str = "") -> QuerySet[Runbook]:
    """Full-text search (English stemming) ranked; all runbooks by title without a query."""
    qs = Runbook.objects.all()
    if not q.strip():
        return qs.order_by("title")
    query = SearchQuery(q, config="english", search_type="websearch")
    return (
        qs.annotate(search=RUNBOOK_VECTOR, rank=SearchRank(RUNBOOK_VECTOR, query))
        .filter(search=query)
        .order_by("-rank", "title")
    )


def rotations() -> QuerySet[Rotation]:
    return Rotation.objects.prefetch_related("members__user", "overrides__user", "channels")


def dataset_check_definitions(dataset: Dataset) -> list[dict[str, object]]:
    """The checks the contract compiles to against the table as it is now (read-only
    introspection), with their semantics and thresholds; skipped ones say why."""
    import psycopg
    from django.core.exceptions import ValidationError

    from governance.health.checks import compile_checks, describe_error, introspect, relations_of

    from .services import warehouse_connect

    contract = getattr(dataset, "contract", None)
    if contract is None:
        return []
    spec = contract.build_spec()
    try:
        with warehouse_connect(dataset.warehouse) as conn:
            catalogue = introspect(conn, relations_of(spec))
    except psycopg.Error as exc:
        raise ValidationError(f"Cannot reach the warehouse: {describe_error(exc, 0)}") from None
    table = catalogue.get((spec.schema, spec.table))
    if table is None:
        raise ValidationError(f"{spec.dataset} was not found in {dataset.warehouse}.")
    plan = compile_checks(spec, table, mode="full", targets=catalogue)
    return [
        {
            "key": c.key,
            "kind": c.kind,
            "dimension": c.dimension,
            "columns": list(c.columns),
            "semantics": c.semantics,
            "unit": c.unit,
            "warn": c.threshold.warn,
            "fail": c.threshold.fail,
            "statement": c.statement,
            "skip_reason": c.skip_reason,
        }
        for c in plan.checks
    ]
