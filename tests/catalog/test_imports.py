"""Calendars and services from CSV / YAML (#21): preview, line-numbered errors, all or
nothing, idempotent by slug, through the catalog services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog.imports import calendars_import, services_import
from catalog.models import Calendar, Service

pytestmark = pytest.mark.django_db

CALENDARS = (
    "name,slug,time_zone,mon,tue,wed,thu,fri,sat,sun,holiday_regions,closed_days\n"
    "Berlin,berlin,Europe/Berlin,09:00-17:00,09:00-17:00,09:00-17:00,09:00-17:00,"
    '09:00-15:00,,,DE,"2026-12-24 Heiligabend; 2026-12-31 Silvester"\n'
    "London,london,Europe/London,09:00-17:30,09:00-17:30,09:00-17:30,09:00-17:30,"
    "09:00-17:30,,,GB,\n"
)


def test_calendars_preview_then_import_then_unchanged(users):
    admin = users["admin"]
    preview = calendars_import(actor=admin, data=CALENDARS.encode(), filename="c.csv", commit=False)
    assert [(r.line, r.action, r.errors) for r in preview] == [(2, "create", []), (3, "create", [])]
    assert not Calendar.objects.filter(slug="berlin").exists()
    calendars_import(actor=admin, data=CALENDARS.encode(), filename="c.csv", commit=True)
    berlin = Calendar.objects.get(slug="berlin")
    assert berlin.working_hours["4"] == [["09:00", "15:00"]]
    assert sorted(c.name for c in berlin.closed_days.all()) == ["Heiligabend", "Silvester"]
    again = calendars_import(actor=admin, data=CALENDARS.encode(), filename="c.csv", commit=True)
    assert [r.action for r in again] == ["unchanged", "unchanged"]


def test_calendar_errors_name_line_and_column_and_nothing_lands(users):
    bad = (
        CALENDARS
        + "Paris,paris,Mars/Olympus,9-5,,,,,,,FR,2026-13-01\nBerlin again,berlin,,,,,,,,,,\n"
    )
    rows = calendars_import(actor=users["admin"], data=bad.encode(), filename="c.csv", commit=True)
    errors = {r.line: r.errors for r in rows if r.errors}
    assert errors[4][0].startswith("mon: ")
    assert errors[4][1] == "closed_days: '2026-13-01' is not a date like 2026-12-24."
    assert errors[5] == ["slug: berlin already appears on line 2."]
    assert not Calendar.objects.filter(slug__in=["berlin", "london"]).exists()


def test_a_service_refusal_rolls_back_the_whole_file(users):
    bad = CALENDARS + "Paris,paris,Mars/Olympus,09:00-17:00,,,,,,,FR,\n"
    rows = calendars_import(actor=users["admin"], data=bad.encode(), filename="c.csv", commit=True)
    assert rows[2].errors and rows[2].errors[0].startswith("time_zone:")
    assert not Calendar.objects.filter(slug__in=["berlin", "london"]).exists()


SERVICES_YAML = """services:
  - name: Build a nurture
    slug: build-a-nurture
    description: A nurture stream.
    channels: [email]
    change_type: new_campaign
    default_complexity: complex
    sla_policy: standard
    status: active
    input_definition:
      - {key: audience, label: Audience, type: text, required: true}
  - name: Add a field
    slug: add-a-field
    sla_policy: nope
    self_serve: maybe
"""


def test_services_from_yaml_with_line_errors(users, policy):
    rows = services_import(
        actor=users["pm"], data=SERVICES_YAML.encode(), filename="s.yaml", commit=True
    )
    assert rows[0].errors == []
    assert rows[1].line == 12
    assert rows[1].errors == [
        "self_serve: 'maybe' is not yes or no.",
        "sla_policy: no SLA policy 'nope'.",
    ]
    assert not Service.objects.filter(slug="build-a-nurture").exists()
    fixed = SERVICES_YAML.split("  - name: Add a field")[0]
    rows = services_import(actor=users["pm"], data=fixed.encode(), filename="s.yaml", commit=True)
    service = Service.objects.get(slug="build-a-nurture")
    assert (service.status, service.input_definition[0]["key"]) == ("active", "audience")
    again = services_import(actor=users["pm"], data=fixed.encode(), filename="s.yaml", commit=True)
    assert again[0].action == "unchanged"


def test_only_catalog_editors_import(users):
    with pytest.raises(PermissionDenied):
        services_import(
            actor=users["requester"], data=b"name,slug\n", filename="s.csv", commit=False
        )
    with pytest.raises(ValidationError):
        calendars_import(actor=users["admin"], data=b"\xff\xfe", filename="c.csv", commit=False)


def _post(client, kind: str, text: str, name: str = "c.csv", commit: bool = False):
    import io

    file = io.BytesIO(text.encode())
    file.name = name
    return client.post(
        f"/api/v1/catalog-imports/{kind}/", {"file": file, "commit": commit}, format="multipart"
    )


def test_api_preview_import_and_line_errors(api_for, users):
    client = api_for("admin")
    preview = _post(client, "calendars", CALENDARS)
    assert preview.status_code == 200
    assert [r["action"] for r in preview.json()["rows"]] == ["create", "create"]
    assert _post(client, "calendars", CALENDARS, commit=True).json()["committed"] is True
    bad = _post(client, "calendars", CALENDARS + "Oslo,oslo,,,,,,,,,,2026-02-30\n")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "field": "line.4",
            "code": "invalid_row",
            "message": "Line 4: closed_days: '2026-02-30' is not a date like 2026-12-24.",
        }
    ]
    assert _post(api_for("pm"), "calendars", CALENDARS).status_code == 403
    assert _post(api_for("engineer"), "services", "name,slug\n").status_code == 403
