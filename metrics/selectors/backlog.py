"""Backlog aging: the share of open requests older than `AGING_DAYS` at each period end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, F, Func, IntegerField, Q, Value

from catalog.models import Service
from mops.accounts.models import Team

from ..definitions import AGING_DAYS, METRICS
from ..filters import MetricFilters
from .results import MetricResult, _assemble
from .scope import GROUPS, _period_ends, _window, facts_filtered


def _open_at(moment: datetime) -> Q:
    return Q(submitted_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment))


def _instants_up_to(field: str, instants: list[datetime]) -> Func:
    """How many of `instants` (ascending) are at or before the row's `field`: one
    `width_bucket` binary search (NULL for a NULL field)."""
    return Func(
        F(field),
        Value(instants, output_field=ArrayField(DateTimeField())),
        template="width_bucket(%(expressions)s)",
        output_field=IntegerField(),
    )


def _column(group_by: str) -> str:
    """The facts' own column a grouping reads ('' for none): the grouped statement groups
    by it, not by joined names, so its rows stay narrow."""
    if group_by not in GROUPS:
        return ""
    field = GROUPS[group_by][0][0]
    return f"{field.split('__')[0]}_id" if "__" in field else field


def _group_values(group_by: str, keys: list[object]) -> dict[object, dict[str, object]]:
    """The `GROUPS` fields (e.g. service__slug, service__name) of each grouped key: the
    key itself for a plain column, else the related rows read by id (one query)."""
    fields = GROUPS[group_by][0]
    if "__" not in fields[0]:
        return {key: {fields[0]: key} for key in keys}
    relation = fields[0].split("__")[0]
    related = Service.objects.all() if relation == "service" else Team.objects.all()
    attrs = [name.split("__", 1)[1] for name in fields]
    found = {
        row["pk"]: {name: row[attr] for name, attr in zip(fields, attrs, strict=True)}
        for row in related.filter(pk__in=[k for k in keys if k is not None]).values("pk", *attrs)
    }
    return {key: found.get(key, dict.fromkeys(fields)) for key in keys}


def _open_and_aged(
    f: MetricFilters, ends: list[datetime]
) -> dict[object, tuple[list[int], list[int]]]:
    """Per group: how many requests were open, and open and aged, at each instant of `ends`.

    A request is open at T when submitted_at < T ≤ ended_at (or not ended), aged when also
    submitted_at < T − AGING_DAYS, so the ends at which it is open are one run of indexes:
    from the number of ends at or before its submission to the number at or before its end.
    The statement counts requests per (group, place of submission among the ends and the
    aging thresholds, place of the end among the ends) — a few hundred rows whatever the
    number of requests — and the runs are added up here: one pass over the facts with two
    binary searches per row, instead of a pair of FILTERs per period end (18 conditions per
    row for the 8-quarter view: three times the CPU).
    """
    thresholds = [moment - timedelta(days=AGING_DAYS) for moment in ends]
    # both lists in one ascending list: a submission's place in it tells how many ends and
    # how many thresholds are at or before it (ties are all before it or all after)
    merged = sorted([(moment, True) for moment in ends] + [(t, False) for t in thresholds])
    ends_before = [0]
    thresholds_before = [0]
    for _, is_end in merged:
        ends_before.append(ends_before[-1] + is_end)
        thresholds_before.append(thresholds_before[-1] + (not is_end))
    column = _column(f.group_by)
    fields = (column,) if column else ()
    cells = (
        facts_filtered(f)
        .filter(submitted_at__lt=ends[-1])
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=min(ends)))
        .annotate(
            place=_instants_up_to("submitted_at", [moment for moment, _ in merged]),
            closes=_instants_up_to("ended_at", ends),
        )
        .values(*fields, "place", "closes")
        .annotate(n=Count("*"))
        .order_by()
    )
    # The planner takes each width_bucket for as many groups as rows (it cannot know there
    # are at most ~20), so the statement's cost passes jit_above_cost and the backend spent
    # ~150 ms compiling it, and the page's later statements ran slower after it: JIT off for
    # this one statement (SET LOCAL ends with the transaction).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        rows = list(cells)
    counts: dict[object, tuple[list[int], list[int]]] = {}
    if not column:
        counts[None] = ([0] * len(ends), [0] * len(ends))
    for cell in rows:
        opened, aged = counts.setdefault(
            cell[column] if column else None, ([0] * len(ends), [0] * len(ends))
        )
        closes = len(ends) if cell["closes"] is None else cell["closes"]
        for i in range(ends_before[cell["place"]], closes):
            opened[i] += cell["n"]
        for i in range(thresholds_before[cell["place"]], closes):
            aged[i] += cell["n"]
    return counts


def _aging_rows(
    buckets: list[date], opened: list[int], aged: list[int], **group: object
) -> list[dict]:
    return [
        {
            **group,
            "day": start,
            "value": 100.0 * aged[i] / opened[i] if opened[i] else None,
            "n": opened[i],
            "aged": aged[i],
        }
        for i, start in enumerate(buckets)
    ]


def backlog_aging(f: MetricFilters) -> MetricResult:
    """Per period end T: open(T) and aged(T), per group, from one grouped statement."""
    buckets, _, _ = _window(f)
    counts = _open_and_aged(f, _period_ends(buckets, f))
    group = GROUPS.get(f.group_by)
    values = _group_values(f.group_by, list(counts)) if group else {None: {}}
    rows = []
    for key, (opened, aged) in counts.items():
        rows += _aging_rows(buckets, opened, aged, **values[key])
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
        opened = [sum(o[i] for o, _ in counts.values()) for i in range(len(buckets))]
        aged = [sum(a[i] for _, a in counts.values()) for i in range(len(buckets))]
        result.total = MetricResult(
            metric=METRICS["backlog_aging"],
            filters=f.with_(group_by=""),
            series=_assemble(
                f,
                buckets,
                _aging_rows(buckets, opened, aged),
                extras=("aged",),
                bucket_of=lambda r: r["day"],
            ),
        )
    return result
