"""Notification channels over the API (#21 API parity): admins only, target/secret write-only."""

import pytest

from mops.notify.models import Channel

pytestmark = pytest.mark.django_db

URL = "/api/v1/notification-channels/"


def test_admin_creates_and_updates_a_channel_with_the_target_masked(api_for):
    client = api_for("admin")
    body = {
        "name": "Ops Slack",
        "kind": "slack",
        "target": "https://hooks.example.com/services/T000/B000/SECRETPATH",
        "secret": "s3cret",
    }
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert "target" not in data and "secret" not in data
    assert data["target_shown"] == "https://hooks.example.com/…"
    listed = client.get(URL).content.decode()
    assert "SECRETPATH" not in listed and "s3cret" not in listed
    channel = Channel.objects.get(pk=data["id"])
    assert channel.secret == "s3cret"
    updated = client.patch(f"{URL}{channel.pk}/", {"enabled": False}, format="json")
    assert updated.status_code == 200, updated.json()
    channel.refresh_from_db()
    assert channel.enabled is False
    assert channel.target.endswith("SECRETPATH")  # untouched when not sent


def test_bad_target_is_a_400_naming_the_field(api_for):
    client = api_for("admin")
    bad = client.post(URL, {"name": "x", "kind": "webhook", "target": "not a url"}, format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["target"]
    bad = client.post(URL, {"name": "y", "kind": "email", "target": "nobody"}, format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["target"]


@pytest.mark.parametrize("role", ["pm", "engineer", "leadership", "requester"])
def test_other_roles_are_refused(role, api_for):
    body = {"name": "Ops mail", "kind": "email", "target": "ops@example.com"}
    assert api_for(role).post(URL, body, format="json").status_code == 403
    assert api_for(role).get(URL).status_code == 403


def _fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_refusals_are_400s_naming_the_field(api_for):
    client = api_for("admin")
    mail = client.post(URL, {"name": "Ops", "kind": "email", "target": "o@x.io"}, format="json")
    assert mail.status_code == 201
    again = client.post(URL, {"name": "Ops", "kind": "email", "target": "p@x.io"}, format="json")
    assert again.status_code == 400 and _fields(again) == ["name"]
    odd = client.post(URL, {"name": "Odd", "kind": "fax", "target": "o@x.io"}, format="json")
    assert odd.status_code == 400 and _fields(odd) == ["kind"]
    # The kind alone changes: the stored e-mail target is no webhook URL.
    url = f"{URL}{mail.json()['id']}/"
    switched = client.patch(url, {"kind": "webhook"}, format="json")
    assert switched.status_code == 400 and _fields(switched) == ["target"]
    bracket = client.patch(url, {"kind": "slack", "target": "https://[::1"}, format="json")
    assert bracket.status_code == 400 and _fields(bracket) == ["target"]
    assert Channel.objects.get(name="Ops").kind == "email"


def test_api_writes_are_history_rows_naming_who_and_which_fields(api_for, users):
    client = api_for("admin")
    body = {"name": "Ops", "kind": "slack", "target": "https://hooks.example.com/T/B/X"}
    pk = client.post(URL, body, format="json").json()["id"]
    client.patch(f"{URL}{pk}/", {"enabled": False, "target": body["target"] + "Y"}, format="json")
    assert client.delete(f"{URL}{pk}/").status_code == 204
    rows = Channel.history.filter(id=pk).order_by("history_date")
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in rows] == [
        ("+", users["admin"], "created by admin"),
        ("~", users["admin"], "changed by admin: target, enabled"),
        ("-", users["admin"], "deleted by admin"),
    ]
