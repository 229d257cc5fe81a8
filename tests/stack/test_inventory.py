# ruff: noqa: F811 - the metrics catalog fixture is imported, then requested by name
"""The instrumentation inventory: entries, CSV import with line-numbered errors, the
coverage against the tracking plans of requests (through intake's hook) and its API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog.models import Service
from governance.stack import inventory, selectors
from governance.stack.models import Instrument
from intake.models import Request
from mops.core.concurrency import StaleVersion
from tests.metrics.conftest import catalog  # noqa: F401 — published services to request

pytestmark = pytest.mark.django_db

CSV = """kind,name,property,platform,consent_category,container,destinations,owner,description
event,webinar_registered,www.example.com,web,analytics,GTM-AB12CD,Segment;Marketo,engineer,
pixel,LinkedIn Insight,www.example.com,web,,GTM-AB12CD,Webinar Buddy,,
event,purchase,api.example.com,server,necessary,,Segment,,Conversion API
"""


@pytest.fixture
def segment(stack):
    from governance.stack.models import Tool

    return Tool.objects.create(name="Segment", layer="cdp", status="approved", sso=True)


def _request(users, status, events, title="Spring webinar"):
    service = Service.objects.get(slug="launch")
    return Request.objects.create(
        title=title,
        service=service,
        service_version=service.current_version,
        requester=users["requester"],
        team=users["requester"].team,
        status=status,
        complexity="standard",
        tracking_plan={"utm_source": "linkedin", "events": events},
    )


def test_an_entry_is_unique_per_kind_name_and_property_without_case(users, segment):
    entry = inventory.instrument_create(
        actor=users["engineer"],
        kind="event",
        name="webinar_registered",
        property="www.example.com",
        consent_category="analytics",
        destinations=[segment],
    )
    assert list(entry.destinations.all()) == [segment]
    assert entry.history.first().history_change_reason == "recorded by engineer"
    with pytest.raises(ValidationError) as caught:
        inventory.instrument_create(
            actor=users["pm"], kind="event", name="Webinar_Registered", property="WWW.example.com"
        )
    assert "name" in caught.value.message_dict
    # the same name as a pixel, or on another property, is another entry
    inventory.instrument_create(
        actor=users["pm"], kind="pixel", name="webinar_registered", property="www.example.com"
    )
    with pytest.raises(PermissionDenied):
        inventory.instrument_create(actor=users["leadership"], kind="event", name="x", property="y")
    with pytest.raises(StaleVersion):
        inventory.instrument_update(
            instrument=entry, actor=users["pm"], expected_version=7, container="GTM-1"
        )
    entry = inventory.instrument_update(
        instrument=entry, actor=users["pm"], expected_version=1, container="GTM-1"
    )
    assert (entry.version, entry.container) == (2, "GTM-1")
    assert list(entry.destinations.all()) == [segment]


def test_csv_import_previews_then_imports_and_updates_by_key(users, segment):
    rows = inventory.instruments_import_csv(actor=users["pm"], text=CSV, commit=False)
    assert [(r.line, r.action, r.errors) for r in rows] == [
        (2, "create", []),
        (3, "create", []),
        (4, "create", []),
    ]
    assert not Instrument.objects.exists()
    inventory.instruments_import_csv(actor=users["pm"], text=CSV, commit=True)
    pixel = Instrument.objects.get(kind="pixel")
    assert pixel.consent_category == "" and [t.name for t in pixel.destinations.all()] == [
        "Webinar Buddy"
    ]
    event = Instrument.objects.get(name="webinar_registered")
    assert event.owner == users["engineer"] and event.container == "GTM-AB12CD"
    assert {t.name for t in event.destinations.all()} == {"Segment", "Marketo"}
    again = inventory.instruments_import_csv(
        actor=users["pm"], text=CSV.replace("GTM-AB12CD", "GTM-NEW"), commit=True
    )
    assert [(r.action, r.errors) for r in again] == [("update", [])] * 3
    assert Instrument.objects.count() == 3
    assert Instrument.objects.get(kind="pixel").container == "GTM-NEW"


def test_csv_import_names_each_bad_line_and_writes_nothing(users, segment):
    text = (
        "kind,name,property,platform,consent_category,destinations,owner\n"
        "event,ok_event,www.example.com,web,analytics,Segment,\n"
        "banner,x,www.example.com,web,,,\n"
        "event,y,www.example.com,tv,cookies,Nowhere,nobody\n"
        "event,ok_event,WWW.EXAMPLE.COM,web,,,\n"
    )
    rows = inventory.instruments_import_csv(actor=users["pm"], text=text, commit=True)
    assert rows[0].errors == []
    assert rows[1].errors == ["kind: 'banner' is not one of event, pixel."]
    assert rows[2].line == 4 and rows[2].errors == [
        "platform: 'tv' is not one of web, app, server.",
        "consent_category: 'cookies' is not one of necessary, analytics, marketing, "
        "personalisation.",
        "owner: no active person 'nobody' (username or e-mail).",
        "destinations: no tool 'Nowhere' in the registry.",
    ]
    assert rows[3].errors == ["name: 'ok_event' (event, WWW.EXAMPLE.COM) appears twice."]
    assert not Instrument.objects.exists()
    with pytest.raises(ValidationError) as caught:
        inventory.instruments_import_csv(
            actor=users["pm"], text="name,property\nx,y\n", commit=False
        )
    assert "Line 1" in caught.value.message_dict["file"][0]


def test_coverage_checks_tracking_plans_consent_and_the_golden_path(users, segment, catalog):
    inventory.instruments_import_csv(actor=users["pm"], text=CSV, commit=True)
    planned = _request(users, "accepted", "webinar_registered, Demo Requested, purchase")
    _request(users, "live", "demo requested, trial_started", title="Trial push")
    _request(users, "draft", "never_counted")
    _request(users, "cancelled", "never_counted_either")
    coverage = selectors.instrumentation_coverage()
    assert coverage.planned == 4
    assert [(u.name, [e.reference for e in u.requests]) for u in coverage.uncovered] == [
        ("Demo Requested", [planned.reference, f"REQ-{planned.pk + 1}"]),
        ("trial_started", [f"REQ-{planned.pk + 1}"]),
    ]
    assert coverage.covered_share == 50.0
    assert [i.name for i in coverage.unconsented_pixels] == ["LinkedIn Insight"]
    assert [(o.instrument.name, o.tool.name) for o in coverage.off_path] == [
        ("LinkedIn Insight", "Webinar Buddy")
    ]


def test_pages_and_api(users, segment, catalog, client_for, api_for, django_assert_max_num_queries):
    inventory.instruments_import_csv(actor=users["pm"], text=CSV, commit=True)
    _request(users, "accepted", "webinar_registered, demo_requested")
    client = client_for("leadership")
    assert reverse("stack:instrument_list") in client.get("/").content.decode()
    with django_assert_max_num_queries(12):
        page = client.get(reverse("stack:instrument_list"))
    assert page.status_code == 200 and b"LinkedIn Insight" in page.content
    event = Instrument.objects.get(name="webinar_registered")
    detail = client.get(event.get_absolute_url()).content.decode()
    assert "Spring webinar" in detail
    coverage = client.get(reverse("stack:coverage")).content.decode()
    assert "demo_requested" in coverage and 'data-figure="covered-share">50.0%' in coverage
    assert client.get(reverse("stack:instrument_create")).status_code == 403
    assert client_for("requester").get(reverse("stack:instrument_list")).status_code == 403

    api = api_for("engineer")
    listed = api.get("/api/v1/stack/instruments/?consent_category=none").json()
    assert [r["name"] for r in listed["results"]] == ["LinkedIn Insight"]
    created = api.post(
        "/api/v1/stack/instruments/",
        {"kind": "event", "name": "demo_requested", "property": "www.example.com",
         "consent_category": "analytics", "destinations": [segment.pk]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201 and created["ETag"] == '"1"'
    duplicate = api.post(
        "/api/v1/stack/instruments/",
        {"kind": "event", "name": "DEMO_REQUESTED", "property": "www.example.com"},
        format="json",
    )
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["field"] == "name"
    stale = api.patch(
        f"/api/v1/stack/instruments/{created.json()['id']}/",
        {"container": "GTM-X"},
        format="json",
        HTTP_IF_MATCH='"9"',
    )
    assert stale.status_code == 412
    body = api.get("/api/v1/stack/instrumentation-coverage/").json()
    assert body["planned"] == 2 and body["uncovered"] == [] and body["covered_share"] == 100.0
    bad = api.post(
        "/api/v1/stack/instruments/import/",
        {"text": "kind,name,property\nbanner,x,y\n", "commit": True},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["rows"][0]["errors"][0].startswith("kind:")
    assert api_for("leadership").post("/api/v1/stack/instruments/", {}).status_code == 403


def test_an_unreadable_csv_is_a_400_naming_the_line(api_for, users):
    huge = "kind,name,property\nevent," + "x" * 200_000 + ",www\n"
    response = api_for("pm").post(
        "/api/v1/stack/instruments/import/", {"text": huge, "commit": False}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Line 2: not readable as CSV")
    tools = api_for("pm").post(
        "/api/v1/stack/tools/import/", {"text": "name,layer\n" + "y" * 200_000, "commit": False},
        format="json",
    )  # fmt: skip
    assert tools.status_code == 400
