"""Boarding: each rule refuses by name, acceptance, moving, marking live, and the race
for the last seat."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from releases.boarding import services as boarding_services
from releases.boarding.models import Boarding, BoardingStatus
from releases.common import BoardingRefused
from releases.qa import services as qa_services
from releases.qa.models import ChecklistRun, ItemResult, RunStatus
from releases.trains import services as trains_services
from releases.trains.models import Departure, DepartureStatus

from .workitems import all_day_freeze


def _refused(rule: str, **kwargs) -> BoardingRefused:
    with pytest.raises(BoardingRefused) as error:
        boarding_services.departure_board(**kwargs)
    assert error.value.rule == rule, error.value.reason
    assert rule in error.value.message_dict
    return error.value


def test_boarding_accepted_when_every_rule_passes(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    request.refresh_from_db()
    assert request.status == "scheduled"
    assert boarding.status == BoardingStatus.BOARDED
    assert trains_services.seats_taken(departure) == 1


def test_refused_when_the_train_does_not_carry_the_channel(users, departure, make_request):
    error = _refused(
        "channel", departure=departure, request=make_request(["paid_social"]), actor=users["pm"]
    )
    assert "does not carry Paid social" in error.reason


def test_refused_when_no_seat_is_left(users, departure, make_request):
    for _ in range(departure.capacity):
        boarding_services.departure_board(
            departure=departure, request=make_request(), actor=users["pm"]
        )
    error = _refused("capacity", departure=departure, request=make_request(), actor=users["pm"])
    assert "2 of 2 seats taken" in error.reason


def test_refused_after_the_cutoff(users, departure, make_request):
    Departure.objects.filter(pk=departure.pk).update(
        cutoff_at=timezone.now() - timedelta(minutes=1)
    )
    departure.refresh_from_db()
    error = _refused("cutoff", departure=departure, request=make_request(), actor=users["pm"])
    assert "cutoff has passed" in error.reason


def test_refused_when_boarding_is_closed(users, departure, make_request):
    trains_services.departure_transition(
        departure=departure, name="close_boarding", actor=users["pm"]
    )
    _refused("cutoff", departure=departure, request=make_request(), actor=users["pm"])


def test_refused_inside_a_freeze(users, departure, make_request):
    all_day_freeze(users["admin"])
    error = _refused("freeze", departure=departure, request=make_request(), actor=users["pm"])
    assert "Everything frozen" in error.reason


def test_channel_freeze_does_not_stop_other_channels(users, departure, make_request):
    all_day_freeze(users["admin"], channels=["sms"])
    boarding_services.departure_board(
        departure=departure, request=make_request(), actor=users["pm"]
    )


def test_admin_boards_into_a_freeze_only_with_a_recorded_reason(users, departure, make_request):
    all_day_freeze(users["admin"])
    _refused("freeze", departure=departure, request=make_request(), actor=users["admin"])
    boarding = boarding_services.departure_board(
        departure=departure,
        request=make_request(),
        actor=users["admin"],
        override_reason="Security fix to the preference centre",
    )
    assert boarding.freeze_override_reason == "Security fix to the preference centre"


def test_refused_until_the_preflight_checklist_passes(users, departure, make_request):
    qa_services.checklist_template_create(
        actor=users["admin"],
        name="E-mail pre-flight",
        slug="email-pre",
        channel="email",
        items=[{"text": "Seed test reviewed", "evidence": "note"}, {"text": "Suppression applied"}],
    )
    request = make_request()
    error = _refused("checklist", departure=departure, request=request, actor=users["pm"])
    assert "E-mail pre-flight (open)" in error.reason
    for result in ItemResult.objects.filter(run__request=request):
        qa_services.item_result_record(
            result=result, actor=users["engineer"], state="passed", evidence_note="looked fine"
        )
    assert ChecklistRun.objects.get(request=request).status == RunStatus.PASSED
    boarding_services.departure_board(departure=departure, request=request, actor=users["pm"])


def test_refused_when_the_request_is_not_in_qa(users, departure, make_request):
    request = make_request()
    type(request).objects.filter(pk=request.pk).update(status="in_progress")
    request.refresh_from_db()
    _refused("state", departure=departure, request=request, actor=users["pm"])


def test_requesters_cannot_board(users, departure, make_request):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        boarding_services.departure_board(
            departure=departure, request=make_request(), actor=users["requester"]
        )


def test_move_to_next_departure_is_one_action(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    moved = boarding_services.boarding_move(boarding=boarding, actor=users["pm"])
    assert moved.departure.starts_at > departure.starts_at
    assert moved.departure.train_id == departure.train_id
    boarding.refresh_from_db()
    assert boarding.status == BoardingStatus.REMOVED
    assert trains_services.seats_taken(departure) == 0
    assert trains_services.seats_taken(moved.departure) == 1


def test_mark_live_and_rolled_back(users, departure, make_request):
    request = make_request()
    boarding = boarding_services.departure_board(
        departure=departure, request=request, actor=users["pm"]
    )
    Departure.objects.filter(pk=departure.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1)
    )
    boarding_services.boarding_mark(boarding=boarding, outcome="live", actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == "live"
    with pytest.raises(Exception, match="rolled back"):
        boarding_services.boarding_mark(
            boarding=boarding, outcome="rolled_back", actor=users["engineer"]
        )
    boarding_services.boarding_mark(
        boarding=boarding, outcome="rolled_back", actor=users["engineer"], note="Wrong segment"
    )
    request.refresh_from_db()
    assert request.status == "rolled_back"


def test_departures_advance_closes_boarding_then_departs(users, departure):
    Departure.objects.filter(pk=departure.pk).update(
        cutoff_at=timezone.now() - timedelta(seconds=1)
    )
    trains_services.departures_advance()
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.BOARDING_CLOSED
    trains_services.departures_advance(now=departure.starts_at + timedelta(minutes=1))
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.DEPARTED
    trains_services.departures_advance(now=departure.ends_at + timedelta(minutes=1))
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.CLOSED


def test_materialising_twice_creates_nothing_new(email_train):
    before = email_train.departures.count()
    assert trains_services.departures_materialise(train=email_train) == []
    assert email_train.departures.count() == before > 0


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_the_last_seat_only_one_wins(users, email_train, make_request):
    departure = (
        Departure.objects.filter(
            train=email_train, cutoff_at__gt=timezone.now() + timedelta(days=1)
        )
        .order_by("starts_at")
        .first()
    )
    boarding_services.departure_board(
        departure=departure, request=make_request(), actor=users["pm"]
    )
    racers = [make_request(title="A"), make_request(title="B")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def board(request) -> None:
        close_old_connections()  # each thread opens its own database connection
        try:
            barrier.wait()
            boarding_services.departure_board(
                departure=departure, request=request, actor=users["pm"]
            )
            outcomes.append("boarded")
        except BoardingRefused as exc:
            outcomes.append(exc.rule)
        finally:
            connection.close()

    threads = [threading.Thread(target=board, args=(r,)) for r in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["boarded", "capacity"]
    assert Boarding.objects.filter(departure=departure).count() == departure.capacity == 2
