"""A hand-built history of ten requests (weeks of 30 June and 7 July 2025, New York time).

Calendar: Mon–Fri 09:00–17:00 America/New_York with US public holidays (Fri 4 July 2025
is Independence Day). Policy: triage 4 business hours for every class; delivery 16 h
(simple), 40 h (standard), 120 h (complex). A business day is 8 hours.

    R1  simple   self-serve, template  sub Mon 30/6 09:00, acc 10:00 (1 h), live Tue 1/7 10:00
                 → TTC 8 h = 1.0 bd, 1.0 cd, delivery met, triage met
    R2  simple                         sub Mon 30/6 09:00, acc 15:00 (6 h: triage BREACHED),
                                       live Thu 3/7 15:00 → TTC 2+8+8+6 = 24 h = 3.0 bd
                                       (> 16 h: delivery BREACHED), 3.0 cd
    R3  standard template              sub Tue 1/7 09:00, acc 11:00 (2 h), live Mon 7/7 11:00
                 → TTC 6+8+8+0 (holiday)+2 = 24 h = 3.0 bd, 6.0 cd, met
    R4  standard team Field, the paused one: sub Thu 3/7 15:00, needs_info 16:00, answered
                 Mon 7/7 10:00 (paused over the holiday and the weekend), acc Mon 12:00
                 → triage 1 h + 2 h = 3 h: met (counting the pause it would be 5 h, breached);
                 live Tue 8/7 12:00 → TTC 5+3 = 8 h = 1.0 bd, 1.0 cd, met
    R5  complex  template              sub Mon 7/7 09:00, acc 09:30, live Fri 11/7 17:00
                 → TTC 7.5+8+8+8+8 = 39.5 h = 4.9375 bd; 103.5 h = 4.3125 cd, met
    R6  standard                       sub Mon 7/7 09:00, rejected Tue 8/7 10:00 (9 h: triage
                                       BREACHED)
    R7  standard                       sub Mon 16/6 09:00, acc 10:00, still in progress
    R8  standard                       sub Tue 8/7 09:00, not triaged yet
    R9  a draft, never submitted (no facts)
    R10 simple                         sub Mon 30/6 09:00, cancelled 12:00 (no triage decision)

Three breaches in all: R2 triage, R2 delivery, R6 triage.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.services import (
    service_create,
    service_publish,
    template_create,
)
from intake.models import Request, RequestEvent
from metrics.facts import request_facts_rebuild
from mops.accounts.models import Team

NY = ZoneInfo("America/New_York")


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NY)


WHAT = [{"key": "what", "label": "What", "type": "text"}]


@pytest.fixture
def catalog(users, policy):
    admin = users["admin"]
    template = template_create(
        actor=admin, name="Nurture", slug="nurture", content="Weekly.", rollback_plan="Pause."
    )
    launch = service_publish(
        service=service_create(
            actor=admin,
            name="Launch a campaign",
            slug="launch",
            channels=["email"],
            sla_policy=policy,
            input_definition=WHAT,
            templates=[template],
        ),
        actor=admin,
    )
    utm = service_publish(
        service=service_create(
            actor=admin,
            name="UTM links",
            slug="utm",
            channels=["web"],
            self_serve=True,
            self_serve_tool="utm_builder",
            sla_policy=policy,
            input_definition=WHAT,
        ),
        actor=admin,
    )
    template.refresh_from_db()
    return {"launch": launch, "utm": utm, "template_version": template.current_version}


# (name, service, complexity, template?, team key, [(at, from, to)])
HISTORY = [
    ("R1", "utm", "simple", True, "requester", [
        (ny(6, 30, 9), "draft", "submitted"), (ny(6, 30, 10), "submitted", "accepted"),
        (ny(6, 30, 11), "accepted", "in_progress"), (ny(6, 30, 14), "in_progress", "in_qa"),
        (ny(6, 30, 16), "in_qa", "scheduled"), (ny(7, 1, 10), "scheduled", "live")]),
    ("R2", "launch", "simple", False, "requester", [
        (ny(6, 30, 9), "draft", "submitted"), (ny(6, 30, 15), "submitted", "accepted"),
        (ny(7, 2, 9), "accepted", "in_progress"), (ny(7, 3, 9), "in_progress", "in_qa"),
        (ny(7, 3, 10), "in_qa", "scheduled"), (ny(7, 3, 15), "scheduled", "live"),
        (ny(7, 10, 9), "live", "closed")]),
    ("R3", "launch", "standard", True, "requester", [
        (ny(7, 1, 9), "draft", "submitted"), (ny(7, 1, 11), "submitted", "accepted"),
        (ny(7, 2, 9), "accepted", "in_progress"), (ny(7, 3, 12), "in_progress", "in_qa"),
        (ny(7, 3, 13), "in_qa", "scheduled"), (ny(7, 7, 11), "scheduled", "live")]),
    ("R4", "launch", "standard", False, "other_requester", [
        (ny(7, 3, 15), "draft", "submitted"), (ny(7, 3, 16), "submitted", "needs_info"),
        (ny(7, 7, 10), "needs_info", "submitted"), (ny(7, 7, 12), "submitted", "accepted"),
        (ny(7, 7, 13), "accepted", "in_progress"), (ny(7, 7, 15), "in_progress", "in_qa"),
        (ny(7, 8, 9), "in_qa", "scheduled"), (ny(7, 8, 12), "scheduled", "live")]),
    ("R5", "launch", "complex", True, "requester", [
        (ny(7, 7, 9), "draft", "submitted"), (ny(7, 7, 9, 30), "submitted", "accepted"),
        (ny(7, 8, 9), "accepted", "in_progress"), (ny(7, 10, 9), "in_progress", "in_qa"),
        (ny(7, 11, 9), "in_qa", "scheduled"), (ny(7, 11, 17), "scheduled", "live")]),
    ("R6", "launch", "standard", False, "requester", [
        (ny(7, 7, 9), "draft", "submitted"), (ny(7, 8, 10), "submitted", "rejected")]),
    ("R7", "launch", "standard", False, "requester", [
        (ny(6, 16, 9), "draft", "submitted"), (ny(6, 16, 10), "submitted", "accepted"),
        (ny(6, 17, 9), "accepted", "in_progress")]),
    ("R8", "launch", "standard", False, "requester", [(ny(7, 8, 9), "draft", "submitted")]),
    ("R9", "launch", "standard", False, "requester", []),
    ("R10", "launch", "simple", False, "requester", [
        (ny(6, 30, 9), "draft", "submitted"), (ny(6, 30, 12), "submitted", "cancelled")]),
]  # fmt: skip


def build_request(catalog, users, name, service_key, complexity, with_template, who, events):
    service = catalog[service_key]
    requester = users[who]
    status = events[-1][2] if events else "draft"
    request = Request.objects.create(
        title=name,
        service=service,
        service_version=service.current_version,
        template_version=catalog["template_version"] if with_template else None,
        team=requester.team,
        requester=requester,
        status=status,
        complexity=complexity,
        created_at=events[0][0] if events else ny(7, 1, 9),
    )
    for at, from_status, to_status in events:
        RequestEvent.objects.create(
            request=request,
            actor=requester,
            at=at,
            transition=to_status,
            from_status=from_status,
            to_status=to_status,
        )
    return request


@pytest.fixture
def history(catalog, users):
    """The ten requests above, with facts rebuilt from their events. name → Request."""
    Team.objects.filter(pk=users["requester"].team_id).update(group=Team.Group.DEMAND_GEN)
    Team.objects.filter(pk=users["other_requester"].team_id).update(group=Team.Group.FIELD)
    built = {row[0]: build_request(catalog, users, *row) for row in HISTORY}
    request_facts_rebuild()
    return built
