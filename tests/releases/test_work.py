"""releases against the real intake and governance: the request lifecycle events boarding
writes, checklists instantiated when intake sends a request to QA, and RFCs boarded into a
departure's window through governance's own scheduling rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.rfc.services import (
    rfc_create,
)
from intake.models import RequestEvent
from intake.services import request_transition
from mops.core.lifecycle import TransitionError
from releases.boarding import services as boarding_services
from releases.boarding.models import BoardingStatus
from releases.common import BoardingRefused
from releases.qa import services as qa_services
from releases.qa.models import ChecklistRun
from releases.trains import services as trains_services
from releases.trains.models import Departure
from tests.releases.workitems import RFC_FIELDS, approved_rfc, qa_request


def _transitions(request) -> list[str]:
    return list(
        RequestEvent.objects.filter(request=request)
        .order_by("at", "pk")
        .values_list("transition", flat=True)
    )


def _start_now(departure: Departure) -> None:
    Departure.objects.filter(pk=departure.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1)
    )


def test_boarding_schedules_the_request_through_intake(users, departure, make_request):
    request = make_request()
    boarding_services.departure_board(departure=departure, request=request, actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == "scheduled"
    event = RequestEvent.objects.get(request=request, transition="schedule")
    assert (event.from_status, event.to_status, event.actor) == (
        "in_qa",
        "scheduled",
        users["engineer"],
    )
    assert str(departure) in event.note


def test_taking_work_off_sends_the_request_back_to_qa(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    boarding_services.boarding_remove(boarding=boarding, actor=users["pm"], note="Copy not final")
    request.refresh_from_db()
    assert request.status == "in_qa"
    assert _transitions(request)[-2:] == ["schedule", "unschedule"]


def test_marking_live_stops_the_delivery_clock(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    _start_now(departure)
    boarding_services.boarding_mark(boarding=boarding, outcome="live", actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == "live"
    assert request.live_at is not None
    assert request.sla_state in ("met", "missed")


def test_rolling_back_a_boarded_item_records_live_then_rolled_back(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    _start_now(departure)
    boarding_services.boarding_mark(
        boarding=boarding, outcome="rolled_back", actor=users["engineer"], note="Broken link"
    )
    request.refresh_from_db()
    assert request.status == "rolled_back"
    assert _transitions(request)[-2:] == ["go_live", "roll_back"]


def test_a_request_sent_to_qa_by_intake_gets_its_checklists_after_commit(
    users, make_request, django_capture_on_commit_callbacks
):
    qa_services.checklist_template_create(
        actor=users["admin"],
        name="E-mail pre-flight",
        slug="email-pre",
        channel="email",
        items=[{"text": "Seed test reviewed"}],
    )
    request = make_request()
    request = request_transition(
        request=request, name="back_to_build", actor=users["engineer"], note="Fix the header"
    )
    ChecklistRun.objects.filter(request=request).delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_transition(request=request, name="send_to_qa", actor=users["engineer"])
    assert callbacks
    run = ChecklistRun.objects.get(request=request)
    assert run.template_version.template.slug == "email-pre"


def test_staff_board_another_teams_request_through_the_api(users, departure, api_for):
    other = qa_request(channels=["email"], requester=users["other_requester"])
    url = f"/api/v1/departures/{departure.pk}/board/"
    assert api_for("requester").post(url, {"request": other.pk}, format="json").status_code == 403
    response = api_for("engineer").post(url, {"request": other.pk}, format="json")
    assert response.status_code == 201, response.json()
    other.refresh_from_db()
    assert other.status == "scheduled"


# --- RFCs -----------------------------------------------------------------------------------


def test_an_approved_rfc_boards_into_the_departure_window(users, departure):
    rfc = approved_rfc(users)
    boarding = boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["pm"])
    rfc.refresh_from_db()
    assert rfc.status == "scheduled"
    assert (rfc.scheduled_start, rfc.scheduled_end) == (departure.starts_at, departure.ends_at)
    assert rfc.scheduled_ref == f"departure:{departure.pk}"
    assert boarding.status == BoardingStatus.BOARDED


def test_the_api_boards_an_rfc_the_user_can_see(users, departure, api_for):
    rfc = approved_rfc(users)
    url = f"/api/v1/departures/{departure.pk}/board/"
    missing = api_for("pm").post(url, {"rfc": rfc.pk + 1000}, format="json")
    assert missing.status_code == 404
    response = api_for("pm").post(url, {"rfc": rfc.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["rfc"] == rfc.pk


def test_an_rfc_not_yet_approved_cannot_board(users, departure):
    rfc = rfc_create(actor=users["engineer"], submit=True, **RFC_FIELDS)
    with pytest.raises(BoardingRefused) as error:
        boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["pm"])
    assert error.value.rule == "state"


def test_governance_decides_who_schedules_rfcs(users, departure):
    rfc = approved_rfc(users)
    with pytest.raises(TransitionError):
        boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["engineer"])
    assert trains_services.seats_taken(departure) == 0


def test_moving_and_removing_an_rfc_keeps_governance_in_step(users, departure):
    rfc = approved_rfc(users)
    boarding = boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["pm"])
    moved = boarding_services.boarding_move(boarding=boarding, actor=users["pm"])
    rfc.refresh_from_db()
    assert rfc.status == "scheduled"
    assert rfc.scheduled_start == moved.departure.starts_at
    assert rfc.scheduled_ref == f"departure:{moved.departure_id}"
    boarding_services.boarding_remove(boarding=moved, actor=users["pm"])
    rfc.refresh_from_db()
    assert (rfc.status, rfc.scheduled_start, rfc.scheduled_ref) == ("approved", None, "")


def test_an_rfc_launch_marks_it_implemented_and_a_rollback_rolls_it_back(users, departure):
    rfc = approved_rfc(users)
    boarding = boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["pm"])
    _start_now(departure)
    boarding_services.boarding_mark(boarding=boarding, outcome="live", actor=users["engineer"])
    rfc.refresh_from_db()
    assert rfc.status == "implemented"
    boarding_services.boarding_mark(
        boarding=boarding, outcome="rolled_back", actor=users["engineer"], note="Leads unassigned"
    )
    rfc.refresh_from_db()
    assert rfc.status == "rolled_back"


def test_a_high_risk_rfc_is_kept_out_of_a_freeze_even_with_an_admin_override(
    users, departure, cab, freeze_over
):
    freeze_over(departure.starts_at, departure.ends_at)
    rfc = approved_rfc(users, risk="high")
    with pytest.raises(TransitionError) as error:
        boarding_services.departure_board(
            departure=departure, rfc=rfc, actor=users["admin"], override_reason="Needed now"
        )
    assert error.value.code == "freeze"
    assert trains_services.seats_taken(departure) == 0


def test_an_emergency_rfc_boards_into_a_freeze(users, departure, cab, freeze_over):
    freeze_over(departure.starts_at, departure.ends_at)
    rfc = approved_rfc(
        users,
        risk="high",
        emergency=True,
        emergency_reason="Every EMEA lead goes to a departed rep.",
        desired_window_start=departure.starts_at,
        desired_window_end=departure.ends_at,
    )
    boarding = boarding_services.departure_board(departure=departure, rfc=rfc, actor=users["pm"])
    assert boarding.emergency_rfc == rfc
    rfc.refresh_from_db()
    assert rfc.status == "scheduled"
