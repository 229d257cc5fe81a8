"""A clean install: `migrate` alone gives every role, a usable default approval policy and
a documented first administrator."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from governance.models import ApprovalPolicy
from governance.rfc.services import (
    rfc_approve,
    rfc_create,
    rfc_quorum,
)
from mops.accounts.models import User
from mops.accounts.roles import GROUP_NAMES, Role, user_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RFC = {
    "title": "Re-map lead source",
    "change_type": "routing",
    "summary": "Routing change.",
    "motivation": "Attribution.",
    "proposal": "Change the rule.",
    "systems_affected": "CRM",
    "fields_affected": "Lead.source",
    "risk": "high",
    "test_plan": "Sandbox.",
    "rollback_plan": "Restore the rule.",
}


def test_migrated_empty_database_has_every_role_group():
    assert not User.objects.exists()  # nothing but what migrations made
    names = set(Group.objects.values_list("name", flat=True))
    assert set(GROUP_NAMES.values()) <= names
    # The README's labels are the role names (no "Approver / CAB" that grants nothing).
    assert GROUP_NAMES[Role.APPROVER] == "Approver"
    assert GROUP_NAMES[Role.LEADERSHIP] == "Leadership"


def test_default_high_risk_policy_reaches_quorum_with_approvers_of_a_clean_install():
    assert not ApprovalPolicy.objects.exists()
    assert not Group.objects.filter(name__in=["CAB", "RevOps"]).exists()
    engineer = UserFactory(username="eng", role=Role.ENGINEER, team=None)
    a1 = UserFactory(username="a1", role=Role.APPROVER, team=None)
    a2 = UserFactory(username="a2", role=Role.APPROVER, team=None)
    rfc = rfc_create(actor=engineer, submit=True, **RFC)
    rfc_approve(rfc=rfc, actor=a1)
    assert not rfc_quorum(rfc).met
    rfc_approve(rfc=rfc, actor=a2)
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_policy_naming_a_group_that_does_not_exist_is_refused(api_for):
    response = api_for("admin").patch(
        "/api/v1/approval-policies/high/", {"eligible_group": "CAB"}, format="json"
    )
    assert response.status_code == 400
    assert "eligible_group" in response.content.decode()
    assert "neither a role group nor a team" in response.content.decode()


def test_policy_may_require_a_team_and_quorum_counts_team_members(users, api_for):
    """approver sits in Marketing Ops, approver2 in Demand Gen (teams people see)."""
    response = api_for("admin").patch(
        "/api/v1/approval-policies/high/",
        {"required_approvals": 2, "must_include_group": "Marketing Ops"},
        format="json",
    )
    assert response.status_code == 200, response.content
    other = UserFactory(username="approver3", role=Role.APPROVER, team=users["requester"].team)
    rfc = rfc_create(actor=users["engineer"], submit=True, **RFC)
    rfc_approve(rfc=rfc, actor=users["approver2"])
    rfc_approve(rfc=rfc, actor=other)
    quorum = rfc_quorum(rfc)
    assert not quorum.met
    assert "one from Marketing Ops" in quorum.missing
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_create_admin_makes_a_superuser_in_the_admin_role():
    call_command("create_admin", "boss", email="boss@example.com", password="Str0ng-pass-for-boss")
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.is_active
    assert boss.groups.filter(name=GROUP_NAMES[Role.ADMIN]).exists()
    assert Role.ADMIN in user_roles(boss)
    assert boss.check_password("Str0ng-pass-for-boss")


def test_create_admin_first_run_does_nothing_once_an_admin_exists():
    UserFactory(username="root", is_superuser=True, team=None)
    call_command("create_admin", "--first-run")  # no prompt: returns at once
    assert User.objects.count() == 1
