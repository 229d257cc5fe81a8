"""The per-day rollup (`RequestDay`) stays exactly the sum of the facts whatever writes
them, and the figures read from it equal the figures read from the facts."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import rollup, selectors
from metrics.filters import MetricFilters
from metrics.models import RequestDay, RequestFact
from metrics.selectors import delivery

from .conftest import ny

WEEKS = MetricFilters(period="week", start=date(2025, 6, 2), end=date(2025, 7, 27))
MEASURES = ("n", "known", "met", "with_template", "self_serve", *(f"ttc_b{i}" for i in range(7)))
KEY = ("kind", "day", "service_id", "team_id", "complexity", "channel")


def rollup_rows() -> dict[tuple, tuple]:
    """The rollup as {key: measures}, rows that sum to nothing left out."""
    rows = {}
    for row in RequestDay.objects.values(*KEY, *MEASURES):
        measures = tuple(row[m] for m in MEASURES)
        if any(measures):
            rows[tuple(row[k] for k in KEY)] = measures
    return rows


def rebuilt_rows() -> dict[tuple, tuple]:
    """What a rebuild from the facts gives — computed, then rolled back."""
    from django.db import transaction

    class Undo(Exception):
        pass

    found: dict[tuple, tuple] = {}
    try:
        with transaction.atomic():
            rollup.rollup_rebuild()
            found = rollup_rows()
            raise Undo
    except Undo:
        pass
    return found


def test_the_migration_summed_the_facts_and_the_zone_is_in_step(history):
    assert rollup.rollup_zone() == "America/New_York" and rollup.rollup_in_step()
    assert rollup_rows() == rebuilt_rows()
    live = RequestDay.objects.filter(kind="live")
    assert sum(r.n for r in live) == RequestFact.objects.filter(live_at__isnull=False).count()


@pytest.mark.parametrize("group_by", ["", "class", "team", "service", "channel"])
def test_figures_from_the_rollup_equal_figures_from_the_facts(history, group_by, monkeypatch):
    keys = [k for k, fig in selectors.REQUEST_FIGURES.items() if fig.kind]
    f = WEEKS.with_(group_by=group_by)
    rolled = selectors.request_figures(keys, f)
    distribution = selectors.ttc_distribution(f)
    monkeypatch.setattr(delivery, "rollup_in_step", lambda: False)
    raw = selectors.request_figures(keys, f)
    assert selectors.ttc_distribution(f) == distribution
    assert any(c for _, c, _ in distribution)
    for key in keys:
        assert [s.label for s in rolled[key].series] == [s.label for s in raw[key].series]
        for a, b in zip(rolled[key].series, raw[key].series, strict=True):
            shown = [(p.start, p.value, p.count, p.previous, p.extra) for p in a.points]
            assert shown == [(p.start, p.value, p.count, p.previous, p.extra) for p in b.points]


when = st.one_of(
    st.none(), st.integers(0, 24 * 20).map(lambda h: ny(6, 28, 0) + timedelta(hours=h))
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(0, 9),  # which request's fact
            st.sampled_from(["save", "delete"]),
            st.tuples(when, when, when, when),  # submitted, triaged, accepted, live
            st.sampled_from([None, True, False]),
            st.sampled_from([None, True, False]),
            st.sampled_from(["simple", "standard", "complex"]),
            st.booleans(),
            st.integers(-1, 40 * 8 * 3600),  # TTC business seconds (-1: none)
        ),
        min_size=1,
        max_size=25,
    )
)
def test_any_sequence_of_fact_writes_keeps_the_rollup_equal_to_a_rebuild(history, changes):
    """Inserts, updates (moving a fact between days, kinds, classes) and deletes through the
    ORM: after each step the rollup is exactly what a rebuild computes."""
    requests = list(history.values())[:10]
    for index, action, (
        submitted,
        triaged,
        accepted,
        live,
    ), t_met, d_met, cls, tmpl, ttc in changes:
        request = requests[index]
        if action == "delete":
            RequestFact.objects.filter(request=request).delete()
        else:
            RequestFact.objects.update_or_create(
                request=request,
                defaults={
                    "service_id": request.service_id,
                    "team_id": request.team_id,
                    "complexity": cls,
                    "channel": "email",
                    "with_template": tmpl,
                    "submitted_at": submitted or ny(6, 30, 9),
                    "triaged_at": triaged,
                    "accepted_at": accepted,
                    "live_at": live,
                    "triage_met": t_met,
                    "delivery_met": d_met,
                    "ttc_business_seconds": None if ttc < 0 else ttc,
                    "day_seconds": 8 * 3600,
                },
            )
    assert rollup_rows() == rebuilt_rows()


def test_a_time_zone_change_reads_the_facts_until_the_rollup_is_rebuilt(history):
    """Days are local: after MOPS_TIME_ZONE changes the rollup is out of step, figures come
    from the facts (still right), and a rebuild moves every day to the new zone."""
    late = RequestFact.objects.exclude(submitted_at=None).order_by("pk").first()
    RequestFact.objects.filter(pk=late.pk).update(submitted_at=ny(7, 1, 22))  # 04:00 in Paris
    rollup._in_step = (0.0, False)
    with override_settings(TIME_ZONE="Europe/Paris"):
        assert not rollup.rollup_in_step()
        rollup.rollup_rebuild()
        assert rollup.rollup_in_step() and rollup.rollup_zone() == "Europe/Paris"
        days = set(RequestDay.objects.filter(kind="submitted").values_list("day", flat=True))
        assert date(2025, 7, 2) in days
    rollup._in_step = (0.0, False)
    assert not rollup.rollup_in_step()
    rollup.rollup_rebuild()
    assert rollup.rollup_in_step()


@pytest.mark.django_db(transaction=True)
def test_concurrent_fact_writes_on_the_same_rollup_row_lose_nothing(catalog, users):
    """Ten facts written at once from two connections, all landing on the same rollup
    row: the upserts serialise on that row and every one counts."""
    from tests.metrics.conftest import build_request

    requests = [
        build_request(catalog, users, f"C{i}", "launch", "simple", False, "requester", [])
        for i in range(10)
    ]
    RequestFact.objects.all().delete()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(chunk: list) -> None:
        try:
            barrier.wait()
            for request in chunk:
                RequestFact.objects.create(
                    request=request,
                    service_id=request.service_id,
                    team_id=request.team_id,
                    complexity="simple",
                    channel="email",
                    submitted_at=datetime(2025, 7, 1, 14, 0, tzinfo=selectors.zone()),
                    day_seconds=8 * 3600,
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(requests[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = RequestDay.objects.get(kind="submitted", day=date(2025, 7, 1))
    assert row.n == 10
    assert connection.vendor == "postgresql"
