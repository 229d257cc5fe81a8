"""NPS survey (send through the outbox, answer once, by group) and the weekly digest."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from metrics import selectors
from metrics.filters import MetricFilters
from metrics.models import NpsInvitation
from metrics.services import digest_compose, digest_send, nps_respond, nps_survey_send
from mops.notify.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def test_survey_invites_each_requester_of_delivered_work_once(history, users):
    survey = nps_survey_send(quarter="2025-Q3", actor=users["pm"])
    invitations = {i.requester.username: i for i in survey.invitations.select_related("requester")}
    # July launches: R1, R2, R3, R5 by requester (demand gen), R4 by other (field)
    assert set(invitations) == {"requester", "other"}
    assert invitations["requester"].group == "demand_gen"
    assert invitations["other"].group == "field"
    assert Notification.objects.filter(url__contains="/metrics/nps/").count() == 2
    assert OutboxMessage.objects.filter(kind="email", target="requester@example.com").exists()
    with pytest.raises(ValidationError):
        nps_survey_send(quarter="2025-Q3", actor=users["pm"])


def test_only_pms_and_admins_send_and_quarters_are_validated(history, users):
    with pytest.raises(PermissionDenied):
        nps_survey_send(quarter="2025-Q3", actor=users["leadership"])
    with pytest.raises(ValidationError):
        nps_survey_send(quarter="2025-Q9", actor=users["pm"])
    with pytest.raises(ValidationError):
        nps_survey_send(quarter="2099-Q1", actor=users["pm"])


def test_answers_give_nps_by_group(history, users):
    survey = nps_survey_send(quarter="2025-Q3", actor=users["admin"])
    mine = survey.invitations.get(requester=users["requester"])
    theirs = survey.invitations.get(requester=users["other_requester"])
    nps_respond(invitation=mine, score=10, comment="Fast!", actor=users["requester"])
    nps_respond(invitation=theirs, score="5", comment="", actor=users["other_requester"])
    today = datetime.now(ZoneInfo("America/New_York")).date()
    f = MetricFilters(period="quarter", start=today, end=today)
    overall = selectors.metric_result("nps", f).current
    assert overall.value == 0.0 and overall.count == 2  # (1 promoter − 1 detractor) / 2
    by_group = selectors.metric_result("nps", f.with_(group_by="group"))
    assert {s.key: s.points[-1].value for s in by_group.series} == {
        "demand_gen": 100.0,
        "field": -100.0,
    }


def test_an_answer_is_validated_and_given_once_by_the_invitee(history, users):
    survey = nps_survey_send(quarter="2025-Q3", actor=users["pm"])
    invitation = survey.invitations.get(requester=users["requester"])
    with pytest.raises(PermissionDenied):
        nps_respond(invitation=invitation, score=9, actor=users["other_requester"])
    for bad in (11, -1, "nine", 7.5):
        with pytest.raises(ValidationError):
            nps_respond(invitation=invitation, score=bad, actor=users["requester"])
    nps_respond(invitation=invitation, score=9, actor=users["requester"])
    with pytest.raises(ValidationError):
        nps_respond(invitation=invitation, score=9, actor=users["requester"])
    assert NpsInvitation.objects.get(pk=invitation.pk).responded_at is not None


def test_requester_answers_from_the_in_app_link(history, users, client_for):
    survey = nps_survey_send(quarter="2025-Q3", actor=users["pm"])
    invitation = survey.invitations.get(requester=users["requester"])
    url = f"/metrics/nps/{invitation.token}/"
    assert client_for("other_requester").get(url).status_code == 404
    client = client_for("requester")
    assert client.get(url).status_code == 200
    assert client.post(url, {"score": "12"}).status_code == 400
    assert client.post(url, {"score": "8", "comment": "ok"}).status_code == 302
    assert invitation.__class__.objects.get(pk=invitation.pk).response.score == 8


def test_pm_sends_the_survey_from_the_page(history, client_for):
    client = client_for("pm")
    assert client.get("/metrics/nps/").status_code == 200
    assert client.post("/metrics/nps/", {"quarter": "2025-Q3"}).status_code == 302
    assert client.post("/metrics/nps/", {"quarter": "2025-Q3"}).status_code == 400
    assert client_for("leadership").post("/metrics/nps/", {"quarter": "2025-Q2"}).status_code == 403


def test_weekly_digest_has_the_headline_figures_and_goes_to_leadership(history, users):
    subject, body = digest_compose(today=date(2025, 7, 14))
    assert "2025-W28" in subject
    assert "Time to campaign: 3 business days (↑ +1 vs previous week)" in body
    assert "Delivery SLA adherence: 100 % (↑ +50 vs previous week)" in body
    assert "Backlog aging: 50 %" in body
    now = datetime(2025, 7, 14, 8, tzinfo=ZoneInfo("America/New_York"))
    assert digest_send(now=now) == 1
    assert digest_send(now=now) == 1  # same idempotency key: still one message
    messages = OutboxMessage.objects.filter(source="metrics.digest")
    assert [m.target for m in messages] == ["leader@example.com"]
