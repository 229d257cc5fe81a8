"""Releases API: roles, validation (400 naming the field / rule), If-Match, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from releases.boarding import services as boarding_services
from releases.qa import services as qa_services
from releases.trains.models import Departure


def _errors(response):
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_departure_list_is_readable_by_staff_not_requesters(api_for, departure):
    assert api_for("requester").get("/api/v1/departures/").status_code == 403
    body = api_for("leadership").get("/api/v1/departures/").json()
    assert body["count"] >= 10
    assert {"seats_taken", "frozen", "cutoff_at"} <= set(body["results"][0])


def test_departure_list_query_count_is_constant(
    api_for, departure, make_request, users, django_assert_max_num_queries
):
    boarding_services.departure_board(
        departure=departure, request=make_request(), actor=users["pm"]
    )
    client = api_for("pm")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/departures/?page_size=100")
    assert response.status_code == 200


def test_board_action_names_the_failing_rule(api_for, departure, make_request):
    client = api_for("pm")
    wrong = make_request(["paid_social"])
    response = client.post(f"/api/v1/departures/{departure.pk}/board/", {"request": wrong.pk})
    assert response.status_code == 400
    assert ("channel", "invalid") in _errors(response) or "channel" in {
        f for f, _ in _errors(response)
    }
    ok = make_request()
    response = client.post(f"/api/v1/departures/{departure.pk}/board/", {"request": ok.pk})
    assert response.status_code == 201, response.json()
    detail = client.get(f"/api/v1/departures/{departure.pk}/").json()
    assert [m["request"] for m in detail["manifest"]] == [ok.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "request"),
        ({"request": "abc"}, "request"),
        ({"request": 1, "rfc": 2}, "request"),
        ({"request": 10**30}, "request"),
    ],
)
def test_board_validation(api_for, departure, body, field):
    response = api_for("pm").post(f"/api/v1/departures/{departure.pk}/board/", body, format="json")
    assert response.status_code == 400
    assert field in {f for f, _ in _errors(response)}


def test_engineers_board_but_requesters_cannot(api_for, departure, make_request):
    request = make_request()
    assert (
        api_for("requester")
        .post(f"/api/v1/departures/{departure.pk}/board/", {"request": request.pk})
        .status_code
        == 403
    )


def test_departure_patch_with_stale_if_match_is_412(api_for, departure):
    client = api_for("pm")
    url = f"/api/v1/departures/{departure.pk}/"
    ok = client.patch(url, {"capacity": 4}, HTTP_IF_MATCH=f'"{departure.version}"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["capacity"] == 4
    stale = client.patch(url, {"capacity": 3}, HTTP_IF_MATCH=f'"{departure.version}"')
    assert stale.status_code == 412
    assert client.patch(url, {"capacity": 3}, HTTP_IF_MATCH="nonsense").status_code == 400
    assert api_for("engineer").patch(url, {"capacity": 3}).status_code == 403


def test_moving_a_departure_recomputes_its_cutoff(api_for, departure):
    new_start = departure.starts_at + timedelta(hours=3)
    response = api_for("pm").patch(
        f"/api/v1/departures/{departure.pk}/", {"starts_at": new_start.isoformat()}
    )
    assert response.status_code == 200, response.json()
    departure.refresh_from_db()
    assert departure.moved and departure.starts_at == new_start
    assert departure.cutoff_at == new_start - timedelta(hours=2)


def test_cancel_needs_a_note(api_for, departure):
    client = api_for("pm")
    url = f"/api/v1/departures/{departure.pk}/transition/"
    assert client.post(url, {"name": "cancel"}).status_code == 400
    assert client.post(url, {"name": "cancel", "note": "Exec offsite"}).status_code == 200
    assert client.post(url, {"name": "nope"}).status_code == 400


def test_train_create_validates_rrule_and_zone(api_for):
    client = api_for("admin")
    body = {
        "name": "Web",
        "slug": "web",
        "channels": ["web"],
        "time_zone": "Mars/Olympus",
        "rrule": "FREQ=HOURLY",
        "first_date": str(timezone.localdate()),
        "start_time": "14:00",
        "duration_minutes": 60,
        "capacity": 3,
        "cutoff_hours": "8",
    }
    response = client.post("/api/v1/trains/", body, format="json")
    assert response.status_code == 400
    assert {"time_zone", "rrule"} <= {f for f, _ in _errors(response)}
    body.update(time_zone="America/New_York", rrule="FREQ=WEEKLY;BYDAY=WE")
    response = client.post("/api/v1/trains/", body, format="json")
    assert response.status_code == 201, response.json()
    assert Departure.objects.filter(train_id=response.json()["id"]).count() >= 12
    assert api_for("engineer").post("/api/v1/trains/", body, format="json").status_code == 403


def test_freezes_api_admin_only_writes(api_for):
    body = {
        "name": "Holiday",
        "kind": "one_off",
        "starts_at": "2026-12-20T00:00:00-05:00",
        "ends_at": "2027-01-04T00:00:00-05:00",
    }
    assert api_for("pm").post("/api/v1/freezes/", body, format="json").status_code == 403
    response = api_for("admin").post("/api/v1/freezes/", body, format="json")
    assert response.status_code == 201, response.json()
    bad = api_for("admin").post(
        "/api/v1/freezes/", {"name": "x", "kind": "recurring"}, format="json"
    )
    assert bad.status_code == 400
    assert {"rrule", "first_date", "start_time"} <= {f for f, _ in _errors(bad)}


def test_checklist_template_and_run_api(api_for, make_request, django_assert_max_num_queries):
    client = api_for("pm")
    response = client.post(
        "/api/v1/checklist-templates/",
        {
            "name": "E-mail",
            "slug": "email",
            "channel": "email",
            "items": [{"text": "Seed test", "evidence": "note"}, {"text": "Alt text"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    with django_assert_max_num_queries(10):
        runs = client.get(f"/api/v1/checklist-runs/?request={request.pk}").json()["results"]
    result = runs[0]["results"][0]
    url = f"/api/v1/checklist-results/{result['id']}/record/"
    missing = client.post(url, {"state": "passed"}, format="json")
    assert missing.status_code == 400 and "evidence_note" in {f for f, _ in _errors(missing)}
    ok = client.post(url, {"state": "passed", "evidence_note": "fine"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "passed"


def test_preflight_run_api_queues_and_validates(api_for, make_request):
    client = api_for("engineer")
    request = make_request()
    response = client.post(
        "/api/v1/preflight-runs/",
        {"request": request.pk, "check_name": "email_html", "html": ""},
        format="json",
    )
    assert response.status_code == 400 and "html" in {f for f, _ in _errors(response)}
    response = client.post(
        "/api/v1/preflight-runs/",
        {
            "request": request.pk,
            "check_name": "tracking",
            "urls": ["https://a.example/?utm_source=x"],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] in {"queued", "passed", "failed"}


def test_train_create_refuses_a_rule_that_never_occurs(api_for):
    body = {
        "name": "Web",
        "slug": "web",
        "channels": ["web"],
        "time_zone": "America/New_York",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
        "first_date": str(timezone.localdate()),
        "start_time": "14:00",
        "duration_minutes": 60,
        "capacity": 3,
        "cutoff_hours": "8",
    }
    response = api_for("admin").post("/api/v1/trains/", body, format="json")
    assert response.status_code == 400
    assert "rrule" in {f for f, _ in _errors(response)}
