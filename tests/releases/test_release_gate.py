"""No transition reaches *scheduled* or *live* except through boarding/departure or a
recorded admin override: every transition name × every role, from a request in QA and
from a boarded (scheduled) one, through intake's transition service; the release steps
themselves refuse without the departure record behind them; the page and the API offer
them to nobody."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from intake import services as intake_services
from intake.models import OVERRIDE_LIVE, REQUEST_LIFECYCLE, Request, RequestEvent, Status
from mops.core.lifecycle import TransitionError
from releases.boarding import services
from releases.boarding.models import BoardingStatus
from tests.releases.workitems import board_next, depart_and_land

RELEASED = {Status.SCHEDULED, Status.LIVE}


def _attempt(request: Request, name: str, actor) -> Request | None:
    """Try `name` as `actor` inside a savepoint that is always rolled back; return the
    request as the transition left it, or None when refused."""
    sid = transaction.savepoint()
    try:
        done = intake_services.request_transition(
            request=request, name=name, actor=actor, note="Because."
        )
        return done
    except (TransitionError, ValidationError, PermissionDenied):
        return None
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.parametrize("start", ["in_qa", "scheduled"])
def test_no_transition_by_hand_reaches_scheduled_or_live_but_the_admin_override(
    users, make_request, start
):
    request = make_request()
    if start == "scheduled":
        board_next(request, actor=users["engineer"])
        request.refresh_from_db()
    assert request.status == start
    reached = set()
    for name in REQUEST_LIFECYCLE.transitions:
        for role, user in users.items():
            after = _attempt(request, name, user)
            if after is not None and after.status in RELEASED and after.status != start:
                reached.add((name, role))
    assert reached == {(OVERRIDE_LIVE, "admin")}
    request.refresh_from_db()
    assert request.status == start  # every attempt was rolled back


def test_release_steps_are_no_buttons_and_refused_by_hand(users, make_request, client_for):
    request = make_request()
    system = {t.name for t in REQUEST_LIFECYCLE.system_transitions()}
    assert system == {"schedule", "unschedule", "go_live"}
    for state in Status.values:
        for user in users.values():
            offered = REQUEST_LIFECYCLE.available(state=state, roles=user.roles)
            assert not system & {t.name for t in offered}
    page = client_for("engineer").get(request.get_absolute_url())
    assert b'value="schedule"' not in page.content and b"Mark live" not in page.content
    posted = client_for("engineer").post(
        f"/requests/{request.pk}/transition/", {"name": "schedule", "version": request.version}
    )
    assert posted.status_code in (302, 400, 409)
    request.refresh_from_db()
    assert request.status == Status.IN_QA


def test_release_steps_refuse_without_a_boarding_behind_them(users, make_request):
    request = make_request()
    for name in ("schedule", "go_live", "unschedule"):
        with pytest.raises(TransitionError):
            intake_services.request_release_step(
                request=request, name=name, actor=users["engineer"]
            )
    with pytest.raises(TransitionError):  # not a release step
        intake_services.request_release_step(request=request, name="close", actor=users["admin"])
    boarding = board_next(request, actor=users["engineer"])
    request.refresh_from_db()
    # Boarded but the departure has not landed it: still no way to live.
    with pytest.raises(TransitionError):
        intake_services.request_release_step(request=request, name="go_live", actor=users["admin"])
    depart_and_land(boarding, actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == Status.LIVE
    events = list(request.events.order_by("at", "pk").values_list("transition", "note"))
    assert [name for name, _ in events][-2:] == ["schedule", "go_live"]
    assert events[-1][1].startswith(f"Live on {boarding.departure.train.name}")


def test_taking_work_off_is_the_only_way_back_to_qa(users, make_request):
    request = make_request()
    boarding = board_next(request, actor=users["engineer"])
    request.refresh_from_db()
    with pytest.raises(TransitionError):  # still boarded
        intake_services.request_release_step(
            request=request, name="unschedule", actor=users["engineer"]
        )
    services.boarding_remove(boarding=boarding, actor=users["engineer"], note="Not ready")
    request.refresh_from_db()
    assert request.status == Status.IN_QA


def test_admin_override_needs_a_reason_and_is_recorded_for_audit_and_metrics(
    users, make_request, client_for
):
    request = make_request()
    with pytest.raises(ValidationError) as info:
        intake_services.request_transition(
            request=request, name=OVERRIDE_LIVE, actor=users["admin"]
        )
    assert "note" in info.value.message_dict
    for role in ("engineer", "pm"):
        with pytest.raises(TransitionError):
            intake_services.request_transition(
                request=request, name=OVERRIDE_LIVE, actor=users[role], note="Please"
            )
    request = intake_services.request_transition(
        request=request, name=OVERRIDE_LIVE, actor=users["admin"], note="Broken form on the site"
    )
    assert request.status == Status.LIVE and request.live_at is not None
    event = RequestEvent.objects.get(request=request, transition=OVERRIDE_LIVE)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "in_qa",
        "live",
        users["admin"],
        "Broken form on the site",
    )
    audit = client_for("admin").get("/audit/")
    assert b"admin override" in audit.content
    detail = client_for("pm").get(request.get_absolute_url())
    assert b"Broken form on the site" in detail.content


def test_a_departure_landing_an_overridden_request_records_only_the_outcome(users, make_request):
    request = make_request()
    boarding = board_next(request, actor=users["engineer"])
    intake_services.request_transition(
        request=request, name=OVERRIDE_LIVE, actor=users["admin"], note="Could not wait"
    )
    boarding = depart_and_land(boarding, actor=users["engineer"])
    assert boarding.status == BoardingStatus.LIVE
    request.refresh_from_db()
    assert request.status == Status.LIVE
    assert not request.events.filter(transition="go_live").exists()


def test_admin_overrides_from_the_request_page_after_confirming_with_a_reason(
    users, make_request, client_for
):
    request = make_request()
    url = f"/requests/{request.pk}/transition/"
    assert (
        b'value="override_live"'
        not in client_for("engineer").get(request.get_absolute_url()).content
    )
    admin = client_for("admin")
    assert b'value="override_live"' in admin.get(request.get_absolute_url()).content
    confirm = admin.post(url, {"name": "override_live", "version": request.version})
    assert confirm.status_code == 200 and b"without a departure" in confirm.content
    request.refresh_from_db()
    assert request.status == Status.IN_QA  # nothing happens before the confirmation
    admin.post(url, {"name": "override_live", "version": request.version, "confirmed": "1"})
    request.refresh_from_db()
    assert request.status == Status.IN_QA  # no reason, no override
    admin.post(
        url,
        {
            "name": "override_live",
            "version": request.version,
            "confirmed": "1",
            "note": "Form broken on the site",
        },
    )
    request.refresh_from_db()
    assert request.status == Status.LIVE
    assert request.events.filter(transition=OVERRIDE_LIVE, note="Form broken on the site").exists()
