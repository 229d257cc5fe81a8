"""Reads: every figure as SQL aggregates over `RequestFact` (and the NPS answers), bucketed
by period in the MOPS time zone, per class / service / team / channel, with the value of
the previous period next to each one. One query per figure, whatever the number of
requests; nothing is aggregated in Python.

The figures live in one module per family (`delivery`: TTC, SLA and flow; `backlog`;
`reliability`: uptime and MTTR; `quality`: data health; `outcomes`: NPS and experiments;
`drill`: the requests behind a number). This package is the entry point: `metric_result`
picks the family of a key, and every public name stays importable from `metrics.selectors`.
"""

from __future__ import annotations

from ..filters import MetricFilters
from .backlog import backlog_aging
from .delivery import (
    REQUEST_FIGURES,
    TTC_BINS,
    RequestFigure,
    request_figure,
    request_figures,
    request_figures_queryset,
    rolled_figures_queryset,
    self_serve_completions_queryset,
    ttc_bin_label,
    ttc_distribution,
)
from .drill import DRILL_QUERIES, drill_facts
from .outcomes import experiments, nps
from .quality import data_health, data_health_figures
from .reliability import monitor_uptimes, mttr, uptime
from .results import MetricResult, Point, Series
from .scope import GROUPS, _period_ends, _period_windows, _window, facts_filtered, filtered, zone

__all__ = [
    "DRILL_QUERIES",
    "GROUPS",
    "REQUEST_FIGURES",
    "TTC_BINS",
    "MetricResult",
    "Point",
    "RequestFigure",
    "Series",
    "_period_ends",
    "_period_windows",
    "_window",
    "backlog_aging",
    "data_health",
    "data_health_figures",
    "drill_facts",
    "experiments",
    "facts_filtered",
    "filtered",
    "group_by_error",
    "metric_result",
    "monitor_uptimes",
    "mttr",
    "nps",
    "request_figure",
    "request_figures",
    "request_figures_queryset",
    "rolled_figures_queryset",
    "self_serve_completions_queryset",
    "ttc_bin_label",
    "ttc_distribution",
    "uptime",
    "zone",
]


def metric_result(key: str, f: MetricFilters) -> MetricResult:
    """Any figure by key (see `definitions.METRICS`)."""
    if key in REQUEST_FIGURES:
        return request_figure(key, f)
    if key == "backlog_aging":
        return backlog_aging(f)
    if key == "nps":
        return nps(f)
    if key == "uptime":
        return uptime(f)
    if key == "mttr":
        return mttr(f)
    if key in ("data_completeness", "data_accuracy", "duplicates_per_1k", "attribution_coverage"):
        return data_health(key, f)
    if key == "experiments":
        return experiments(f)
    raise KeyError(key)


def group_by_error(key: str, group_by: str) -> str | None:
    """Why `group_by` does not apply to figure `key`, or None when it does."""
    if not group_by:
        return None
    if key == "nps":
        return None if group_by == "group" else "NPS is grouped by requester group only."
    if key in REQUEST_FIGURES or key == "backlog_aging":
        return (
            None
            if group_by in GROUPS
            else "Request figures group by class, service, team or channel."
        )
    return None
