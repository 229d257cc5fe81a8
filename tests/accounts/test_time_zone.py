"""Each user's pages render in their own time zone, and every shown time names its zone."""

import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone

from mops.accounts.models import User

pytestmark = pytest.mark.django_db


def test_profile_sets_a_time_zone_and_pages_render_in_it(client_for, users):
    client = client_for("pm")
    response = client.post("/profile/", {"action": "time_zone", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert User.objects.get(pk=users["pm"].pk).time_zone == "Asia/Tokyo"
    page = client.get("/profile/").content.decode()
    assert "<option selected>Asia/Tokyo</option>" in page
    assert "JST" in page  # the profile's own clock, in the chosen zone


def test_an_unknown_time_zone_is_refused_naming_the_field(client_for, users):
    response = client_for("pm").post(
        "/profile/", {"action": "time_zone", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "Time zone: “Mars/Olympus” is not a known time zone" in response.content.decode()
    assert User.objects.get(pk=users["pm"].pk).time_zone == ""


def test_blank_follows_the_mops_time_zone(client_for, users, settings):
    users["pm"].time_zone = "Asia/Tokyo"
    users["pm"].save()
    client = client_for("pm")
    client.post("/profile/", {"action": "time_zone", "time_zone": ""})
    assert User.objects.get(pk=users["pm"].pk).effective_time_zone == settings.TIME_ZONE


def test_audit_history_shows_times_in_the_users_zone_with_its_abbreviation(client_for, users):
    from mops.accounts.services import user_set_time_zone

    user_set_time_zone(user=users["pm"], time_zone="Europe/Berlin", actor=users["pm"])
    page = client_for("pm").get("/audit/").content.decode()
    now = timezone.now().astimezone(dt.UTC)
    berlin = timezone.localtime(now, timezone=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert berlin.strftime("%Y-%m-%d") in page
    assert " CET" in page or " CEST" in page


def test_when_filter_appends_the_zone_to_any_format():
    template = engines["django"].from_string(
        '{{ t|when }} | {{ t|when:"D j M H:i" }} | {{ d|when:"Y-m-d" }}'
    )
    moment = dt.datetime(2026, 7, 1, 14, 30, tzinfo=dt.UTC)
    with timezone.override("America/New_York"):
        out = template.render({"t": moment, "d": dt.date(2026, 7, 1)})
    assert out == "2026-07-01 10:30 EDT | Wed 1 Jul 10:30 EDT | 2026-07-01"


def test_another_users_zone_is_only_set_by_an_admin(users):
    from django.core.exceptions import PermissionDenied

    from mops.accounts.services import user_set_time_zone

    with pytest.raises(PermissionDenied):
        user_set_time_zone(user=users["engineer"], time_zone="UTC", actor=users["pm"])
    user_set_time_zone(user=users["engineer"], time_zone="UTC", actor=users["admin"])
    assert User.objects.get(pk=users["engineer"].pk).time_zone == "UTC"


def test_the_api_reports_the_users_time_zone(api_for, users):
    from mops.accounts.services import user_set_time_zone

    user_set_time_zone(user=users["pm"], time_zone="Asia/Tokyo", actor=users["pm"])
    assert api_for("pm").get("/api/v1/me/").json()["time_zone"] == "Asia/Tokyo"
