"""Data-quality figures from governance's stored check results: completeness, accuracy,
duplicates and attribution coverage of the contracted datasets.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Trunc

from governance.models import CheckResult, CheckRun

from ..definitions import METRICS
from ..filters import MetricFilters
from .results import MetricResult, Series, _mean, _points
from .scope import _window, zone

RUN_SCORES = {"data_completeness": "score_completeness", "data_accuracy": "score_validity"}
DUPLICATE_KINDS = ("duplicates", "duplicates_normalised")
COVERAGE_KINDS = ("coverage_value", "coverage")  # preferred first: pipeline value
RESULT_KINDS: dict[str, tuple[str, ...]] = {
    "duplicates_per_1k": DUPLICATE_KINDS,
    "attribution_coverage": COVERAGE_KINDS,
}
REDUCTIONS = {"duplicates_per_1k": "worst", "attribution_coverage": "coverage"}  # _per_dataset


def _latest_results(
    f: MetricFilters, families: dict[str, tuple[str, ...]]
) -> tuple[list[date], dict[str, list[dict]]]:
    """Per figure, the latest stored result of each (dataset, check key) in each period among
    the figure's kinds (DISTINCT ON), for every figure asked in one statement: the figure is
    part of the DISTINCT ON key, so each gets the rows its own statement would."""
    buckets, lo, hi = _window(f)
    figure = Case(
        *(When(kind__in=kinds, then=Value(key)) for key, kinds in families.items()),
        output_field=CharField(),
    )
    rows = list(
        CheckResult.objects.filter(
            kind__in=[kind for kinds in families.values() for kind in kinds],
            value__isnull=False,
            run__started_at__gte=lo,
            run__started_at__lt=hi,
            run__dataset__contract__isnull=False,
        )
        .annotate(bucket=Trunc("run__started_at", f.period, tzinfo=zone()), figure=figure)
        .order_by("run__dataset_id", "bucket", "key", "figure", "-run__started_at", "-run_id")
        .distinct("run__dataset_id", "bucket", "key", "figure")
        .values("run__dataset_id", "bucket", "key", "kind", "value", "figure")
    )
    return buckets, {key: [r for r in rows if r["figure"] == key] for key in families}


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


def data_health_figures(keys: list[str], f: MetricFilters) -> dict[str, MetricResult]:
    """Latest stored data-health figure per contracted dataset in each period, averaged over
    datasets (see the definitions), by key: one query per run score, one for every figure
    read from check results."""
    unknown = [key for key in keys if key not in RUN_SCORES and key not in RESULT_KINDS]
    if unknown:
        raise KeyError(unknown[0])
    latest: dict[str, tuple[list[date], list[dict]]] = {}
    families = {key: RESULT_KINDS[key] for key in keys if key in RESULT_KINDS}
    if families:
        buckets, by_figure = _latest_results(f, families)
        latest.update({key: (buckets, rows) for key, rows in by_figure.items()})
    for key in keys:
        if key in RUN_SCORES:
            latest[key] = _latest_scores(f, RUN_SCORES[key])
    return {key: _health_result(key, f, *latest[key]) for key in keys}


def data_health(key: str, f: MetricFilters) -> MetricResult:
    """One data-health figure (see `data_health_figures`)."""
    return data_health_figures([key], f)[key]


def _health_result(
    key: str, f: MetricFilters, buckets: list[date], rows: list[dict]
) -> MetricResult:
    reduced = _per_dataset(rows, REDUCTIONS.get(key, "score"))
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
