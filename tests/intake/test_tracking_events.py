"""Tracking plans name the events a campaign needs (#14): stored normalised, validated with
the field named, and offered to the stack's instrumentation inventory for requests in play."""

import pytest
from django.core.exceptions import ValidationError

from intake import services, tracking_events
from intake.services import EVENTS_MAX

pytestmark = pytest.mark.django_db

UTM = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "fy30q1_na_email_promo_spring"}  # fmt: skip


def test_events_are_stored_once_each_trimmed(make_request):
    request = make_request(
        tracking_plan={**UTM, "events": " demo_requested ,Demo_Requested,, trial  started "}
    )
    assert request.tracking_plan["events"] == "demo_requested, trial started"
    assert services.tracking_events(request.tracking_plan) == ["demo_requested", "trial started"]


def test_too_many_or_too_long_events_name_the_field(make_request):
    with pytest.raises(ValidationError) as caught:
        make_request(
            tracking_plan={**UTM, "events": ",".join(f"e{i}" for i in range(EVENTS_MAX + 1))}
        )
    assert "tracking_plan.events" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_request(tracking_plan={**UTM, "events": "x" * 121})
    assert "tracking_plan.events" in caught.value.message_dict


def test_only_requests_in_play_offer_their_events(make_request):
    draft = make_request(tracking_plan={**UTM, "events": "draft_only"})
    submitted = make_request(submit=True, tracking_plan={**UTM, "events": "form_submitted"})
    names = {(e.name, e.request_id) for e in tracking_events.planned_events()}
    assert ("form_submitted", submitted.pk) in names
    assert all(request_id != draft.pk for _, request_id in names)
    assert [e.reference for e in tracking_events.planned_events("FORM_SUBMITTED")] == [
        submitted.reference
    ]


def test_the_api_takes_events_and_still_refuses_unknown_keys(api_for, service):
    api = api_for("requester")
    created = api.post(
        "/api/v1/requests/",
        {"service": service.slug, "title": "x", "tracking_plan": {"events": "a, b"}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["tracking_plan"] == {"events": "a, b"}
    bad = api.post(
        "/api/v1/requests/",
        {"service": service.slug, "tracking_plan": {"utm_foo": "x"}},
        format="json",
    )
    assert bad.status_code == 400
