"""Outcome figures: NPS from the requester surveys and the experiments concluded."""

from __future__ import annotations

from django.db.models import Avg, Count, FloatField, Q, Value
from django.db.models.functions import Cast, NullIf, Trunc

from mops.accounts.models import Team
from releases.experiments.models import Experiment, ExperimentStatus

from ..definitions import METRICS
from ..filters import MetricFilters
from ..models import NpsResponse
from .results import MetricResult, _assemble, _zero_fill
from .scope import _window, zone


def nps(f: MetricFilters) -> MetricResult:
    """NPS = %promoters (9–10) − %detractors (0–6) of the answers received in each period."""
    buckets, lo, hi = _window(f)
    qs = NpsResponse.objects.filter(responded_at__gte=lo, responded_at__lt=hi)
    if f.group:
        qs = qs.filter(group=f.group)
    if f.team_id:
        qs = qs.filter(invitation__requester__team_id=f.team_id)
    by_group = f.group_by == "group"
    total = NullIf(Count("*"), Value(0))
    value = (
        Cast(
            Count(Value(1), filter=Q(score__gte=9)) - Count(Value(1), filter=Q(score__lte=6)),
            FloatField(),
        )
        * Value(100.0)
        / Cast(total, FloatField())
    )
    rows = list(
        qs.annotate(bucket=Trunc("responded_at", f.period, tzinfo=zone()))
        .values("bucket", *(("group",) if by_group else ()))
        .annotate(value=value, n=Count("*"))
        .order_by()
    )
    series = _assemble(
        f,
        buckets,
        rows,
        group_label=(lambda r: (r["group"], Team.Group(r["group"]).label)) if by_group else None,
    )
    return MetricResult(metric=METRICS["nps"], filters=f, series=series)


def experiments(f: MetricFilters) -> MetricResult:
    """Experiments concluded per period, from releases' experiment register (one query):
    value and count = how many concluded; `extra["met_power"]` = how many of them reached
    their required sample per variant; `extra["cost_per_experiment"]` = their mean cost,
    over those with a cost recorded. The team and channel filters apply; class and service
    do not (an experiment has neither)."""
    buckets, lo, hi = _window(f)
    qs = Experiment.objects.filter(
        status=ExperimentStatus.CONCLUDED, concluded_at__gte=lo, concluded_at__lt=hi
    )
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    rows = list(
        qs.annotate(bucket=Trunc("concluded_at", f.period, tzinfo=zone()))
        .values("bucket")
        .annotate(
            value=Count("*"),
            n=Count("*"),
            met_power=Count(Value(1), filter=Q(met_power=True)),
            cost_per_experiment=Avg("cost"),
        )
        .order_by()
    )
    series = _assemble(f, buckets, rows, extras=("met_power", "cost_per_experiment"))
    _zero_fill(series)  # counts: an empty period is zero, not "no data"
    for s in series:
        for p in s.points:
            p.extra["met_power"] = p.extra["met_power"] or 0.0
    ignored = [
        name for name, value in (("class", f.complexity), ("service", f.service_id)) if value
    ]
    note = (
        f"The {' and '.join(ignored)} filter{'s do' if len(ignored) > 1 else ' does'} not apply "
        "to experiments."
        if ignored
        else ""
    )
    return MetricResult(metric=METRICS["experiments"], filters=f, series=series, note=note)
