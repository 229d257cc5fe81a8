"""Every figure on the hand-built history of conftest.py, worked out by hand there."""

from datetime import date, timedelta

import pytest

from metrics import selectors
from metrics.facts import request_fact_refresh
from metrics.filters import MetricFilters
from metrics.models import RequestFact
from tests.metrics.conftest import ny

pytestmark = pytest.mark.django_db

W27, W28 = date(2025, 6, 30), date(2025, 7, 7)
WEEKS = MetricFilters(period="week", start=W27, end=date(2025, 7, 13))


def points(result, series=0):
    return {p.start: p for p in result.series[series].points}


def test_facts_hold_the_hand_computed_clocks(history):
    facts = {f.request.title: f for f in RequestFact.objects.select_related("request")}
    assert set(facts) == {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R10"}  # R9: draft
    hours = {name: (f.ttc_business_seconds or 0) / 3600 for name, f in facts.items()}
    assert hours["R1"] == 8 and hours["R2"] == 24 and hours["R3"] == 24
    assert hours["R4"] == 8 and hours["R5"] == 39.5
    assert facts["R4"].triage_business_seconds == 3 * 3600  # the pause over 4 July is excluded
    assert facts["R4"].triage_met is True
    assert facts["R2"].triage_met is False and facts["R2"].delivery_met is False
    assert facts["R6"].triage_met is False and facts["R6"].delivery_met is None
    assert facts["R10"].triaged_at is None and facts["R10"].ended_at is not None
    assert facts["R1"].self_serve and facts["R1"].with_template and facts["R1"].channel == "web"
    breaches = (
        RequestFact.objects.filter(triage_met=False).count()
        + RequestFact.objects.filter(delivery_met=False).count()
    )
    assert breaches == 3


def test_time_to_campaign_median_and_p90_in_business_and_calendar_days(history):
    result = selectors.metric_result("ttc", WEEKS)
    by_week = points(result)
    w27, w28 = by_week[W27], by_week[W28]
    # W27: R1 1.0, R2 3.0 → median 2.0; p90 = 1 + 0.9 × (3 − 1) = 2.8
    assert (w27.value, w27.extra["p90_business_days"], w27.count) == (2.0, 2.8, 2)
    assert (w27.extra["median_calendar_days"], w27.extra["p90_calendar_days"]) == (2.0, 2.8)
    # W28: R4 1.0, R3 3.0, R5 4.9375 → median 3.0; p90 = 3 + 0.8 × 1.9375 = 4.55
    assert (w28.value, w28.extra["p90_business_days"], w28.count) == (3.0, 4.55, 3)
    # calendar: 1.0, 4.3125, 6.0 → median 4.3125; p90 = 4.3125 + 0.8 × 1.6875 = 5.6625
    assert (w28.extra["median_calendar_days"], w28.extra["p90_calendar_days"]) == (4.31, 5.66)
    assert w28.previous == 2.0 and w28.change == 1.0
    assert result.trend == "up" and result.trend_good is False  # slower is worse


def test_delivery_and_triage_sla_adherence(history):
    delivery = points(selectors.metric_result("delivery_sla", WEEKS))
    assert delivery[W27].value == 50.0 and delivery[W27].extra["breached"] == 1  # R2
    assert delivery[W28].value == 100.0 and delivery[W28].change == 50.0
    triage = points(selectors.metric_result("triage_sla", WEEKS))
    # W27: R1 met, R2 breached, R3 met; W28: R4 met (pause excluded), R5 met, R6 breached
    assert triage[W27].value == triage[W28].value == 66.67
    assert triage[W28].extra["breached"] == 1
    assert selectors.metric_result("triage_sla", WEEKS).trend == "flat"


def test_delivery_sla_by_class(history):
    result = selectors.metric_result("delivery_sla", WEEKS.with_(group_by="class"))
    series = {s.key: {p.start: p.value for p in s.points} for s in result.series}
    assert series["simple"] == {W27: 50.0, W28: None}  # R1 met, R2 breached
    assert series["standard"] == {W27: None, W28: 100.0}  # R3, R4
    assert series["complex"] == {W27: None, W28: 100.0}  # R5


def test_throughput_counts_with_zero_filled_previous_week(history):
    submitted = points(selectors.metric_result("submitted", WEEKS))
    assert (submitted[W27].value, submitted[W28].value) == (5, 3)  # R1-R4, R10 | R5, R6, R8
    assert submitted[W27].previous == 0  # nothing submitted the week of 23 June
    accepted = points(selectors.metric_result("accepted", WEEKS))
    assert (accepted[W27].value, accepted[W28].value) == (3, 2)
    shipped = points(selectors.metric_result("shipped", WEEKS))
    assert (shipped[W27].value, shipped[W28].value) == (2, 3)


def test_backlog_aging_at_each_period_end(history):
    result = points(selectors.metric_result("backlog_aging", WEEKS))
    # end of W27 (Mon 7/7 00:00): open R3, R4, R7; R7 older than 14 days → 1/3
    assert (result[W27].count, result[W27].extra["aged"], result[W27].value) == (3, 1, 33.33)
    # end of W28 (Mon 14/7 00:00): open R7, R8; R7 aged → 1/2
    assert (result[W28].count, result[W28].extra["aged"], result[W28].value) == (2, 1, 50.0)
    # end of W26 (Mon 30/6 00:00): only R7, submitted 16/6 09:00, not yet 14 days old
    assert result[W27].previous == 0.0


@pytest.mark.parametrize("group_by", ["class", "service", "team", "channel"])
def test_backlog_aging_per_group_adds_up_to_the_overall_figure(history, group_by):
    # a fact with no team (a requester who had none), so the team grouping shows "No team"
    RequestFact.objects.filter(request__title="R7").update(team=None)
    overall = selectors.backlog_aging(WEEKS)
    grouped = selectors.backlog_aging(WEEKS.with_(group_by=group_by))
    assert grouped.total is not None
    for week in (W27, W28):
        point = points(overall)[week]
        members = [{p.start: p for p in s.points}[week] for s in grouped.series]
        assert sum(p.count for p in members) == point.count
        assert sum(p.extra["aged"] for p in members) == point.extra["aged"]
        total = points(grouped.total)[week]
        assert (total.count, total.extra["aged"], total.value) == (
            point.count,
            point.extra["aged"],
            point.value,
        )
    open_then = selectors.drill_facts("backlog_open", WEEKS.with_(bucket=W27)).select_related(
        "service", "team"
    )
    label = selectors.GROUPS[group_by][1]
    fields = selectors.GROUPS[group_by][0]
    expected = {label({f: _field(fact, f) for f in fields})[1] for fact in open_then}
    shown = {s.label for s in grouped.series if points(grouped, grouped.series.index(s))[W27].count}
    assert shown == expected
    if group_by == "team":
        assert "No team" in shown


def _field(fact, name):
    value = fact
    for part in name.split("__"):
        value = getattr(value, part) if value is not None else None
    return value


def test_template_reuse_and_self_serve_share(history):
    reuse = points(selectors.metric_result("template_reuse", WEEKS))
    assert (reuse[W27].value, reuse[W28].value) == (50.0, 66.67)  # R1 | R3, R5 of R3-R5
    self_serve = points(selectors.metric_result("self_serve_share", WEEKS))
    assert (self_serve[W27].value, self_serve[W28].value) == (50.0, 0.0)


def test_self_serve_share_counts_work_finished_with_no_request(history, catalog, users):
    from catalog.models import SelfServeCompletion
    from catalog.services import selfserve_complete

    for who in ("requester", "other_requester", "requester"):
        selfserve_complete(service=catalog["utm"], actor=users[who], outcome="Links built")
    # one in W27 (Wed 2 July), two in W28 (Wed 9 July), both in New York business hours
    done = list(SelfServeCompletion.objects.order_by("pk"))
    SelfServeCompletion.objects.filter(pk=done[0].pk).update(completed_at=ny(7, 2, 12))
    SelfServeCompletion.objects.filter(pk__in=[d.pk for d in done[1:]]).update(
        completed_at=ny(7, 9, 12)
    )
    share = points(selectors.metric_result("self_serve_share", WEEKS))
    # W27: (R1 + 1 completion) / (R1, R2 + 1) = 2/3; W28: (0 + 2) / (R3, R4, R5 + 2) = 2/5
    assert (share[W27].value, share[W28].value) == (66.67, 40.0)
    assert (share[W27].count, share[W28].count) == (3, 5)
    by_team = selectors.metric_result("self_serve_share", WEEKS.with_(group_by="team"))
    values = {s.label: [p.value for p in s.points] for s in by_team.series}
    # Demand Gen: W27 R1, R2 + 1 → 66.67; W28 R3, R5 + 1 → 33.33. Field: W28 R4 + 1 → 50.
    assert values == {"Demand Gen": [66.67, 33.33], "Field": [None, 50.0]}
    utm_only = points(
        selectors.metric_result("self_serve_share", WEEKS.with_(service_id=catalog["launch"].pk))
    )
    assert (utm_only[W27].value, utm_only[W28].value) == (0.0, 0.0)


def test_filters_by_class_team_service_and_channel(history, users):
    complex_only = points(selectors.metric_result("ttc", WEEKS.with_(complexity="complex")))
    assert complex_only[W28].value == 4.94 and complex_only[W27].value is None
    field = points(
        selectors.metric_result("shipped", WEEKS.with_(team_id=users["other_requester"].team_id))
    )
    assert (field[W27].value, field[W28].value) == (0, 1)  # R4
    web = points(selectors.metric_result("shipped", WEEKS.with_(channel="web")))
    assert (web[W27].value, web[W28].value) == (1, 0)  # R1 (UTM links)
    by_team = selectors.metric_result("shipped", WEEKS.with_(group_by="team"))
    assert {s.label: [p.value for p in s.points] for s in by_team.series} == {
        "Demand Gen": [2, 2],
        "Field": [0, 1],
    }


def test_monthly_period_puts_all_five_launches_in_july(history):
    months = MetricFilters(period="month", start=date(2025, 6, 1), end=date(2025, 7, 31))
    ttc = points(selectors.metric_result("ttc", months))
    # 1.0, 3.0, 3.0, 1.0, 4.9375 → median 3.0
    assert ttc[date(2025, 7, 1)].value == 3.0 and ttc[date(2025, 7, 1)].count == 5
    assert ttc[date(2025, 6, 1)].value is None


def test_drill_down_lists_the_requests_behind_a_number(history):
    names = lambda qs: sorted(f.request.title for f in qs)  # noqa: E731 - a local shorthand
    assert names(selectors.drill_facts("delivery_breached", WEEKS)) == ["R2"]
    assert names(selectors.drill_facts("triage_breached", WEEKS.with_(bucket=W28))) == ["R6"]
    assert names(selectors.drill_facts("backlog_aged", WEEKS)) == ["R7"]
    assert names(selectors.drill_facts("backlog_open", WEEKS.with_(bucket=W27))) == [
        "R3",
        "R4",
        "R7",
    ]
    assert names(selectors.drill_facts("ttc", WEEKS, ttc_bin=3)) == ["R2", "R3", "R5"]  # 3–5 d
    assert names(selectors.drill_facts("ttc", WEEKS, ttc_bin=1)) == ["R1", "R4"]  # 1–2 d
    assert names(selectors.drill_facts("ttc", WEEKS, ttc_bin=2)) == []


def test_ttc_distribution_bins(history):
    bins = {label: count for label, count, _ in selectors.ttc_distribution(WEEKS)}
    # 1.0, 3.0, 3.0, 1.0, 4.9375 business days
    assert bins == {"0–1 d": 0, "1–2 d": 2, "2–3 d": 0, "3–5 d": 3, "5–10 d": 0,
                    "10–20 d": 0, "20+ d": 0}  # fmt: skip


def test_untracked_figures_say_so(history):
    result = selectors.metric_result("experiments", WEEKS)  # the register exists: zeros
    assert result.tracked is True and [p.value for p in result.series[0].points] == [0.0, 0.0]
    result = selectors.metric_result("uptime", WEEKS)  # no monitor in governance
    assert result.tracked is False and "No heartbeat monitor" in result.note
    for key in ("mttr", "data_completeness", "attribution_coverage"):  # tracked, no data yet
        result = selectors.metric_result(key, WEEKS)
        assert result.tracked is True
        assert [p.value for p in result.series[0].points] == [None, None]


def test_saving_an_event_refreshes_the_fact_after_commit(
    history, users, django_capture_on_commit_callbacks
):
    from intake.models import RequestEvent

    r8 = history["R8"]
    with django_capture_on_commit_callbacks(execute=True):
        RequestEvent.objects.create(
            request=r8,
            actor=users["pm"],
            at=r8.events.get().at + timedelta(hours=1),
            transition="accept",
            from_status="submitted",
            to_status="accepted",
        )
    fact = RequestFact.objects.get(request=r8)
    assert fact.triage_business_seconds == 3600 and fact.triage_met is True
    assert request_fact_refresh(request_id=history["R9"].pk) is None  # drafts have no facts


@pytest.mark.parametrize("group_by", ["class", "team", "service", "channel"])
@pytest.mark.parametrize("key", ["triage_sla", "delivery_sla", "submitted", "accepted", "shipped"])
def test_a_grouped_figure_carries_the_overall_figure_exactly(history, key, group_by):
    """The dashboard takes overall triage adherence from the by-class query's total: per
    period it must equal the ungrouped figure — value, count, previous period, breaches."""
    weeks = MetricFilters(period="week", start=date(2025, 6, 2), end=date(2025, 7, 27))
    grouped = selectors.request_figures([key], weeks.with_(group_by=group_by))[key]
    plain = selectors.request_figure(key, weeks)

    def shown(result):
        return [(p.start, p.value, p.count, p.previous, p.extra) for p in result.series[0].points]

    assert shown(grouped.total) == shown(plain)
    assert any(p.count for p in plain.series[0].points)
