"""Request services: the lifecycle on the server, validation, events, SLA fields,
permissions, comments, rescoring and the SLA sweep."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from intake import services
from intake.models import Request, RequestEvent, SlaNotice, SlaState, Status
from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import TransitionError
from mops.notify.models import Notification, OutboxMessage
from tests.releases.workitems import to_live

from .conftest import ny


def test_create_records_service_version_complexity_and_score(make_request, service):
    request = make_request()
    assert request.status == Status.DRAFT
    assert request.service_version == service.current_version
    assert request.complexity == "standard"
    assert request.score == Decimal("70.83")
    assert request.scoring_model_version is not None
    assert list(request.events.values_list("transition", "to_status")) == [("create", "draft")]


def test_draft_keeps_partial_input_and_submit_lists_everything_missing(make_request, users):
    request = make_request(
        title="x", answers={"channel": "E-mail"}, brief="", tracking_plan={}, scoring_inputs={}
    )
    with pytest.raises(ValidationError) as info:
        services.request_transition(request=request, name="submit", actor=users["requester"])
    missing = set(info.value.message_dict)
    assert {
        "brief",
        "answers.audience_size",
        "tracking_plan.utm_source",
        "tracking_plan.utm_medium",
        "tracking_plan.utm_campaign",
        "scoring_inputs.impact",
        "scoring_inputs.effort",
        "scoring_inputs.risk",
    } <= missing
    request.refresh_from_db()
    assert request.status == Status.DRAFT


def test_hidden_conditional_field_is_not_required_and_dropped(make_request, users):
    request = make_request(answers={"channel": "Paid social", "audience_size": "9"})
    request = services.request_transition(request=request, name="submit", actor=users["requester"])
    assert request.answers == {"channel": "Paid social"}


def test_full_journey_records_events_and_first_timestamps(make_request, users):
    request = make_request(submit=True, now=ny(2025, 3, 10, 9, 0))
    pm, requester, engineer = users["pm"], users["requester"], users["engineer"]
    steps = [
        ("needs_info", pm, ny(2025, 3, 10, 10, 0), "Which list?"),
        ("answer", requester, ny(2025, 3, 11, 10, 0), "The trial list."),
        ("accept", pm, ny(2025, 3, 11, 11, 0), ""),
        ("start", engineer, ny(2025, 3, 11, 12, 0), ""),
        ("send_to_qa", engineer, ny(2025, 3, 12, 12, 0), ""),
        # Live without a departure only by the recorded admin override (the train path is
        # proven in tests/releases/test_release_gate.py, which cannot set past times).
        ("override_live", users["admin"], ny(2025, 3, 13, 10, 0), "Hotfix outside the trains"),
        ("close", engineer, ny(2025, 3, 14, 10, 0), ""),
    ]
    for name, actor, at, note in steps:
        request = services.request_transition(
            request=request, name=name, actor=actor, note=note, now=at
        )
    assert request.status == Status.CLOSED
    assert request.submitted_at == ny(2025, 3, 10, 9, 0)
    assert request.accepted_at == ny(2025, 3, 11, 11, 0)
    assert request.live_at == ny(2025, 3, 13, 10, 0)
    assert request.closed_at == ny(2025, 3, 14, 10, 0)
    assert request.assignee == pm  # the PM who accepted, as nobody was assigned
    events = list(request.events.order_by("at", "id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "needs_info"),
        ("needs_info", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "in_qa"),
        ("in_qa", "live"),
        ("live", "closed"),
    ]
    answer = events[3]
    assert answer.actor == requester and answer.note == "The trial list."
    assert answer.business_seconds_paused == 8 * 3600
    # triage: 1 h before the question + 1 h after the answer = 2 h of 4 → met
    accept = events[4]
    assert accept.business_seconds_used == 2 * 3600
    # delivery: Tue 11:00 → Thu 10:00 = 6 + 8 + 1 = 15 business hours of 40 → met
    assert events[7].business_seconds_used == 15 * 3600
    assert events[7].transition == "override_live"
    assert request.sla_state == SlaState.MET and request.sla_clock == ""


def test_friday_1630_submission_is_due_monday_1230(make_request):
    request = make_request(submit=True, now=ny(2025, 3, 7, 16, 30))
    assert request.triage_due_at == ny(2025, 3, 10, 12, 30)
    assert request.sla_due_at == ny(2025, 3, 10, 12, 30)
    assert request.sla_at_risk_at == ny(2025, 3, 10, 11, 30)
    assert request.sla_clock == "triage" and request.sla_state == SlaState.ON_TRACK


def test_needs_info_pauses_and_answer_moves_due_out(make_request, users):
    request = make_request(submit=True, now=ny(2025, 3, 10, 9, 0))
    assert request.triage_due_at == ny(2025, 3, 10, 13, 0)
    request = services.request_transition(
        request=request, name="needs_info", actor=users["pm"], note="?", now=ny(2025, 3, 10, 10, 0)
    )
    assert request.paused_since == ny(2025, 3, 10, 10, 0)
    request = services.request_transition(
        request=request, name="answer", actor=users["requester"], now=ny(2025, 3, 11, 10, 0)
    )
    assert request.paused_since is None
    assert request.triage_due_at == ny(2025, 3, 11, 13, 0)  # moved by 8 business hours


def test_holiday_is_skipped_in_due_time(make_request):
    # Thursday 2025-07-03 16:00 + 4 h; Friday July 4th is a US holiday → Monday 12:00
    request = make_request(submit=True, now=ny(2025, 7, 3, 16, 0))
    assert request.triage_due_at == ny(2025, 7, 7, 12, 0)


def test_delivery_clock_starts_at_acceptance(make_request, users):
    request = make_request(submit=True, now=ny(2025, 3, 10, 9, 0))
    request = services.request_transition(
        request=request, name="accept", actor=users["pm"], now=ny(2025, 3, 10, 10, 0)
    )
    assert request.sla_clock == "delivery"
    assert request.delivery_due_at == ny(2025, 3, 17, 10, 0)  # 40 h standard
    request = services.request_update(request=request, actor=users["pm"], complexity="simple")
    assert request.delivery_due_at == ny(2025, 3, 12, 10, 0)  # 16 h simple


def test_requester_cannot_triage(make_request, users):
    request = make_request(submit=True)
    with pytest.raises(TransitionError) as info:
        services.request_transition(request=request, name="accept", actor=users["requester"])
    assert info.value.code == "forbidden"


def test_pm_cannot_accept_their_own_request(make_request, users):
    request = make_request(submit=True, actor=users["pm"])
    with pytest.raises(TransitionError) as info:
        services.request_transition(request=request, name="accept", actor=users["pm"])
    assert info.value.code == "forbidden"
    services.request_transition(request=request, name="accept", actor=users["admin"])


def test_other_team_cannot_cancel(make_request, users):
    request = make_request(submit=True)
    with pytest.raises(TransitionError):
        services.request_transition(
            request=request, name="cancel", actor=users["other_requester"], note="mine?"
        )
    request = services.request_transition(
        request=request, name="cancel", actor=users["requester"], note="not needed"
    )
    assert request.status == Status.CANCELLED


def test_lifecycle_refuses_wrong_state_and_missing_note(make_request, users):
    request = make_request(submit=True)
    with pytest.raises(TransitionError):
        services.request_transition(request=request, name="go_live", actor=users["engineer"])
    with pytest.raises(ValidationError) as info:
        services.request_transition(request=request, name="reject", actor=users["pm"])
    assert "note" in info.value.message_dict
    request = services.request_transition(request=request, name="accept", actor=users["pm"])
    with pytest.raises(TransitionError):
        services.request_transition(request=request, name="accept", actor=users["pm"])


def test_cancel_not_allowed_once_live_but_roll_back_is(make_request, users):
    request = make_request(submit=True)
    for name, actor in [("accept", "pm"), ("start", "engineer"), ("send_to_qa", "engineer")]:
        request = services.request_transition(request=request, name=name, actor=users[actor])
    # Live the only way there is: boarded on a departure that then left.
    request = to_live(request, actor=users["engineer"])
    assert request.status == Status.LIVE
    with pytest.raises(TransitionError):
        services.request_transition(request=request, name="cancel", actor=users["pm"], note="x")
    request = services.request_transition(
        request=request, name="roll_back", actor=users["engineer"], note="broken links"
    )
    assert request.status == Status.ROLLED_BACK


def test_stale_expected_version_is_refused(make_request, users):
    request = make_request(submit=True)
    services.request_update(request=request, actor=users["pm"], complexity="complex")
    with pytest.raises(StaleVersion):
        services.request_transition(
            request=request, name="accept", actor=users["pm"], expected_version=request.version
        )


def test_transition_notifies_requester_and_watchers(make_request, users):
    request = make_request(submit=True)
    services.watcher_set(request=request, actor=users["engineer"], watching=True)
    services.request_transition(
        request=request, name="needs_info", actor=users["pm"], note="Which list?"
    )
    texts = dict(Notification.objects.values_list("user__username", "text"))
    assert "needs information" in texts["requester"] and "Which list?" in texts["requester"]
    assert "engineer" in texts and "pm" not in texts
    assert OutboxMessage.objects.filter(target="requester@example.com").exists()


def test_comment_mentions_notify_only_users_who_can_see(make_request, users):
    request = make_request(submit=True)
    Notification.objects.all().delete()
    comment = services.comment_create(
        request=request, actor=users["requester"], body="@pm see this, @other too, @nobody"
    )
    assert [u.username for u in comment.mentions.all()] == ["pm"]
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"pm"}
    with pytest.raises(ValidationError):
        services.comment_create(request=request, actor=users["requester"], body="  ")


def test_rescore_is_one_update_and_matches_python(make_request, users, django_assert_num_queries):
    a = make_request(scoring_inputs={"impact": 5, "effort": 1, "risk": 1})
    b = make_request(scoring_inputs={"impact": 2, "effort": 4, "risk": 2})
    c = make_request(scoring_inputs={"impact": 3})
    version = services.default_scoring_version()
    factors = [
        {"key": "impact", "low": 1, "high": 5, "direction": "benefit", "weight": 1},
        {"key": "effort", "low": 1, "high": 5, "direction": "cost", "weight": 1},
        {"key": "risk", "low": 1, "high": 5, "direction": "cost", "weight": 1},
    ]
    new = services.scoring_model_update(
        scoring_model=version.scoring_model, factors=factors, actor=users["admin"]
    )
    from intake import scoring

    parsed = scoring.parse_factors(factors)
    for req in (a, b, c):
        req.refresh_from_db()
        assert req.scoring_model_version == new
        assert req.score == scoring.score(parsed, req.scoring_inputs)
    assert c.score is None
    with django_assert_num_queries(2):  # the UPDATE and the bookkeeping on the version row
        assert services.requests_rescore(version=new) == 3


def test_only_admins_edit_scoring_models(users):
    version = services.default_scoring_version()
    with pytest.raises(PermissionDenied):
        services.scoring_model_update(
            scoring_model=version.scoring_model, factors=[{"key": "a"}], actor=users["pm"]
        )
    with pytest.raises(ValidationError) as info:
        services.scoring_model_update(
            scoring_model=version.scoring_model,
            factors=[{"key": "a", "weight": -1}],
            actor=users["admin"],
        )
    assert "factors.0.weight" in info.value.message_dict


def test_sla_sweep_notifies_once_per_state_change(make_request, users):
    request = make_request(submit=True, now=ny(2025, 3, 10, 9, 0))
    services.request_update(request=request, actor=users["pm"], assignee=users["engineer"])
    Notification.objects.all().delete()
    assert services.sla_sweep(now=ny(2025, 3, 10, 11, 0)) == {"breached": 0, "at_risk": 0}
    assert services.sla_sweep(now=ny(2025, 3, 10, 12, 15)) == {"breached": 0, "at_risk": 1}
    assert services.sla_sweep(now=ny(2025, 3, 10, 12, 30)) == {"breached": 0, "at_risk": 0}
    request.refresh_from_db()
    assert request.sla_state == SlaState.AT_RISK
    notified = sorted(Notification.objects.values_list("user__username", flat=True))
    assert notified == ["engineer", "pm"]
    assert services.sla_sweep(now=ny(2025, 3, 10, 13, 0)) == {"breached": 1, "at_risk": 0}
    assert services.sla_sweep(now=ny(2025, 3, 10, 15, 0)) == {"breached": 0, "at_risk": 0}
    assert Notification.objects.count() == 4
    assert list(SlaNotice.objects.order_by("at").values_list("state", flat=True)) == [
        "at_risk",
        "breached",
    ]


def test_paused_requests_are_not_swept(make_request, users):
    request = make_request(submit=True, now=ny(2025, 3, 10, 9, 0))
    services.request_transition(
        request=request, name="needs_info", actor=users["pm"], note="?", now=ny(2025, 3, 10, 9, 30)
    )
    assert services.sla_sweep(now=ny(2025, 3, 12, 9, 0)) == {"breached": 0, "at_risk": 0}


def test_weekly_review_counts_and_mail(make_request, users):
    from django.utils import timezone

    from intake.selectors import weekly_review

    now = timezone.now()
    old = make_request(submit=True, now=now - timedelta(days=20))
    services.request_transition(
        request=old, name="accept", actor=users["pm"], now=now - timedelta(days=2)
    )
    make_request(
        submit=True,
        now=now - timedelta(days=1),
        scoring_inputs={"impact": 5, "effort": 1, "risk": 1},
    )
    make_request()  # a draft counts nowhere
    review = weekly_review(now=now)
    assert review["counts"]["new"] == 1
    assert review["counts"]["accepted"] == 1
    assert review["counts"]["aging"] == 1
    assert dict(review["aging_by_class"])["Standard"] == 1
    assert review["top_unaccepted"][0].score == Decimal("100.00")
    assert services.weekly_review_send(now=now) == 2  # leader + pm
    assert services.weekly_review_send(now=now) == 2
    mails = OutboxMessage.objects.filter(source="intake.review")
    assert mails.count() == 2  # the same ISO week is sent once
    assert "Aging > 14 days:    1" in mails.first().body


def test_request_visible_to_limits_requesters_to_their_team(make_request, users):
    from intake.selectors import request_visible_to

    mine = make_request()
    assert list(request_visible_to(users["requester"])) == [mine]
    assert list(request_visible_to(users["other_requester"])) == []
    assert list(request_visible_to(users["leadership"])) == [mine]
    assert Request.objects.count() == RequestEvent.objects.filter(transition="create").count()


def test_rescore_leaves_finished_requests_with_the_score_they_shipped_with(make_request, users):
    """Live, closed, rejected, cancelled and rolled-back requests keep their score and the
    version that gave it; everything still in flight (drafts included) is rescored."""
    inputs = {"impact": 4, "effort": 2, "risk": 3}
    draft = make_request(scoring_inputs=inputs)
    submitted = make_request(submit=True, scoring_inputs=inputs)
    finished = make_request(submit=True, scoring_inputs=inputs)
    Request.objects.filter(pk=finished.pk).update(status=Status.LIVE)
    old = services.default_scoring_version()
    new = services.scoring_model_update(
        scoring_model=old.scoring_model,
        factors=[{"key": "impact", "low": 1, "high": 5, "direction": "benefit", "weight": 1}],
        actor=users["admin"],
    )
    new.refresh_from_db()
    assert new.rescored_count == 2
    assert Request.objects.get(pk=finished.pk).priority.model_version == old
    assert Request.objects.get(pk=finished.pk).score == Decimal("70.83")
    for request in (draft, submitted):
        priority = Request.objects.get(pk=request.pk).priority
        assert (priority.model_version, priority.score) == (new, Decimal("75.00"))


def test_every_request_gets_its_priority_row(make_request, users):
    """The service stores a request's Priority row with it (Request.save() has no side door
    that creates one), so the score sort's inner join never hides a request; a failed
    submit stores neither, and later saves keep the row."""
    request = make_request()
    assert Request.objects.filter(pk=request.pk, priority__isnull=False).exists()
    request.title = "Edited"
    request.save()
    assert Request.objects.get(pk=request.pk).priority.model_version is not None
    count = Request.objects.count()
    with pytest.raises(ValidationError):
        make_request(submit=True, title="", brief="")
    assert Request.objects.count() == count


def test_submit_checks_the_tracking_plan_against_the_published_taxonomy(make_request, users):
    """Unknown medium, a source synonym and a campaign name off the naming convention are
    refused at submit, each under its own field with the taxonomy's fix; the draft keeps
    what was typed and submits once the values conform."""
    request = make_request(
        tracking_plan={"utm_source": "fb", "utm_medium": "emial", "utm_campaign": "Spring"}
    )
    with pytest.raises(ValidationError) as info:
        services.request_transition(request=request, name="submit", actor=users["requester"])
    problems = {k: " ".join(v) for k, v in info.value.message_dict.items()}
    assert set(problems) == {
        "tracking_plan.utm_source",
        "tracking_plan.utm_medium",
        "tracking_plan.utm_campaign",
    }
    assert "'facebook'" in problems["tracking_plan.utm_source"]
    assert "did you mean 'email'" in problems["tracking_plan.utm_medium"]
    assert "must be lower-case" in problems["tracking_plan.utm_campaign"]
    # Issue #19: an example built from the convention and the UTM builder, not the raw
    # `{fy}{quarter}_… needs 5` pattern.
    campaign = problems["tracking_plan.utm_campaign"]
    assert re.search(r"Example: fy\d\dq[1-4]_emea_email_\w+_launch-guide", campaign)
    assert "UTM builder" in campaign and "{" not in campaign and "needs 5" not in campaign
    assert all("campaign taxonomy" in message for message in problems.values())
    request.refresh_from_db()
    assert request.status == Status.DRAFT
    assert request.tracking_plan["utm_medium"] == "emial"
    services.request_update(
        request=request,
        actor=users["requester"],
        tracking_plan={
            "utm_source": "facebook",
            "utm_medium": "email",
            "utm_campaign": "fy30q1_na_email_promo_spring",
        },
    )
    submitted = services.request_transition(
        request=request, name="submit", actor=users["requester"]
    )
    assert submitted.status == Status.SUBMITTED
