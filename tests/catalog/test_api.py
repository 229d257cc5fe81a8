"""Catalog API: roles, validation errors that name the field, query counts, business time."""

from datetime import date

import pytest

from catalog.models import Calendar, Service, Template

from .conftest import DEFINITION

pytestmark = pytest.mark.django_db


def fields_of(response):
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- services -----------------------------------------------------------------------------


def test_everyone_reads_services_requesters_only_active(api_for, service, draft_service):
    requester = api_for("requester").get("/api/v1/services/").json()
    assert [s["slug"] for s in requester["results"]] == ["launch-a-campaign"]
    first = requester["results"][0]
    assert first["delivery"] == {
        "simple": "2 business days",
        "standard": "5 business days",
        "complex": "15 business days",
    }
    assert first["current_version"]["number"] == 1
    assert first["input_definition"] == DEFINITION
    pm = api_for("pm").get("/api/v1/services/").json()
    assert {s["slug"] for s in pm["results"]} == {"launch-a-campaign", "secret-draft"}
    assert api_for("requester").get(f"/api/v1/services/{draft_service.pk}/").status_code == 404


@pytest.mark.parametrize(
    "query,slugs",
    [
        ({"channel": "paid_social"}, ["create-a-utm-set", "launch-a-campaign"]),
        ({"self_serve": "true"}, ["create-a-utm-set"]),
        ({"q": "landing"}, ["build-a-landing-page"]),
        ({"search": "segment"}, ["create-a-segment"]),
    ],
)
def test_service_filters(api_for, demo_catalog, query, slugs):
    body = api_for("requester").get("/api/v1/services/", query).json()
    assert [s["slug"] for s in body["results"]] == slugs


def test_service_list_query_count_is_constant(api_for, demo_catalog, django_assert_max_num_queries):
    client = api_for("requester")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/services/").json()
    assert body["count"] == 7


def test_only_admins_and_pms_write_services(api_for, service, policy):
    body = {
        "name": "Add a field",
        "slug": "add-a-field",
        "sla_policy": policy.pk,
        "input_definition": [{"key": "label", "label": "Label", "type": "text"}],
    }
    for role in ("requester", "engineer", "approver", "leadership"):
        assert api_for(role).post("/api/v1/services/", body).status_code == 403
        assert api_for(role).post(f"/api/v1/services/{service.pk}/retire/").status_code == 403
    created = api_for("pm").post("/api/v1/services/", body)
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert created.json()["current_version"]["number"] == 1


def test_definition_errors_name_the_field_and_the_problem(api_for, policy):
    body = {
        "name": "Bad",
        "slug": "bad",
        "sla_policy": policy.pk,
        "input_definition": [
            {"key": "a", "label": "A", "type": "text", "condition": {"field": "b", "op": "set"}},
            {"key": "b", "label": "B", "type": "colour"},
            {"key": "b", "label": "B again", "type": "text"},
        ],
    }
    response = api_for("admin").post("/api/v1/services/", body)
    assert response.status_code == 400
    errors = fields_of(response)
    assert errors["input_definition.0.condition.field"] == (
        "Field 1 (a): the condition refers to 'b', which comes later; "
        "conditions may only refer to earlier fields."
    )
    assert errors["input_definition.1.type"].startswith("Field 2 (b): unknown type 'colour'")
    assert errors["input_definition.2.key"] == "Field 3 (b): duplicate key 'b'."


def test_other_service_errors_name_the_field(api_for, policy, service):
    response = api_for("admin").post(
        "/api/v1/services/",
        {"name": "Launch a campaign", "slug": "x", "sla_policy": policy.pk, "channels": ["fax"]},
    )
    assert response.status_code == 400
    assert {"channels.0"} <= set(fields_of(response))
    response = api_for("admin").post("/api/v1/services/", {"name": "No policy", "slug": "np"})
    assert fields_of(response) == {"sla_policy": "This field is required."}


def test_update_versions_and_if_match(api_for, service):
    client = api_for("admin")
    url = f"/api/v1/services/{service.pk}/"
    new_definition = [*DEFINITION, {"key": "budget", "label": "Budget", "type": "number"}]
    stale = client.patch(url, {"description": "x"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "stale"
    response = client.patch(
        url,
        {"input_definition": new_definition, "changelog": "Budget"},
        HTTP_IF_MATCH=f'"{service.revision}"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["current_version"]["number"] == 2
    versions = client.get(url + "versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["changelog"] == "Budget" and versions[0]["created_by"] == "admin"
    assert versions[1]["input_definition"] == DEFINITION
    # description only: no new version
    client.patch(url, {"description": "Nicer"})
    assert Service.objects.get(pk=service.pk).versions.count() == 2


def test_publish_and_retire_actions(api_for, draft_service):
    client = api_for("pm")
    response = client.post(f"/api/v1/services/{draft_service.pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    again = client.post(f"/api/v1/services/{draft_service.pk}/publish/")
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "transition"


# --- SLA policies and calendars -----------------------------------------------------------


def test_policies_and_calendars_read_by_all_written_by_admins(api_for, policy):
    for role in ("requester", "pm", "engineer", "approver", "leadership", "admin"):
        body = api_for(role).get("/api/v1/sla-policies/").json()
        assert body["results"][0]["delivery"]["simple"] == "2 business days"
        assert body["results"][0]["at_risk_ratio"] == 0.75
    body = {"name": "Fast", "slug": "fast", "calendar": policy.calendar_id}
    assert api_for("pm").post("/api/v1/sla-policies/", body).status_code == 403
    created = api_for("admin").post("/api/v1/sla-policies/", body | {"at_risk_percent": 150})
    assert created.status_code == 400
    assert "at_risk_percent" in fields_of(created)
    assert api_for("admin").post("/api/v1/sla-policies/", body).status_code == 201


def test_calendar_create_with_clear_errors(api_for):
    client = api_for("admin")
    body = {
        "name": "Lunch breaks",
        "slug": "lunch",
        "time_zone": "Europe/Paris",
        "working_hours": {"0": [["09:00", "12:00"], ["11:30", "18:00"]], "1": [["18:00", "09:00"]]},
        "holiday_regions": ["FR"],
        "closed_days": [{"date": "2025-08-15", "name": "Summer"}],
    }
    response = client.post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"] if e["field"] == "working_hours"]
    assert "Monday: 09:00–12:00 overlaps 11:30–18:00." in messages
    assert any(m.startswith("Tuesday: 18:00–09:00 ends before it starts") for m in messages)
    body["working_hours"] = {"0": [["09:00", "12:00"], ["13:00", "18:00"]]}
    created = client.post("/api/v1/calendars/", body, format="json")
    assert created.status_code == 201, created.json()
    # Closed days now say whether they are a range or yearly (issue #20): two more keys.
    assert created.json()["closed_days"] == [
        {"date": "2025-08-15", "end_date": None, "yearly": False, "name": "Summer"}
    ]
    assert created.json()["hours_per_day"] == "8.00"
    assert api_for("pm").post("/api/v1/calendars/", body, format="json").status_code == 403


@pytest.mark.parametrize("region", ["%", "%(x)s", "US-%", "100%"])
def test_a_holiday_region_with_a_percent_sign_is_refused_naming_it(api_for, region):
    """A region's error carries the typed value; a % in it once broke the message's own
    formatting (ArrayField %-formats each item's error) and answered 500."""
    body = {
        "name": "Percent",
        "slug": "percent",
        "time_zone": "UTC",
        "working_hours": {"0": [["09:00", "17:00"]]},
        "holiday_regions": [region],
    }
    response = api_for("admin").post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 400
    message = fields_of(response)["holiday_regions"]
    assert f"'{region.partition('-')[2] or region}' is not a" in message
    assert not Calendar.objects.filter(slug="percent").exists()


def test_calendar_closed_day_ranges_and_yearly_closures_over_the_api(api_for):
    client = api_for("admin")
    body = {
        "name": "Shutdowns",
        "slug": "shutdowns",
        "time_zone": "Europe/London",
        "working_hours": {"0": [["09:00", "17:00"]]},
        "closed_days": [
            {"date": "2026-12-24", "end_date": "2027-01-01", "name": "Company shutdown"},
            {"date": "2026-07-04", "yearly": True, "name": "Summer party"},
        ],
    }
    created = client.post("/api/v1/calendars/", body, format="json")
    assert created.status_code == 201, created.json()
    calendar = Calendar.objects.get(pk=created.json()["id"])
    closed = calendar.closed_dates(range(2026, 2028))
    assert len([d for d in closed if closed[d] == "Company shutdown"]) == 9
    assert date(2027, 7, 4) in closed
    body["name"], body["closed_days"] = (
        "Backwards",
        [{"date": "2027-01-01", "end_date": "2026-12-24"}],
    )
    refused = client.post("/api/v1/calendars/", body, format="json")
    assert refused.status_code == 400
    assert any("closed_days" in e["field"] for e in refused.json()["errors"]), refused.json()


def test_due_date(api_for, policy):
    cal = policy.calendar_id
    client = api_for("requester")
    # Thursday 2025-07-03 16:00 New York; Friday July 4 is a holiday
    response = client.get(
        f"/api/v1/calendars/{cal}/due-date/",
        {"complexity": "simple", "clock": "delivery", "start": "2025-07-03T16:00:00-04:00"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["due"] == "2025-07-08T16:00:00-04:00"
    assert body["at_risk_at"] == "2025-07-08T12:00:00-04:00"  # 12 of 16 hours
    assert body["target"] == "2 business days" and body["policy"] == policy.pk
    triage = client.get(
        f"/api/v1/calendars/{cal}/due-date/",
        {
            "complexity": "complex",
            "clock": "triage",
            "start": "2025-07-07T15:00:00Z",
            "policy": "standard",
        },
    ).json()
    assert triage["due"] == "2025-07-07T15:00:00-04:00"  # 11:00 + 4h
    assert triage["target"] == "4 business hours"


def test_due_date_errors_name_the_parameter(api_for, policy):
    url = f"/api/v1/calendars/{policy.calendar_id}/due-date/"
    client = api_for("requester")
    assert fields_of(client.get(url, {"complexity": "huge"})) == {
        "complexity": '"huge" is not a valid choice.'
    }
    assert "start" in fields_of(client.get(url, {"complexity": "simple", "start": "tomorrow"}))
    assert "policy" in fields_of(client.get(url, {"complexity": "simple", "policy": "nope"}))


def test_business_time(api_for, policy):
    url = f"/api/v1/calendars/{policy.calendar_id}/business-time/"
    client = api_for("engineer")
    # Mon 9:00 to next Mon 9:00 in the week of July 4th: four working days
    body = client.get(
        url, {"start": "2025-06-30T09:00:00-04:00", "end": "2025-07-07T09:00:00-04:00"}
    ).json()
    assert body["business_seconds"] == 32 * 3600
    assert body["business_hours"] == "32.0000" and body["business_days"] == "4.0000"
    # naive instants are read in the calendar's time zone; '+' sent unencoded still parses
    naive = client.get(url, {"start": "2025-06-30T09:00", "end": "2025-06-30T10:30"}).json()
    assert naive["business_seconds"] == 5400
    raw = client.get(f"{url}?start=2025-06-30T13:00:00+00:00&end=2025-06-30T14:00:00+00:00")
    assert raw.status_code == 200 and raw.json()["business_seconds"] == 3600
    backwards = client.get(url, {"start": "2025-07-01T09:00", "end": "2025-06-30T09:00"})
    assert fields_of(backwards) == {"end": "end is before start."}


# --- templates ----------------------------------------------------------------------------


def test_templates_publish_rollback_and_missing_versions(api_for, template):
    client = api_for("pm")
    base = f"/api/v1/templates/{template.pk}/"
    published = client.post(
        base + "publish/",
        {"content": "Every 10 days", "spec": {"cadence_days": 10}, "changelog": "Slower"},
        format="json",
    )
    assert published.status_code == 201 and published.json()["number"] == 2
    missing = client.post(base + "rollback/", {"to_number": 5}, format="json")
    assert missing.status_code == 400
    assert fields_of(missing) == {"to_number": "Nurture has no version 5 (versions: v2, v1)."}
    rolled = client.post(base + "rollback/", {"to_number": 1}, format="json")
    assert rolled.status_code == 201
    assert rolled.json()["restored_from"] == 1 and rolled.json()["spec"] == {"cadence_days": 7}
    versions = client.get(base + "versions/").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    detail = api_for("requester").get(base).json()
    assert detail["current_version"]["number"] == 3
    assert api_for("engineer").post(base + "rollback/", {"to_number": 1}).status_code == 403


def test_template_content_changes_only_through_versions(api_for, template):
    response = api_for("admin").patch(
        f"/api/v1/templates/{template.pk}/", {"content": "sneaky"}, format="json"
    )
    assert response.status_code == 400
    assert "content" in fields_of(response)
    ok = api_for("admin").patch(
        f"/api/v1/templates/{template.pk}/", {"description": "Weekly"}, format="json"
    )
    assert ok.status_code == 200 and Template.objects.get(pk=template.pk).description == "Weekly"


def test_template_list_query_count(api_for, demo_catalog, django_assert_max_num_queries):
    client = api_for("requester")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/templates/").json()
    assert body["count"] == 5
    assert all(t["current_version"]["number"] >= 2 for t in body["results"])


def test_calendar_list_query_count(api_for, demo_catalog, django_assert_max_num_queries):
    client = api_for("requester")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/calendars/").json()
    assert {c["slug"] for c in body["results"]} == {"us-business-hours", "berlin", "always-open"}
