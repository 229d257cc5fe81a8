"""The shape every figure returns (`MetricResult` of `Series` of `Point`) and how
query rows become it: zero-filled periods, each point carrying the previous period's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .. import periods
from ..definitions import MetricDefinition
from ..filters import MetricFilters
from .scope import zone


@dataclass
class Point:
    start: date
    label: str
    value: float | None
    count: int = 0
    previous: float | None = None
    extra: dict[str, float | None] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 2)

    def as_dict(self) -> dict[str, object]:
        return {
            "period_start": self.start.isoformat(),
            "label": self.label,
            "value": self.value,
            "count": self.count,
            "previous": self.previous,
            "change": self.change,
            **({"values": self.extra} if self.extra else {}),
        }


@dataclass
class Series:
    key: str
    label: str
    points: list[Point]


@dataclass
class MetricResult:
    metric: MetricDefinition
    filters: MetricFilters
    series: list[Series]
    tracked: bool = True
    note: str = ""
    total: MetricResult | None = None  # grouped results that also carry the overall figure

    @property
    def current(self) -> Point | None:
        if not self.series or not self.series[0].points:
            return None
        return self.series[0].points[-1]

    @property
    def trend(self) -> str:
        """'up', 'down', 'flat' or '' (nothing to compare)."""
        point = self.current
        if point is None or point.change is None:
            return ""
        return "flat" if point.change == 0 else ("up" if point.change > 0 else "down")

    @property
    def trend_good(self) -> bool | None:
        if self.trend in ("", "flat"):
            return None
        return (self.trend == "up") == (self.metric.better == "up")

    def as_dict(self) -> dict[str, object]:
        current = self.current
        return {
            **self.metric.as_dict(),
            "tracked": self.tracked,
            "note": self.note,
            "period": self.filters.period,
            "from": self.filters.first.isoformat() if self.filters.start else None,
            "to": self.filters.end.isoformat() if self.filters.end else None,
            "group_by": self.filters.group_by or None,
            "current": current.as_dict() if current else None,
            "trend": self.trend,
            "series": [
                {"key": s.key, "label": s.label, "points": [p.as_dict() for p in s.points]}
                for s in self.series
            ],
        }


def _assemble(
    f: MetricFilters,
    buckets: list[date],
    rows: list[dict],
    *,
    value: str = "value",
    extras: tuple[str, ...] = (),
    group_label: Callable[[dict], tuple[str, str]] | None = None,
    bucket_of: Callable[[dict], date] | None = None,
) -> list[Series]:
    """Rows (bucket, [group], value, n, extras) → one zero-filled series per group, each point
    carrying the previous period's value. The extra leading bucket only feeds `previous`."""

    def to_float(v: object) -> float | None:
        return None if v is None else round(float(v), 2)  # type: ignore[arg-type]

    tz = zone()
    grouped: dict[tuple[str, str], dict[date, dict]] = {}
    for row in rows:
        key = group_label(row) if group_label else ("all", "All")
        day = bucket_of(row) if bucket_of else row["bucket"].astimezone(tz).date()
        grouped.setdefault(key, {})[day] = row
    if not grouped and not group_label:
        grouped[("all", "All")] = {}
    result = []
    for (series_key, label), by_day in sorted(grouped.items(), key=lambda kv: kv[0][1]):
        points, previous = [], None
        for index, start in enumerate(buckets):
            day_row = by_day.get(start)
            current = to_float(day_row[value]) if day_row else None
            if index > 0 or len(buckets) == 1:
                points.append(
                    Point(
                        start=start,
                        label=periods.period_label(start, f.period),
                        value=current,
                        count=int(day_row["n"]) if day_row else 0,
                        previous=previous,
                        extra={e: to_float(day_row[e]) if day_row else None for e in extras},
                    )
                )
            previous = current
        result.append(Series(key=series_key, label=label, points=points))
    return result


def _zero_fill(series: list[Series]) -> None:
    """A count in an empty period is zero, not "no data"."""
    for s in series:
        for p in s.points:
            p.value = p.value or 0.0
            p.previous = p.previous if p.previous is not None else 0.0


def _points(
    f: MetricFilters, buckets: list[date], values: list[float | None], counts: list[int]
) -> list[Point]:
    points = []
    for i in range(1, len(buckets)) if len(buckets) > 1 else range(len(buckets)):
        value = None if values[i] is None else round(values[i], 2)  # type: ignore[arg-type]
        previous = values[i - 1] if i > 0 else None
        points.append(
            Point(
                start=buckets[i],
                label=periods.period_label(buckets[i], f.period),
                value=value,
                count=counts[i],
                previous=None if previous is None else round(previous, 2),
            )
        )
    return points


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
