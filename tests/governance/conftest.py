"""Governance fixtures: an RFC written through the service (the CAB and freezes are in
tests/conftest.py), the demo warehouse's health objects."""

from __future__ import annotations

from typing import Any

import pytest

from governance.models import Rfc
from governance.rfc.services import rfc_create

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


def approved_high_rfc(make_rfc: Any, users: dict[str, Any], **fields: Any) -> Rfc:
    """A high-risk RFC by the engineer, approved by the CAB quorum (with the `cab` fixture)."""
    from governance.rfc.services import rfc_approve

    rfc = make_rfc(risk="high", **fields)
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc_approve(rfc=rfc, actor=users["approver2"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    return rfc


@pytest.fixture(scope="module")
def demo_schema(django_db_setup, django_db_blocker):
    """The demo warehouse: its own database and SELECT-only login role (committed, so check
    runs on their own connections see it); returns the login's connection string."""
    from governance.health.demo import build_warehouse

    with django_db_blocker.unblock():
        return build_warehouse()


@pytest.fixture
def health(db, users, demo_schema):
    """The demo warehouse's datasets and contracts, a rotation of engineer → pm, runbooks."""
    from governance.health.demo import RUNBOOKS
    from governance.health.demo_warehouse import (
        SCHEMA,
        demo_contracts,
    )
    from governance.health.services import (
        contract_save,
        dataset_save,
        runbook_save,
    )
    from governance.models import Rotation, RotationMember, Warehouse

    admin = users["admin"]
    warehouse = Warehouse.objects.create(name="Demo", is_demo=True, dsn=demo_schema)
    datasets = {}
    for table, spec in demo_contracts().items():
        ds = dataset_save(actor=admin, warehouse=warehouse, schema=SCHEMA, table=table)
        contract_save(dataset=ds, actor=admin, spec=spec)
        datasets[table] = ds
    for slug, title, summary, modes, body in RUNBOOKS:
        runbook_save(
            actor=admin, slug=slug, title=title, summary=summary, body=body, failure_modes=modes
        )
    from django.utils import timezone

    rotation = Rotation.objects.create(
        name="On-call", starts_at=timezone.now(), escalate_after_minutes=15
    )
    RotationMember.objects.create(rotation=rotation, user=users["engineer"], position=0)
    RotationMember.objects.create(rotation=rotation, user=users["pm"], position=1)
    return {"warehouse": warehouse, "datasets": datasets, "rotation": rotation, "admin": admin}
