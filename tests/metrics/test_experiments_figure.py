"""Experiment throughput from the experiment register, on a hand-built history.

Weeks start on Monday in New York (the MOPS time zone). The range is the weeks of 30 June
and 7 July 2025; the week of 23 June is the extra one in front that feeds `previous`.

    A  concluded Wed 25/6 12:00  met power              Demand Gen  e-mail  (week of 23/6)
    B  concluded Mon 30/6 09:00  met power   cost 1000  Demand Gen  e-mail  (30/6)
    C  concluded Sun  6/7 23:30  under-powered cost 500 Field       SMS     (30/6 in New York,
                                                         though already Mon 7/7 03:30 UTC)
    D  concluded Mon  7/7 00:30  met power   no cost    Demand Gen  e-mail  (7/7)
    E  stopped   Tue  8/7                               Demand Gen  e-mail  (not counted)
    F  running since Wed 2/7                            Demand Gen  e-mail  (not counted)
    G  concluded Mon 14/7 10:00  met power              Demand Gen  e-mail  (after the range)

    week of 30/6: 2 concluded (B, C), 1 met power, mean cost 750, previous 1 (A)
    week of  7/7: 1 concluded (D),    1 met power, no cost,       previous 2
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from metrics import selectors
from metrics.definitions import METRICS
from metrics.filters import MetricFilters
from releases.experiments import services

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
W26, W27, W28 = date(2025, 6, 23), date(2025, 6, 30), date(2025, 7, 7)
WEEKS = MetricFilters(period="week", start=W27, end=date(2025, 7, 13))
RANGE = "period=week&from=2025-06-30&to=2025-07-13"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NY)


def _experiment(users, name, *, team, channel="email", story, cost=None):
    """Create (a week before its first step) and walk an experiment through `story`:
    [(transition, when, observed sample or None)]. Required sample: 14,751 per variant."""
    first = story[0][1] if story else at(7, 1, 9)
    experiment = services.experiment_create(
        actor=users["pm"],
        now=first - timedelta(days=7),
        name=name,
        hypothesis="h",
        channel=channel,
        primary_metric="conversion",
        baseline_rate=Decimal("0.10"),
        minimum_detectable_effect=Decimal("0.10"),
        team=team,
        cost=cost,
    )
    for transition, when, observed in story:
        extra = {}
        if transition == "conclude":
            extra = {"result": "win", "learnings": "l", "observed_sample_per_variant": observed}
        if transition == "stop":
            extra = {"note": "tracking broke"}
        experiment = services.experiment_transition(
            experiment=experiment, name=transition, actor=users["engineer"], now=when, **extra
        )
    return experiment


MET, UNDER = 15000, 14000


@pytest.fixture
def register(users):
    demand, field = users["requester"].team, users["other_requester"].team

    def concluded(name, when, observed, **kw):
        story = [("start", when - timedelta(days=10), None), ("conclude", when, observed)]
        return _experiment(users, name, story=story, **kw)

    concluded("A", at(6, 25, 12), MET, team=demand)
    concluded("B", at(6, 30, 9), MET, team=demand, cost=Decimal("1000"))
    concluded("C", at(7, 6, 23, 30), UNDER, team=field, channel="sms", cost=Decimal("500"))
    concluded("D", at(7, 7, 0, 30), MET, team=demand)
    _experiment(
        users, "E", team=demand, story=[("start", at(7, 1, 9), None), ("stop", at(7, 8, 9), None)]
    )
    _experiment(users, "F", team=demand, story=[("start", at(7, 2, 9), None)])
    concluded("G", at(7, 14, 10), MET, team=demand)
    return {"demand": demand, "field": field}


def points(result):
    return [
        (
            p.start,
            p.value,
            p.count,
            p.previous,
            p.extra["met_power"],
            p.extra["cost_per_experiment"],
        )
        for p in result.series[0].points
    ]


def test_experiments_concluded_per_week(register):
    result = selectors.metric_result("experiments", WEEKS)
    assert result.tracked is True and result.note == ""
    assert points(result) == [
        (W27, 2.0, 2, 1.0, 1.0, 750.0),
        (W28, 1.0, 1, 2.0, 1.0, None),
    ]
    assert result.current.change == -1.0 and result.trend == "down"


def test_the_figure_is_one_query(register, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.experiments(WEEKS)


def test_team_and_channel_filters(register):
    demand = selectors.experiments(WEEKS.with_(team_id=register["demand"].pk))
    assert [(p.value, p.previous, p.extra["met_power"]) for p in demand.series[0].points] == [
        (1.0, 1.0, 1.0),  # B (A before)
        (1.0, 1.0, 1.0),  # D
    ]
    sms = selectors.experiments(WEEKS.with_(channel="sms"))
    assert [(p.value, p.extra["met_power"]) for p in sms.series[0].points] == [
        (1.0, 0.0),  # C: under-powered
        (0.0, 0.0),
    ]
    classed = selectors.experiments(WEEKS.with_(complexity="simple"))
    assert "class filter does not apply" in classed.note
    assert [p.value for p in classed.series[0].points] == [2.0, 1.0]


def test_an_empty_range_counts_zero(register):
    empty = selectors.experiments(MetricFilters(period="week", start=date(2025, 1, 6),
                                                end=date(2025, 1, 19)))  # fmt: skip
    assert [(p.value, p.previous, p.extra["met_power"]) for p in empty.series[0].points] == [
        (0.0, 0.0, 0.0),
        (0.0, 0.0, 0.0),
    ]


def test_months_and_a_single_bucket(register):
    months = selectors.experiments(
        MetricFilters(period="month", start=date(2025, 6, 1), end=date(2025, 7, 31))
    )
    assert [(p.start, p.value) for p in months.series[0].points] == [
        (date(2025, 6, 1), 2.0),  # A, B
        (date(2025, 7, 1), 3.0),  # C, D, G
    ]
    one = selectors.experiments(WEEKS.with_(bucket=W28))
    assert [(p.start, p.value) for p in one.series[0].points] == [(W28, 1.0)]


def test_definition_says_what_counts():
    text = METRICS["experiments"].definition
    assert text.startswith("Experiments concluded in the period; 'met power' counts those whose")
    assert "observed sample per variant reached the required size" in text


def test_api_returns_the_figure(register, api_for):
    data = api_for("leadership").get(f"/api/v1/metrics/experiments/?{RANGE}").json()
    assert data["tracked"] is True
    assert [(p["value"], p["values"]["met_power"]) for p in data["series"][0]["points"]] == [
        (2.0, 1.0),
        (1.0, 1.0),
    ]


def test_dashboard_throughput_has_an_experiments_column(register, client_for):
    html = client_for("leadership").get(f"/metrics/?{RANGE}").content.decode()
    assert "Experiments concluded" in html
    assert "3 concluded in the range, 2 of them met power" in html
    assert (
        "/releases/experiments/?status=concluded&amp;concluded_from=2025-06-30"
        "&amp;concluded_to=2025-07-06" in html
    )
    csv = client_for("leadership").get(f"/metrics/export/throughput.csv?{RANGE}").content.decode()
    header, first, second = csv.strip().splitlines()
    assert header.endswith("Experiments concluded")
    assert first.endswith(",2") and second.endswith(",1")


def test_the_drill_link_lists_the_experiments_of_the_period(register, client_for):
    html = (
        client_for("leadership")
        .get(
            "/releases/experiments/?status=concluded&concluded_from=2025-06-30&concluded_to=2025-07-06"
        )
        .content.decode()
    )
    names = {n for n in "ABCDEFG" if f">{n}</a>" in html}
    assert names == {"B", "C"}
