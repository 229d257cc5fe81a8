"""The data-health demo loader: idempotent, with the promised objects; on-call turns."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from governance.health import demo as health_demo
from governance.health.services import oncall_user
from governance.models import (
    CheckRun,
    Dataset,
    Monitor,
    Rotation,
    RotationMember,
    RotationOverride,
    Runbook,
)
from mops.accounts import demo as accounts_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_with_datasets_contracts_monitors_runbooks_and_a_rotation(demo_schema):
    accounts_demo.load()
    health_demo.load()
    health_demo.load()
    assert Dataset.objects.count() == 4
    assert all(hasattr(d, "contract") for d in Dataset.objects.all())
    assert Monitor.objects.count() == 3 and Runbook.objects.count() == 5
    assert Rotation.objects.count() == 1
    assert CheckRun.objects.count() == 4  # one first run each, not repeated
    assert set(CheckRun.objects.values_list("status", flat=True)) == {"fail", "pass"}
    enrichment = Monitor.objects.get(name="Enrichment job")
    outage = enrichment.incidents.get()
    assert outage.status == "resolved" and outage.resolved_at > outage.opened_at
    assert Monitor.objects.get(name="Lead routing sync").status == "up"


def test_weekly_turns_and_overrides_decide_who_is_on_call(users):
    start = datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))
    rotation = Rotation.objects.create(name="R", starts_at=start)
    for position, name in enumerate(["engineer", "pm", "admin"]):
        RotationMember.objects.create(rotation=rotation, user=users[name], position=position)
    assert oncall_user(rotation, start + timedelta(days=2)) == users["engineer"]
    assert oncall_user(rotation, start + timedelta(days=7, minutes=1)) == users["pm"]
    assert (
        oncall_user(rotation, start + timedelta(days=7) - timedelta(minutes=1)) == users["engineer"]
    )
    assert oncall_user(rotation, start + timedelta(days=21)) == users["engineer"]
    assert oncall_user(rotation, start + timedelta(days=2), level=1) == users["pm"]
    RotationOverride.objects.create(
        rotation=rotation,
        user=users["approver"],
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=3),
    )
    assert oncall_user(rotation, start + timedelta(days=2)) == users["approver"]
    assert oncall_user(rotation, start + timedelta(days=4)) == users["engineer"]
