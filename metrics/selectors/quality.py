"""Data-quality figures from governance's stored check results: completeness, accuracy,
duplicates and attribution coverage of the contracted datasets.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import F
from django.db.models.functions import Trunc

from governance.models import CheckResult, CheckRun

from ..definitions import METRICS
from ..filters import MetricFilters
from .results import MetricResult, Series, _mean, _points
from .scope import _window, zone

RUN_SCORES = {"data_completeness": "score_completeness", "data_accuracy": "score_validity"}
DUPLICATE_KINDS = ("duplicates", "duplicates_normalised")
COVERAGE_KINDS = ("coverage_value", "coverage")  # preferred first: pipeline value


def _latest_results(f: MetricFilters, kinds: tuple[str, ...]) -> tuple[list[date], list[dict]]:
    """The latest stored result of each (dataset, check key) in each period (DISTINCT ON)."""
    buckets, lo, hi = _window(f)
    rows = list(
        CheckResult.objects.filter(
            kind__in=kinds,
            value__isnull=False,
            run__started_at__gte=lo,
            run__started_at__lt=hi,
            run__dataset__contract__isnull=False,
        )
        .annotate(bucket=Trunc("run__started_at", f.period, tzinfo=zone()))
        .order_by("run__dataset_id", "bucket", "key", "-run__started_at", "-run_id")
        .distinct("run__dataset_id", "bucket", "key")
        .values("run__dataset_id", "bucket", "key", "kind", "value")
    )
    return buckets, rows


def _latest_scores(f: MetricFilters, field: str) -> tuple[list[date], list[dict]]:
    buckets, lo, hi = _window(f)
    rows = list(
        CheckRun.objects.filter(
            **{f"{field}__isnull": False},
            started_at__gte=lo,
            started_at__lt=hi,
            dataset__contract__isnull=False,
        )
        .annotate(bucket=Trunc("started_at", f.period, tzinfo=zone()), score=F(field))
        .order_by("dataset_id", "bucket", "-started_at", "-pk")
        .distinct("dataset_id", "bucket")
        .values("dataset_id", "bucket", "score")
    )
    return buckets, [{**r, "run__dataset_id": r["dataset_id"], "value": r["score"]} for r in rows]


def _per_dataset(rows: list[dict], key: str) -> dict[date, dict[int, float]]:
    """{bucket day: {dataset: figure}} from latest rows, reduced per dataset by `key`:
    'score' (one row), 'worst' (highest duplicates), 'coverage' (100 − % uncovered, the
    pipeline-value check when the dataset has one)."""
    tz = zone()
    out: dict[date, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        out[r["bucket"].astimezone(tz).date()][r["run__dataset_id"]].append(r)
    reduced: dict[date, dict[int, float]] = {}
    for day, by_dataset in out.items():
        reduced[day] = {}
        for dataset_id, results in by_dataset.items():
            if key == "worst":
                reduced[day][dataset_id] = max(r["value"] for r in results)
            elif key == "coverage":
                by_value = [r for r in results if r["kind"] == "coverage_value"]
                chosen = by_value or results
                reduced[day][dataset_id] = 100.0 - max(r["value"] for r in chosen)
            else:
                reduced[day][dataset_id] = results[0]["value"]
    return reduced


def data_health(key: str, f: MetricFilters) -> MetricResult:
    """Latest stored data-health figure per contracted dataset in each period, averaged over
    datasets (see the definitions). One query."""
    if key in RUN_SCORES:
        buckets, rows = _latest_scores(f, RUN_SCORES[key])
        reduced = _per_dataset(rows, "score")
    elif key == "duplicates_per_1k":
        buckets, rows = _latest_results(f, DUPLICATE_KINDS)
        reduced = _per_dataset(rows, "worst")
    elif key == "attribution_coverage":
        buckets, rows = _latest_results(f, COVERAGE_KINDS)
        reduced = _per_dataset(rows, "coverage")
    else:
        raise KeyError(key)
    if not rows:
        return MetricResult(
            metric=METRICS[key],
            filters=f,
            series=[
                Series(
                    key="all",
                    label="All",
                    points=_points(f, buckets, [None] * len(buckets), [0] * len(buckets)),
                )
            ],  # fmt: skip
            note="No stored check result for a contracted dataset in this range.",
        )
    values = [_mean(list(reduced.get(b, {}).values())) for b in buckets]
    counts = [len(reduced.get(b, {})) for b in buckets]
    series = [Series(key="all", label="All", points=_points(f, buckets, values, counts))]
    return MetricResult(metric=METRICS[key], filters=f, series=series)
