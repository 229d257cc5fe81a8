"""Set-up forms cannot silently go wrong: automatic slugs, time zones from a list that
default to MOPS_TIME_ZONE, and copies of trains and checklists."""

import pytest

from catalog.models import SlaPolicy, Template
from catalog.services import calendar_create
from releases.qa.models import ChecklistTemplate
from releases.trains.models import Train

pytestmark = pytest.mark.django_db

TRAIN = {
    "name": "London e-mail train",
    "slug": "",
    "channels": ["email"],
    "time_zone": "Europe/London",
    "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
    "first_date": "2026-01-06",
    "start_time": "10:00",
    "duration_minutes": "120",
    "capacity": "5",
    "cutoff_hours": "24",
    "horizon_days": "30",
    "active": "on",
}


def test_time_zone_fields_default_to_mops_time_zone(client_for, users, settings):
    settings.TIME_ZONE = "Europe/London"
    admin = client_for("admin")
    for url in ("/releases/trains/new/", "/catalog/sla/calendars/new/", "/releases/freezes/new/"):
        html = admin.get(url).content.decode()
        assert '<option value="Europe/London" selected>' in html, url
        assert 'value="America/New_York" selected' not in html, url


def test_unknown_time_zone_is_refused_naming_the_field(client_for, users):
    response = client_for("admin").post("/releases/trains/new/", {**TRAIN, "time_zone": "London"})
    assert response.status_code == 400
    assert "field-time_zone" in response.content.decode()
    assert not Train.objects.exists()


def test_train_slug_is_made_from_the_name_and_kept_unique(client_for, users):
    admin = client_for("admin")
    assert admin.post("/releases/trains/new/", TRAIN).status_code == 302
    assert Train.objects.get().slug == "london-e-mail-train"
    copy = admin.post("/releases/trains/london-e-mail-train/copy/")
    assert copy.status_code == 302
    twin = Train.objects.get(name="Copy of London e-mail train")
    assert twin.slug == "copy-of-london-e-mail-train" and not twin.active
    assert twin.rrule == Train.objects.get(slug="london-e-mail-train").rrule


def test_checklist_slug_is_automatic_and_a_checklist_copies(client_for, users):
    admin = client_for("admin")
    response = admin.post(
        "/releases/checklists/new/",
        {
            "name": "E-mail pre-flight",
            "slug": "",
            "channel": "email",
            "phase": "preflight",
            "items": "Subject line proofread\nLinks resolve",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    original = ChecklistTemplate.objects.get(slug="e-mail-pre-flight")
    assert admin.post("/releases/checklists/e-mail-pre-flight/copy/").status_code == 302
    copy = ChecklistTemplate.objects.get(name="Copy of E-mail pre-flight")
    assert [i.text for i in copy.current_version.items.all()] == [
        i.text for i in original.current_version.items.all()
    ]


def test_sla_policy_and_template_slugs_are_automatic(client_for, users):
    calendar = calendar_create(
        actor=users["admin"],
        name="London",
        slug="london",
        working_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    admin = client_for("admin")
    response = admin.post(
        "/catalog/sla/policies/new/",
        {
            "name": "Standard UK",
            "slug": "",
            "description": "",
            "calendar": str(calendar.pk),
            "triage_hours_simple": "4",
            "triage_hours_standard": "4",
            "triage_hours_complex": "4",
            "delivery_hours_simple": "16",
            "delivery_hours_standard": "40",
            "delivery_hours_complex": "120",
            "at_risk_percent": "75",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert SlaPolicy.objects.get().slug == "standard-uk"
    response = admin.post(
        "/catalog/templates/new/",
        {
            "name": "Event follow-up",
            "slug": "",
            "kind": "other",
            "channel": "email",
            "content": "Thank-you e-mail.",
            "spec": "",
            "changelog": "First version.",
        },
    )
    assert response.status_code == 302
    assert Template.objects.get().slug == "event-follow-up"


def test_services_default_the_time_zone_to_mops_time_zone(users, settings):
    from datetime import time

    from releases.trains import services

    settings.TIME_ZONE = "Europe/London"
    calendar = calendar_create(
        actor=users["admin"],
        name="Office",
        slug="office",
        working_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    assert calendar.time_zone == "Europe/London"
    train = services.train_create(
        actor=users["admin"],
        name="Weekly",
        channels=["email"],
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_date=calendar.created_at.date(),
        start_time=time(10, 0),
    )
    assert train.time_zone == "Europe/London" and train.slug == "weekly"
