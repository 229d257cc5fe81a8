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
