"""The channel services: the one write path of notification channels (API and admin)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mops.notify.models import Channel
from mops.notify.services import channel_create, channel_delete, channel_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["pm", "engineer", "approver", "leadership", "requester"])
def test_only_admins_write_channels(role, users):
    channel = factories.ChannelFactory(name="Ops")
    actor = users[role]
    with pytest.raises(PermissionDenied):
        channel_create(actor=actor, data={"name": "New", "kind": "email", "target": "a@b.io"})
    with pytest.raises(PermissionDenied):
        channel_update(actor=actor, channel=channel, data={"enabled": False})
    with pytest.raises(PermissionDenied):
        channel_delete(actor=actor, channel=channel)
    assert list(Channel.objects.values_list("name", "enabled")) == [("Ops", True)]


def test_unknown_fields_are_refused_by_name(users):
    with pytest.raises(ValidationError) as refused:
        channel_create(
            actor=users["admin"],
            data={"name": "x", "kind": "email", "target": "a@b.io", "id": 7},
        )
    assert refused.value.message_dict == {"id": ["Not a channel field."]}


def test_an_update_that_changes_nothing_still_records_who(users):
    channel = factories.ChannelFactory(name="Ops")
    channel_update(actor=users["admin"], channel=channel, data={"name": "Ops"})
    latest = channel.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (
        users["admin"],
        "changed by admin",
    )
