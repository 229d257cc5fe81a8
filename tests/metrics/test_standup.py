"""The 30-60-90 plan: goals evaluated on hand-built evidence (pure) and, for backlog aging,
on a hand-built request history read back from the facts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from metrics.facts import request_facts_rebuild
from metrics.standup import (
    MET,
    MISSING,
    PARTIAL,
    UNKNOWN,
    StandupEvidence,
    standup_evidence,
    standup_plan,
)
from tests.metrics.conftest import build_request

START = date(2026, 1, 5)


def _goals(evidence: StandupEvidence, today: date) -> dict[str, tuple[str, bool]]:
    phases = standup_plan(evidence, started=START, today=today)
    return {g.key: (g.status, g.overdue) for p in phases for g in p.goals}


def test_a_fresh_install_has_everything_to_do_and_nothing_overdue():
    goals = _goals(StandupEvidence(), START + timedelta(days=9))
    assert goals["taxonomy_catalog"] == (MISSING, False)
    assert goals["qa_train"] == (MISSING, False)
    assert goals["golden_path"] == (UNKNOWN, False)
    assert goals["backlog_aging"] == (UNKNOWN, False)
    assert all(not overdue for _, overdue in goals.values())


def test_on_day_40_an_unfinished_first_phase_goal_is_overdue_the_second_phase_is_not():
    evidence = StandupEvidence(
        taxonomy_published=True,
        active_services=4,
        submitted=12,
        qa_templates=1,
        tue_thu_trains=0,  # a train, but not Tuesday/Thursday
        monitors_or_checks=2,
        launches_with_ttc=3,
        versioned_templates=2,
    )
    goals = _goals(evidence, START + timedelta(days=39))
    assert goals["taxonomy_catalog"] == (MET, False)
    assert goals["intake_slas"] == (MET, False)
    assert goals["health_ttc"] == (MET, False)
    assert goals["qa_train"] == (PARTIAL, True)
    assert goals["templates"] == (PARTIAL, False)


def test_day_95_with_the_plan_done_says_what_cannot_be_measured():
    evidence = StandupEvidence(
        taxonomy_published=True,
        active_services=5,
        services_with_owner_team=5,
        owner_teams=2,
        submitted=40,
        qa_templates=2,
        tue_thu_trains=1,
        monitors_or_checks=3,
        launches_with_ttc=20,
        versioned_templates=5,
        runbook_topics={"lifecycle": True, "scoring": True, "routing": True},
        aging_day1=40.0,
        aging_now=20.0,
        experiment_playbook="Run an A/B test",
        attribution_coverage=93.0,
        courses=1,
    )
    phases = standup_plan(evidence, started=START, today=START + timedelta(days=94))
    goals = {g.key: g for p in phases for g in p.goals}
    assert {k for k, g in goals.items() if g.status != MET} == {"golden_path"}
    assert goals["golden_path"].status == UNKNOWN and not goals["golden_path"].overdue
    assert "Down 50.0%" in " ".join(goals["backlog_aging"].evidence)
    assert [p.due for p in phases] == [date(2026, 2, 3), date(2026, 3, 5), date(2026, 4, 4)]


def test_aging_short_of_30_percent_is_partial_with_what_is_left():
    goal = _goals(StandupEvidence(aging_day1=50.0, aging_now=40.0), START)["backlog_aging"]
    assert goal == (PARTIAL, False)


@pytest.mark.django_db
def test_backlog_aging_is_read_from_the_request_history(catalog, users):
    now = timezone.now()
    started = timezone.localdate() - timedelta(days=40)
    day = timedelta(days=1)
    at = lambda offset: now - timedelta(days=40) + offset * day  # noqa: E731 - day offsets
    history = [
        ("old", [(at(-20), "draft", "submitted"), (at(5), "scheduled", "live")]),
        ("young", [(at(-2), "draft", "submitted"), (at(10), "scheduled", "live")]),
        ("new", [(now - 2 * day, "draft", "submitted")]),
    ]
    for name, events in history:
        build_request(catalog, users, name, "launch", "simple", False, "requester", events)
    request_facts_rebuild()
    evidence = standup_evidence(started=started)
    assert (evidence.aging_day1, evidence.aging_now) == (50.0, 0.0)
    goals = {g.key: g for p in standup_plan(evidence, started=started, today=timezone.localdate()) for g in p.goals}  # fmt: skip
    assert goals["backlog_aging"].status == MET


@pytest.mark.django_db
def test_plan_page_and_api(client_for, api_for, users):
    page = client_for("pm").get("/metrics/standup/")
    assert page.status_code == 200 and b"Days 31" in page.content
    data = api_for("leadership").get("/api/v1/metrics/standup/").json()
    assert [len(p["goals"]) for p in data["phases"]] == [4, 4, 3]
    assert api_for("requester").get("/api/v1/metrics/standup/").status_code == 403


@pytest.mark.django_db
def test_install_start_comes_from_the_setting_or_the_first_account(settings, users):
    from metrics.standup import install_started

    settings.MOPS_INSTALL_STARTED = "2026-02-01"
    assert install_started() == date(2026, 2, 1)
    settings.MOPS_INSTALL_STARTED = "1st of Feb"  # malformed: ignored, not a 500
    assert install_started() == timezone.localdate(users["requester"].date_joined)
