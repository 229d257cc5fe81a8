"""Governance fixtures: the CAB / RevOps groups and an RFC written through the service."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from governance.models import Rfc
from governance.services import rfc_create


@pytest.fixture
def cab(users):
    """approver and approver2 sit on the CAB; approver2 is also RevOps."""
    cab_group, _ = Group.objects.get_or_create(name="CAB")
    revops, _ = Group.objects.get_or_create(name="RevOps")
    users["approver"].groups.add(cab_group)
    users["approver2"].groups.add(cab_group, revops)
    for user in users.values():
        user.__dict__.pop("_mops_roles", None)
    return {"cab": cab_group, "revops": revops}


RFC_FIELDS: dict[str, Any] = {
    "title": "Add lead_source_detail field",
    "change_type": "schema",
    "summary": "A new picklist on Lead.",
    "motivation": "Attribution needs it.",
    "proposal": "Create the field in the CRM and MAP, map it in the sync.",
    "systems_affected": "CRM\nMAP",
    "fields_affected": "Lead.lead_source_detail",
    "risk": "low",
    "test_plan": "Create in sandbox, sync 10 test leads.",
    "rollback_plan": "Hide the field and remove it from the sync mapping.",
}


@pytest.fixture
def make_rfc(users):
    def make(*, author: str = "engineer", submit: bool = True, **overrides: Any) -> Rfc:
        fields = {**RFC_FIELDS, **overrides}
        return rfc_create(actor=users[author], submit=submit, **fields)

    return make
