"""The audit shows no secrets and follows object visibility (issue 12, finding 4), on the page
(/audit/) and the API (/api/v1/audit/) alike."""

import pytest

from mops.accounts.services import api_token_create, api_token_revoke
from mops.core.audit import MASK, audit_entries, secret_fields, tracked_models
from mops.notify.models import Channel

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.example/services/T000/B000/XXXXSECRETXXXX"
NEW_SLACK_URL = "https://hooks.slack.example/services/T000/B000/YYYYROTATEDYYYY"


@pytest.fixture
def channel():
    channel = Channel.objects.create(name="Ops alerts", kind="slack", target=SLACK_URL)
    channel.target = NEW_SLACK_URL
    channel._change_reason = "rotated the webhook"
    channel.save()
    return channel


def _api_changes(api, **params):
    response = api.get("/api/v1/audit/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_channel_target_is_masked_for_everyone_including_admins(client_for, api_for, channel):
    html = client_for("admin").get("/audit/", {"model": "notify.channel"}).content.decode()
    assert "rotated the webhook" in html  # the change is there...
    assert "SECRET" not in html and "ROTATED" not in html and "hooks.slack" not in html
    assert f"<code>target</code>: {MASK} → {MASK}" in html  # ...its values are not

    entries = _api_changes(api_for("admin"), model="notify.channel")
    assert entries and "hooks.slack" not in str(entries)
    [change] = [c for e in entries for c in e["changes"] if c["field"] == "target"]
    assert change == {"field": "target", "old": MASK, "new": MASK}
    assert "hooks.slack" not in str(_api_changes(api_for("admin")))  # unfiltered too


@pytest.mark.parametrize("role", ["pm", "engineer", "leadership"])
def test_non_admins_do_not_see_the_history_of_admin_only_objects(
    client_for, api_for, role, channel
):
    html = client_for(role).get("/audit/").content.decode()
    assert "Ops alerts" not in html and "rotated the webhook" not in html
    assert 'value="notify.channel"' not in html  # not offered as a filter either
    assert _api_changes(api_for(role), model="notify.channel") == []
    assert "Ops alerts" not in str(_api_changes(api_for(role), limit=500))


def test_token_history_is_its_owners_and_admins_with_the_digest_masked(api_for, users):
    token, _ = api_token_create(user=users["pm"], name="pm laptop")
    api_token_revoke(token=token, actor=users["pm"])
    other, _ = api_token_create(user=users["engineer"], name="engineer ci")

    def objects(role):
        entries = _api_changes(api_for(role), model="accounts.apitoken", limit=500)
        return {e["object"].split(" (")[0] for e in entries}

    assert objects("pm") == {"pm laptop", "tests"}  # its own, and the client's own token
    assert "pm laptop" not in objects("engineer") and "engineer ci" in objects("engineer")
    assert {"pm laptop", "engineer ci"} <= objects("admin")
    assert other.digest not in str(_api_changes(api_for("admin"), limit=500))


def test_requesters_still_cannot_read_the_audit_at_all(client_for, api_for):
    assert client_for("requester").get("/audit/").status_code == 403
    assert api_for("requester").get("/api/v1/audit/").status_code == 403


def test_every_secret_field_changed_is_masked_in_the_service(users):
    """The renderer masks whatever a model declares, whichever model it is."""
    declared = {m._meta.label_lower: secret_fields(m) for m in tracked_models()}
    assert declared["notify.channel"] == {"target", "secret"}
    assert declared["accounts.apitoken"] == {"digest"}
    assert declared["governance.warehouse"] >= {"dsn"}
    assert declared["releases.feedtoken"] >= {"digest"}
    token, _ = api_token_create(user=users["admin"], name="rotating")
    token.digest = "f" * 64
    token.save()
    [entry] = [
        e
        for e in audit_entries(user=users["admin"], model_label="accounts.apitoken")
        if e.action == "changed"
    ]
    assert entry.changes == [("digest", MASK, MASK)]


def test_the_outbox_shows_a_webhook_target_by_its_host_only(api_for, client_for, channel):
    from mops.notify.models import OutboxMessage

    OutboxMessage.objects.create(
        kind="slack",
        target=NEW_SLACK_URL,
        subject="Check failed",
        idempotency_key="k1",
        status="dead",
        next_attempt_at="2026-01-01T00:00:00Z",
    )
    OutboxMessage.objects.create(
        kind="webhook",
        target="http://[::1",
        idempotency_key="k2",
        status="dead",
        next_attempt_at="2026-01-01T00:00:00Z",
    )
    body = api_for("admin").get("/api/v1/outbox/", {"status": "dead"}).json()
    targets = sorted(m["target"] for m in body["results"])
    assert targets == ["(invalid URL)", "https://hooks.slack.example/…"]
    html = client_for("admin").get("/notifications/dead-letters/").content.decode()
    assert "hooks.slack.example/…" in html and "ROTATED" not in html
