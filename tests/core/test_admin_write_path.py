"""One write path (#13): the Django admin writes no model that has a service, except through
that service. Every model registered in the admin is classified below, so a new admin has to
say which kind it is."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from governance.health.models import Rotation
from mops.accounts.models import IdpGroupMapping, User
from mops.core.admin import ReadOnlyAdmin
from mops.notify.models import Channel, Notification
from tests import factories

# The admin refuses add, change, delete and simple-history's revert; the service writes them.
REFUSED: dict[str, str] = {
    "accounts.apitoken": "api_token_create / api_token_revoke (Profile page, API)",
    "accounts.idpgroup": "SCIM (mops/accounts/scim.py)",
    "accounts.team": "team_create / team_update (Teams page, API)",
    "accounts.user": "user_invite / user_update / user_deactivate (People page, API)",
    "auth.group": "roles: a migration and user_update (People page); approver groups: demo/shell",
    "catalog.calendar": "calendar_create / calendar_update",
    "catalog.service": "service_create / service_update / service_publish / service_retire",
    "catalog.serviceversion": "written by the service services",
    "catalog.slapolicy": "sla_policy_create / sla_policy_update",
    "catalog.template": "template_create / template_update / template_publish",
    "catalog.templateversion": "written by the template services",
    "enablement.course": "governance.enablement.services",
    "enablement.playbook": "governance.enablement.services",
    "governance.approval": "governance.rfc.services",
    "governance.approvalpolicy": "approval_policy_save (Approval policies page, API)",
    "governance.campaign": "governance.taxonomy services",
    "governance.dataset": "dataset_save",
    "governance.incident": "incident_* services",
    "governance.monitor": "monitor_save",
    "governance.rfc": "governance.rfc.services",
    "governance.rfcevent": "written by the RFC services",
    "governance.runbook": "runbook_save",
    "governance.taxonomyversion": "governance.taxonomy services",
    "governance.warehouse": "warehouse_save",
    "metrics.npsresponse": "nps_respond",
    "metrics.npssurvey": "nps_survey_send",
    "notify.notification": "notification_create / notifications_mark_read",
    "notify.outboxmessage": "outbox_enqueue / outbox_replay (dead-letters page)",
}
# No page: the admin is their editor, and it saves through the service (tested below).
THROUGH_SERVICE = {"accounts.idpgroupmapping", "governance.rotation", "notify.channel"}
# Edited in the admin, with no service of ours to go through (none left).
NO_SERVICE: dict[str, str] = {}
# Third-party apps' own admins (their models have no mops service).
THIRD_PARTY_APPS = {"account", "axes", "django_celery_beat", "mfa", "socialaccount"}


def _urls(model: type, pk: Any = 1) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return {
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[pk]),
        "delete": reverse(f"{info}_delete", args=[pk]),
    }


@pytest.fixture
def root(db) -> User:
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(root: User) -> Client:
    client = Client()
    client.force_login(root)
    return client


def test_every_admin_model_is_classified():
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label not in THIRD_PARTY_APPS
    }
    assert registered == set(REFUSED) | THROUGH_SERVICE | set(NO_SERVICE)


@pytest.mark.parametrize("label", sorted(REFUSED))
def test_admin_refuses_writes_to_a_model_with_a_service(label: str, superuser_client: Client):
    model = apps.get_model(label)
    assert isinstance(admin.site._registry[model], ReadOnlyAdmin)
    before = model._default_manager.count()
    refused = {
        name: superuser_client.post(url, {"name": "side door", "post": "yes"}).status_code
        for name, url in _urls(model).items()
    }
    if hasattr(model._meta, "simple_history_manager_attribute"):
        revert = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[1, 1]
        )
        refused["revert"] = superuser_client.post(revert, {"name": "old"}).status_code
    assert refused == dict.fromkeys(refused, 403)
    assert model._default_manager.count() == before
    assert (
        superuser_client.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        ).status_code
        == 200
    )


def test_revert_of_a_real_version_is_refused_and_history_still_shows(superuser_client: Client):
    calendar = factories.CalendarFactory(name="Office")
    calendar.name = "Office hours"
    calendar.save()
    oldest = calendar.history.earliest("history_date")
    base = f"/admin/catalog/calendar/{calendar.pk}/history/"
    assert superuser_client.get(base).status_code == 200
    assert superuser_client.get(f"{base}{oldest.history_id}/").status_code == 200
    refused = superuser_client.post(f"{base}{oldest.history_id}/", {"name": "Office"})
    assert refused.status_code == 403
    calendar.refresh_from_db()
    assert calendar.name == "Office hours"


def test_read_only_pages_still_show_the_object(superuser_client: Client, root: User):
    team = factories.TeamFactory(name="Field")
    for url in (
        reverse("admin:accounts_user_change", args=[root.pk]),
        reverse("admin:accounts_user_history", args=[root.pk]),
        reverse("admin:accounts_team_change", args=[team.pk]),
        reverse("admin:auth_group_change", args=[Group.objects.get(name="Admin").pk]),
        reverse("admin:auth_group_history", args=[Group.objects.get(name="Admin").pk]),
    ):
        assert superuser_client.get(url).status_code == 200, url


def test_untracked_models_show_the_admin_log_history(superuser_client: Client, root: User):
    note = Notification.objects.create(user=root, text="hello")
    response = superuser_client.get(f"/admin/notify/notification/{note.pk}/history/")
    assert response.status_code == 200


def test_approval_policy_admin_points_to_the_page(superuser_client: Client):
    response = superuser_client.get(reverse("admin:governance_approvalpolicy_changelist"))
    assert reverse("governance:approval_policies") in response.content.decode()


def test_idp_group_mapping_admin_writes_through_the_service(superuser_client: Client):
    urls = _urls(IdpGroupMapping)
    data = {"group": "mops-admins", "provider": "", "role": "admin", "team": ""}
    assert superuser_client.post(urls["add"], data).status_code == 302
    mapping = IdpGroupMapping.objects.get(group="mops-admins")
    urls = _urls(IdpGroupMapping, mapping.pk)
    assert superuser_client.post(urls["change"], data | {"role": "pm"}).status_code == 302
    assert superuser_client.post(urls["delete"], {"post": "yes"}).status_code == 302
    assert not IdpGroupMapping.objects.exists()
    reasons = [
        (row.history_type, row.role, row.history_change_reason)
        for row in IdpGroupMapping.history.filter(group="mops-admins").order_by("history_date")
    ]
    assert reasons == [
        ("+", "admin", "changed by root"),
        ("~", "pm", "changed by root"),
        ("-", "pm", "deleted by root"),
    ]


def test_channel_admin_writes_through_the_service(superuser_client: Client, root: User):
    urls = _urls(Channel)
    data = {"name": "Ops mail", "kind": "email", "target": "ops@example.com", "secret": ""}
    assert superuser_client.post(urls["add"], data | {"enabled": "on"}).status_code == 302
    channel = Channel.objects.get(name="Ops mail")
    urls = _urls(Channel, channel.pk)
    # The service's rule (the model's clean) shows on the form; nothing is written.
    refused = superuser_client.post(urls["change"], data | {"kind": "webhook"})
    assert refused.status_code == 200
    assert "A webhook target is an https URL." in refused.content.decode()
    assert superuser_client.post(urls["change"], data).status_code == 302  # disabled
    assert superuser_client.post(urls["delete"], {"post": "yes"}).status_code == 302
    assert not Channel.objects.exists()
    rows = Channel.history.filter(name="Ops mail").order_by("history_date")
    assert [(r.history_type, r.enabled, r.history_user, r.history_change_reason) for r in rows] == [
        ("+", True, root, "created by root"),
        ("~", False, root, "changed by root: enabled"),
        ("-", False, root, "deleted by root"),
    ]


def test_channel_admin_bulk_delete_goes_through_the_service(superuser_client: Client, root: User):
    ids = [factories.ChannelFactory(name=name).pk for name in ("One", "Two")]
    changelist = reverse("admin:notify_channel_changelist")
    data = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    assert superuser_client.post(changelist, data).status_code == 302
    assert not Channel.objects.exists()
    deleted = Channel.history.filter(history_type="-").values_list(
        "history_change_reason", flat=True
    )
    assert sorted(deleted) == ["deleted by root", "deleted by root"]


def _rotation_form(
    name: str, members: list[dict[str, Any]], overrides: list[dict[str, Any]], initial: int = 0
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "starts_at_0": "2026-01-05",
        "starts_at_1": "09:00:00",
        "escalate_after_minutes": "15",
    }
    for prefix, rows, first in (("members", members, initial), ("overrides", overrides, 0)):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(first),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-{key}": value for key, value in row.items()}
    return data


def test_rotation_admin_writes_through_the_service(superuser_client: Client, root: User):
    alice = factories.UserFactory(username="alice")
    bob = factories.UserFactory(username="bob")
    override = {
        "user": alice.pk,
        "starts_at_0": "2026-02-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2026-02-03",
        "ends_at_1": "00:00:00",
        "reason": "cover",
    }
    form = _rotation_form(
        "Data on-call",
        [{"user": alice.pk, "position": "0"}, {"user": bob.pk, "position": "1"}],
        [override],
    )
    response = superuser_client.post(_urls(Rotation)["add"], form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rotation = Rotation.objects.get(name="Data on-call")
    assert [(m.user.username, m.position) for m in rotation.members.all()] == [
        ("alice", 0),
        ("bob", 1),
    ]
    assert rotation.overrides.get().reason == "cover"
    created = rotation.history.get()
    assert created.history_user == root
    assert created.history_change_reason == "by root: 1 override(s); roster alice, bob"

    # Change: bob leaves the roster, the override goes.
    alice_row, bob_row = rotation.members.all()
    form = _rotation_form(
        "Data on-call",
        [
            {"id": alice_row.pk, "rotation": rotation.pk, "user": alice.pk, "position": "0"},
            {
                "id": bob_row.pk,
                "rotation": rotation.pk,
                "user": bob.pk,
                "position": "1",
                "DELETE": "on",
            },
        ],
        [],
        initial=2,
    )
    response = superuser_client.post(_urls(Rotation, rotation.pk)["change"], form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [m.user.username for m in rotation.members.all()] == ["alice"]
    assert not rotation.overrides.exists()
    changed = rotation.history.latest("history_date")
    assert changed.history_change_reason == "by root: 0 override(s); roster alice"

    response = superuser_client.post(_urls(Rotation, rotation.pk)["delete"], {"post": "yes"})
    assert response.status_code == 302
    assert not Rotation.objects.exists()
    assert rotation.history.latest("history_date").history_change_reason == "deleted by root"
