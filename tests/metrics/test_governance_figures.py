"""Uptime, MTTR/MTTA, data health and the monitoring checklist item, from a hand-built
governance history (weeks of 30 June and 7 July 2025, MOPS time zone), worked out by hand:

Monitors (W28 = Mon 7 Jul 00:00 → Mon 14 Jul 00:00):
    hourly   period 1 h, grace 15 min, started Mon 7/7 00:00, pings every hour on the hour
             except 10:00 and 11:00 on Mon 7/7, then 12:15 → down 10:15–12:15 = 2 h.
             Mon 7/7 alone: 100 × (1 − 2/24) = 91.67 %; W28: 100 × (1 − 2/168) = 98.81 %.
             W27: not watching yet (None).
    nightly  period 1 day, grace 1 h, started Mon 7/7 02:00, pinged daily at 02:00 → 100 %.
    paused   paused, never pinged → left out.
    W28 overall = (98.8095 + 100) / 2 = 99.40 %.
Incidents:
    resolved in W27: opened Tue 1/7 09:00, resolved 13:00 → 4 h
    resolved in W28: 30 min (acknowledged after 10 min) and 90 min (acknowledged after 30 min)
                     → MTTR 1.0 h, MTTA 20 min = 0.33 h; one still open (not counted)
Data health (A, B contracted; C has no contract and is ignored):
    W27: A completeness 50
    W28: A run1 (Tue) completeness 80 validity 90, e-mail duplicates 20/1k
         A run2 (Thu) completeness 96 validity 98, key duplicates 2, e-mail duplicates 6,
                      coverage 4 % rows uncovered, coverage_value 12 % of value uncovered
         B run (Wed)  completeness 90 validity 70, key duplicates 1, coverage 2 % uncovered
         C run (Wed)  completeness 10
    → completeness (96 + 90) / 2 = 93; accuracy (98 + 70) / 2 = 84;
      duplicates per 1k (worst latest per dataset): (6 + 1) / 2 = 3.5;
      attribution coverage: A 100 − 12 (pipeline value) = 88, B 100 − 2 = 98 → 93.
"""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.models import (
    CheckResult,
    CheckRun,
    DataContract,
    Dataset,
    Incident,
    Monitor,
    MonitorStatus,
    Ping,
    Rotation,
    RotationMember,
    Warehouse,
)
from metrics import selectors
from metrics.checklist import MET, PARTIAL, checklist_evaluate
from metrics.filters import MetricFilters
from metrics.impact.services import review_acknowledge
from mops.notify.models import Channel

pytestmark = pytest.mark.django_db

W27, W28 = date(2025, 6, 30), date(2025, 7, 7)
WEEKS = MetricFilters(period="week", start=W27, end=date(2025, 7, 13))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=selectors.zone())


def points(result, series=0):
    return {p.start: p for p in result.series[series].points}


@pytest.fixture
def monitors():
    hourly = Monitor.objects.create(
        name="hourly sync",
        period=timedelta(hours=1),
        grace=timedelta(minutes=15),
        started_at=at(7, 7),
        status=MonitorStatus.UP,
    )
    beats = [at(7, 7) + timedelta(hours=h) for h in range(7 * 24)]
    beats = [b for b in beats if b not in (at(7, 7, 10), at(7, 7, 11), at(7, 7, 12))]
    beats.append(at(7, 7, 12, 15))
    Ping.objects.bulk_create(Ping(monitor=hourly, received_at=b) for b in beats)
    nightly = Monitor.objects.create(
        name="nightly export",
        period=timedelta(days=1),
        grace=timedelta(hours=1),
        started_at=at(7, 7, 2),
        status=MonitorStatus.UP,
    )
    Ping.objects.bulk_create(
        Ping(monitor=nightly, received_at=at(7, 7, 2) + timedelta(days=d)) for d in range(7)
    )
    Monitor.objects.create(name="paused job", status=MonitorStatus.PAUSED, started_at=at(7, 7))
    return {"hourly": hourly, "nightly": nightly}


def test_one_two_hour_outage_in_a_day_is_91_67_percent_uptime(monitors):
    figures = selectors.monitor_uptimes([monitors["hourly"]], [(at(7, 7), at(7, 8))])
    assert round(figures[0][monitors["hourly"].pk], 2) == 91.67


def test_uptime_per_period_overall_and_per_monitor(monitors):
    result = selectors.uptime(WEEKS)
    assert result.tracked is True
    overall = points(result)
    assert overall[W28].value == 99.4 and overall[W28].count == 2
    assert overall[W27].value is None and overall[W27].count == 0  # not watching yet
    by_name = {s.label: {p.start: p.value for p in s.points} for s in result.series[1:]}
    assert by_name == {
        "hourly sync": {W27: None, W28: 98.81},
        "nightly export": {W27: None, W28: 100.0},
    }  # the paused monitor is left out


def test_uptime_query_count_does_not_grow_with_periods(monitors, django_assert_num_queries):
    with django_assert_num_queries(2):  # the monitors, then one statement for every figure
        selectors.uptime(MetricFilters(period="week", start=date(2025, 4, 7), end=W28))


def _uptime_by_the_pure_rule(monitor, pings, start, end):
    """The reference: governance's pure outage rule applied to one window in Python."""
    from governance.health import uptime as pure

    seen = sorted(p for p in pings if p <= end)
    last_before = max((p for p in seen if p <= start), default=None)
    if last_before is None and monitor.started_at >= end:
        return None
    outages = pure.outages_from_pings(
        ([last_before] if last_before else []) + [p for p in seen if p > start],
        period=monitor.period,
        grace=monitor.grace,
        window_start=start,
        window_end=end,
        started_at=None if last_before else max(monitor.started_at, start),
    )
    return pure.uptime_percent(start, end, outages)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    histories=st.lists(
        st.tuples(
            st.sampled_from([15, 60, 240, 1440]),  # period, minutes
            st.sampled_from([0, 5, 30]),  # grace, minutes
            st.integers(-3000, 9000),  # started, minutes after the first window starts
            st.lists(st.integers(-4000, 11000), max_size=40),  # pings, minutes
        ),
        min_size=1,
        max_size=3,
    ),
    cuts=st.lists(st.integers(1, 3000), min_size=1, max_size=4),
)
def test_uptime_sql_agrees_with_the_pure_rule_on_any_history(db, histories, cuts):
    """The SQL statement and governance's pure rule give the same uptime for every monitor
    and window: gaps across window edges, pings before the start, idle monitors, duplicates."""
    Ping.objects.all().delete()
    Monitor.objects.all().delete()
    origin = at(7, 7)
    minutes = [0]
    for cut in cuts:
        minutes.append(minutes[-1] + cut)
    windows = [
        (origin + timedelta(minutes=a), origin + timedelta(minutes=b))
        for a, b in zip(minutes, minutes[1:], strict=False)
    ]
    made = []
    for n, (period, grace, started, pings) in enumerate(histories):
        monitor = Monitor.objects.create(
            name=f"m{n}",
            period=timedelta(minutes=period),
            grace=timedelta(minutes=grace),
            started_at=origin + timedelta(minutes=started),
            status=MonitorStatus.UP,
        )
        beats = [origin + timedelta(minutes=p) for p in pings]
        Ping.objects.bulk_create(Ping(monitor=monitor, received_at=b) for b in beats)
        made.append((monitor, beats))
    figures = selectors.monitor_uptimes([m for m, _ in made], windows)
    for (start, end), row in zip(windows, figures, strict=True):
        for monitor, beats in made:
            expected = _uptime_by_the_pure_rule(monitor, beats, start, end)
            if expected is None:
                assert row[monitor.pk] is None
            else:
                assert row[monitor.pk] == pytest.approx(expected, abs=1e-9)


def incident(key, opened, resolved=None, acknowledged=None):
    return Incident.objects.create(
        source_key=key,
        source=Incident.Source.MONITOR,
        title=key,
        status="resolved" if resolved else "open",
        opened_at=opened,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
    )


def test_mttr_is_the_mean_time_to_resolve_incidents_resolved_in_the_period():
    incident("w27", at(7, 1, 9), resolved=at(7, 1, 13))
    incident("a", at(7, 8, 10), resolved=at(7, 8, 10, 30), acknowledged=at(7, 8, 10, 10))
    incident("b", at(7, 9, 9), resolved=at(7, 9, 10, 30), acknowledged=at(7, 9, 9, 30))
    incident("open", at(7, 9, 9))
    result = selectors.mttr(WEEKS)
    week = points(result)
    assert week[W27].value == 4.0 and week[W27].count == 1
    assert week[W28].value == 1.0 and week[W28].count == 2 and week[W28].previous == 4.0
    assert week[W28].extra["mtta_hours"] == 0.33
    assert week[W27].extra["mtta_hours"] is None
    assert week[W28].change == -3.0 and result.trend_good is True  # lower is better


@pytest.fixture
def health():
    warehouse = Warehouse.objects.create(name="app")
    a = Dataset.objects.create(warehouse=warehouse, schema="crm", table="contacts")
    b = Dataset.objects.create(warehouse=warehouse, schema="crm", table="opportunities")
    c = Dataset.objects.create(warehouse=warehouse, schema="crm", table="scratch")
    for dataset in (a, b):
        DataContract.objects.create(dataset=dataset, status="published", spec={"fields": []})

    def run(dataset, when, results=(), **scores):
        r = CheckRun.objects.create(dataset=dataset, status="pass", started_at=when, **scores)
        for key, kind, value in results:
            CheckResult.objects.create(
                run=r, key=key, kind=kind, dimension="x", status="pass", value=value
            )
        return r

    run(a, at(7, 2, 9), score_completeness=50)
    run(a, at(7, 8, 9), [("a.email.dupe", "duplicates_normalised", 20)],
        score_completeness=80, score_validity=90)  # fmt: skip
    run(
        a,
        at(7, 10, 9),
        [
            ("a.pk.dupe", "duplicates", 2),
            ("a.email.dupe", "duplicates_normalised", 6),
            ("a.coverage", "coverage", 4),
            ("a.coverage_value", "coverage_value", 12),
        ],
        score_completeness=96,
        score_validity=98,
    )
    run(b, at(7, 9, 9), [("b.pk.dupe", "duplicates", 1), ("b.coverage", "coverage", 2)],
        score_completeness=90, score_validity=70)  # fmt: skip
    run(c, at(7, 9, 9), [("c.coverage", "coverage", 90)], score_completeness=10)
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("key", "w27", "w28"),
    [
        ("data_completeness", 50.0, 93.0),
        ("data_accuracy", None, 84.0),
        ("duplicates_per_1k", None, 3.5),
        ("attribution_coverage", None, 93.0),
    ],
)
def test_data_health_is_the_latest_stored_figure_per_contracted_dataset(health, key, w27, w28):
    result = selectors.metric_result(key, WEEKS)
    week = points(result)
    assert (week[W27].value, week[W28].value) == (w27, w28)
    assert week[W28].count == 2  # datasets A and B; C has no contract


def test_data_health_figure_is_one_query(health, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.data_health("attribution_coverage", WEEKS)


def test_data_health_figures_together_equal_each_alone(health, django_assert_num_queries):
    keys = ["data_completeness", "data_accuracy", "duplicates_per_1k", "attribution_coverage"]
    with django_assert_num_queries(3):  # two run scores, one for both check-result figures
        together = selectors.data_health_figures(keys, WEEKS)
    assert list(together) == keys
    for key in keys:
        alone = selectors.data_health(key, WEEKS)
        shown = [(p.start, p.value, p.count, p.previous) for p in alone.series[0].points]
        assert [
            (p.start, p.value, p.count, p.previous) for p in together[key].series[0].points
        ] == (shown)
    assert points(together["duplicates_per_1k"])[W28].value == 3.5
    assert points(together["attribution_coverage"])[W28].value == 93.0


def test_monitoring_and_attribution_items_read_governance(health, monitors, users):
    health["b"].schedule = ""
    health["b"].save(update_fields=["schedule"])
    CheckRun.objects.create(dataset=health["a"], started_at=timezone.now() - timedelta(days=1))
    items = {i.key: i for i in checklist_evaluate()}
    monitoring = items["monitoring"]
    assert monitoring.status == PARTIAL
    assert "1 of 2 contracted dataset(s) have a check schedule." in monitoring.evidence
    assert any("1 data-health check run(s)" in e for e in monitoring.evidence)
    assert any("on-call rotation" in m for m in monitoring.missing)  # no alert channel yet
    # (88 + 98) / 2 = 93 > 90, but no monthly impact review acknowledged yet
    assert items["attribution"].status == PARTIAL
    assert items["attribution"].evidence[0].startswith("Latest attribution coverage: 93%")
    assert any("impact review" in m for m in items["attribution"].missing)
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    review_acknowledge(month=last_month, actor=users["leadership"])
    items = {i.key: i for i in checklist_evaluate()}
    assert items["attribution"].status == MET
    assert f"Impact review of {last_month:%Y-%m} acknowledged by leadership." in (
        items["attribution"].evidence
    )
    assert "2 published data contract(s)." in items["taxonomy_contract"].evidence

    rotation = Rotation.objects.create(name="data on-call")
    RotationMember.objects.create(rotation=rotation, user=users["engineer"], position=0)
    rotation.channels.add(Channel.objects.create(name="ops", kind="email", target="a@b.co"))
    health["b"].schedule = "0 * * * *"
    health["b"].save(update_fields=["schedule"])
    monitoring = {i.key: i for i in checklist_evaluate()}["monitoring"]
    assert monitoring.status == MET and monitoring.missing == []
    assert any("2 heartbeat monitor(s) alert" in e for e in monitoring.evidence)


def test_dashboard_panels_show_the_governance_figures(health, monitors, client_for):
    client = client_for("leadership")
    query = "period=week&from=2025-06-30&to=2025-07-13"
    html = client.get(f"/metrics/?{query}").content.decode()
    assert "hourly sync (whole range)" in html and "99.4" in html and "93.0" in html
    rows = client.get(f"/metrics/export/reliability.csv?{query}").content.decode()
    assert "99.4" in rows and "98.8" in rows
    rows = client.get(f"/metrics/export/data_health.csv?{query}").content.decode()
    assert "3.5" in rows and "84.0" in rows
