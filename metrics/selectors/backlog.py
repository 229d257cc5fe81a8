"""Backlog aging: the share of open requests older than `AGING_DAYS` at each period end."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Expression, Q, Value

from ..definitions import AGING_DAYS, METRICS
from ..filters import MetricFilters
from .results import MetricResult, _assemble
from .scope import GROUPS, _period_ends, _window, facts_filtered


def _open_at(moment: datetime) -> Q:
    return Q(submitted_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment))


def backlog_aging(f: MetricFilters) -> MetricResult:
    """Per period end T: open(T) and aged(T) counted in one query with one FILTER per period."""
    buckets, _, _ = _window(f)
    ends = _period_ends(buckets, f)
    aggs: dict[str, Expression] = {}
    for i, moment in enumerate(ends):
        open_q = _open_at(moment)
        aged_q = open_q & Q(submitted_at__lt=moment - timedelta(days=AGING_DAYS))
        aggs[f"o{i}"] = Count(Value(1), filter=open_q)
        aggs[f"a{i}"] = Count(Value(1), filter=aged_q)
    qs = (
        facts_filtered(f)
        .filter(submitted_at__lt=ends[-1])
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=min(ends)))
    )
    group = GROUPS.get(f.group_by)
    raw = (
        list(qs.values(*group[0]).annotate(**aggs).order_by()) if group else [qs.aggregate(**aggs)]
    )
    rows = []
    for r in raw:
        for i, start in enumerate(buckets):
            opened, aged = r[f"o{i}"], r[f"a{i}"]
            rows.append(
                {
                    **({k: r[k] for k in group[0]} if group else {}),
                    "day": start,
                    "value": 100.0 * aged / opened if opened else None,
                    "n": opened,
                    "aged": aged,
                }
            )
    series = _assemble(
        f,
        buckets,
        rows,
        extras=("aged",),
        group_label=group[1] if group else None,
        bucket_of=lambda r: r["day"],
    )
    result = MetricResult(metric=METRICS["backlog_aging"], filters=f, series=series)
    if group:  # the overall figure from the same rows, so a page needs one query for both
        totals = []
        for i, start in enumerate(buckets):
            opened = sum(r[f"o{i}"] for r in raw)
            aged = sum(r[f"a{i}"] for r in raw)
            value = 100.0 * aged / opened if opened else None
            totals.append({"day": start, "value": value, "n": opened, "aged": aged})
        result.total = MetricResult(
            metric=METRICS["backlog_aging"],
            filters=f.with_(group_by=""),
            series=_assemble(f, buckets, totals, extras=("aged",), bucket_of=lambda r: r["day"]),
        )
    return result
