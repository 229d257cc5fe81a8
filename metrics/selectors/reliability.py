"""Reliability figures from governance: heartbeat-monitor uptime and incident MTTR."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Expression, F, FloatField, Func, Q, Value
from django.db.models.functions import Trunc
from django.utils import timezone

from governance.models import Incident, Monitor, MonitorStatus, Ping

from ..definitions import METRICS
from ..filters import MetricFilters
from .results import MetricResult, Series, _assemble, _mean, _points
from .scope import _period_windows, _window, zone

_UPTIME_SQL = """
WITH w (i, s, e) AS (SELECT * FROM unnest(%(i)s::int[], %(s)s::timestamptz[], %(e)s::timestamptz[])),
origin AS (
    SELECT m.id, w.i, w.s, w.e, m.period + m.grace AS due, last.at AS last_before,
           coalesce(last.at, greatest(m.started_at, w.s)) AS origin,
           last.at IS NULL AND m.started_at >= w.e AS idle
    FROM {monitor} m CROSS JOIN w
    LEFT JOIN LATERAL (
        SELECT max(p.received_at) AS at FROM {ping} p
        WHERE p.monitor_id = m.id AND p.received_at <= w.s
    ) last ON true
    WHERE m.id = ANY(%(ids)s)
),
beats AS (
    SELECT o.id, o.i, o.origin AS at FROM origin o WHERE NOT o.idle
    UNION ALL
    SELECT o.id, o.i, p.received_at FROM origin o
    JOIN {ping} p ON p.monitor_id = o.id AND p.received_at > o.origin AND p.received_at <= o.e
    WHERE NOT o.idle
),
gaps AS (
    SELECT b.id, b.i, b.at, lead(b.at) OVER (PARTITION BY b.id, b.i ORDER BY b.at) AS next
    FROM beats b
)
SELECT o.id, o.i,
       CASE WHEN o.idle THEN NULL ELSE
           100.0 * (1 - coalesce(sum(greatest(
               extract(epoch FROM coalesce(g.next, o.e) - greatest(g.at + o.due, o.s)), 0
           )), 0) / extract(epoch FROM o.e - o.s))
       END
FROM origin o LEFT JOIN gaps g ON g.id = o.id AND g.i = o.i
GROUP BY o.id, o.i, o.idle, o.s, o.e
"""


def monitor_uptimes(
    monitors: list[Monitor], windows: list[tuple[datetime, datetime]]
) -> list[dict[int, float | None]]:
    """Uptime % per monitor for each window, in one SQL statement whatever the number of
    monitors, windows or pings. Each window is cut at now; a window wholly in the future, or
    one before the monitor started, is None.

    The outage rule is governance's pure `governance.health.uptime.outages_from_pings` (the
    tests compare the two on generated ping histories): the clock starts at the last ping
    at or before the window start (else at the monitor's start or the window start, the
    later); between consecutive beats (the window end closes the last gap) the monitor is
    down from beat + period + grace until the next beat. Gaps of one monitor never overlap,
    so their clipped lengths add up without merging.
    """
    if not monitors or not windows:
        return [{} for _ in windows]
    now = timezone.now()
    cut = [(start, min(end, now)) for start, end in windows]
    live = [(i, start, end) for i, (start, end) in enumerate(cut) if end > start]
    result: list[dict[int, float | None]] = [{m.pk: None for m in monitors} for _ in windows]
    if not live:
        return result
    sql = _UPTIME_SQL.format(
        monitor=connection.ops.quote_name(Monitor._meta.db_table),
        ping=connection.ops.quote_name(Ping._meta.db_table),
    )
    params: dict[str, Any] = {
        "i": [i for i, _, _ in live],
        "s": [start for _, start, _ in live],
        "e": [end for _, _, end in live],
        "ids": [m.pk for m in monitors],
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for monitor_id, i, value in cursor.fetchall():
            result[i][monitor_id] = None if value is None else float(value)
    return result


def uptime(f: MetricFilters) -> MetricResult:
    """Heartbeat-monitor uptime per period: overall (mean over monitors) first, then one
    series per monitor. Paused monitors are left out."""
    monitors = list(Monitor.objects.exclude(status=MonitorStatus.PAUSED).order_by("name"))
    if not monitors:
        return MetricResult(
            metric=METRICS["uptime"],
            filters=f,
            series=[],
            tracked=False,
            note="No heartbeat monitor is set up in governance yet.",
        )
    buckets, windows = _period_windows(f)
    figures = monitor_uptimes(monitors, windows)
    overall = [_mean([v for v in row.values() if v is not None]) for row in figures]
    counts = [sum(v is not None for v in row.values()) for row in figures]
    series = [Series(key="all", label="All monitors", points=_points(f, buckets, overall, counts))]
    for m in monitors:
        values = [row.get(m.pk) for row in figures]
        series.append(
            Series(
                key=str(m.pk),
                label=m.name,
                points=_points(f, buckets, values, [int(v is not None) for v in values]),
            )
        )
    return MetricResult(metric=METRICS["uptime"], filters=f, series=series)


def _seconds(expression: Expression) -> Func:
    return Func(
        expression, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField()
    )


def mttr(f: MetricFilters) -> MetricResult:
    """Mean hours from opened to resolved over incidents resolved in each period (one
    query); `extra["mtta_hours"]`: mean hours to acknowledge over those acknowledged."""
    buckets, lo, hi = _window(f)
    rows = list(
        Incident.objects.filter(resolved_at__gte=lo, resolved_at__lt=hi)
        .annotate(bucket=Trunc("resolved_at", f.period, tzinfo=zone()))
        .values("bucket")
        .annotate(
            value=Avg(_seconds(F("resolved_at") - F("opened_at"))) / Value(3600.0),
            mtta_hours=Avg(
                _seconds(F("acknowledged_at") - F("opened_at")),
                filter=Q(acknowledged_at__isnull=False),
            )
            / Value(3600.0),
            n=Count("*"),
        )
        .order_by()
    )
    series = _assemble(f, buckets, rows, extras=("mtta_hours",))
    return MetricResult(metric=METRICS["mttr"], filters=f, series=series)
