"""Demo releases (idempotent): three trains, a holiday freeze and a Friday-afternoon freeze,
QA checklist templates per channel and per change type; checklist runs for requests already
in QA. Existing objects (by slug or name) are left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from catalog.models import Calendar, ChangeType, Channel
from mops.accounts.models import User

from . import work
from .models import AutomatedCheck, ChecklistTemplate, Evidence, Freeze, Phase, Train
from .services import (
    checklist_template_create,
    checklists_instantiate,
    freeze_create,
    train_create,
)

NEW_YORK = "America/New_York"

TRAINS: list[dict[str, Any]] = [
    {
        "name": "E-mail train",
        "slug": "email",
        "description": "E-mail sends and nurture changes, Tuesdays and Thursdays 10–12 ET.",
        "channels": [Channel.EMAIL, Channel.SMS],
        "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
        "start_time": time(10, 0),
        "duration_minutes": 120,
        "capacity": 5,
        "cutoff_hours": Decimal(24),
    },
    {
        "name": "Web train",
        "slug": "web",
        "description": "Landing pages, forms and website changes, Wednesdays 14–16 ET.",
        "channels": [Channel.LANDING_PAGE, Channel.WEB, Channel.WEBINAR],
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "start_time": time(14, 0),
        "duration_minutes": 120,
        "capacity": 8,
        "cutoff_hours": Decimal(16),
    },
    {
        "name": "Paid-media train",
        "slug": "paid-media",
        "description": "Paid social and paid search launches, Mondays and Thursdays 9–10 ET.",
        "channels": [Channel.PAID_SOCIAL, Channel.PAID_SEARCH],
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TH",
        "start_time": time(9, 0),
        "duration_minutes": 60,
        "capacity": 6,
        "cutoff_hours": Decimal(8),
    },
]

E = Evidence
CHECKLISTS: list[dict[str, Any]] = [
    {
        "name": "E-mail pre-flight",
        "slug": "email-preflight",
        "channel": Channel.EMAIL,
        "items": [
            {
                "text": "E-mail HTML passes the automated checks",
                "automated_check": AutomatedCheck.EMAIL_HTML,
            },
            {"text": "Every link resolves", "automated_check": AutomatedCheck.LINKS},
            {
                "text": "UTM parameters follow the taxonomy",
                "automated_check": AutomatedCheck.TRACKING,
            },
            {"text": "Seed-list test send reviewed on desktop and mobile", "evidence": E.FILE},
            {"text": "Audience count matches the brief", "evidence": E.NOTE},
            {"text": "Suppression lists applied", "evidence": E.NONE},
        ],
    },
    {
        "name": "Landing page pre-flight",
        "slug": "landing-page-preflight",
        "channel": Channel.LANDING_PAGE,
        "items": [
            {"text": "Every link resolves", "automated_check": AutomatedCheck.LINKS},
            {"text": "Form submits and lands in the CRM", "evidence": E.LINK},
            {"text": "Page renders on mobile", "evidence": E.FILE},
            {"text": "Privacy notice and consent text present", "evidence": E.NONE},
        ],
    },
    {
        "name": "Paid social pre-flight",
        "slug": "paid-social-preflight",
        "channel": Channel.PAID_SOCIAL,
        "items": [
            {
                "text": "Destination URLs carry valid UTMs",
                "automated_check": AutomatedCheck.TRACKING,
            },
            {"text": "Ad copy approved by brand", "evidence": E.LINK},
            {"text": "Budget and flight dates match the brief", "evidence": E.NOTE},
        ],
    },
    {
        "name": "Webinar pre-flight",
        "slug": "webinar-preflight",
        "channel": Channel.WEBINAR,
        "items": [
            {"text": "Registration page links resolve", "automated_check": AutomatedCheck.LINKS},
            {"text": "Registration syncs to the CRM campaign", "evidence": E.LINK},
            {"text": "Reminder e-mails scheduled", "evidence": E.NONE},
        ],
    },
    {
        "name": "SMS pre-flight",
        "slug": "sms-preflight",
        "channel": Channel.SMS,
        "items": [
            {"text": "Opt-out keyword (STOP) in the message", "evidence": E.NONE},
            {"text": "Sent only to consented numbers", "evidence": E.NOTE},
            {"text": "Short links carry UTMs", "automated_check": AutomatedCheck.TRACKING},
        ],
    },
    {
        "name": "New campaign pre-flight",
        "slug": "new-campaign-preflight",
        "change_type": ChangeType.NEW_CAMPAIGN,
        "items": [
            {"text": "Campaign created in the CRM with the naming convention", "evidence": E.LINK},
            {"text": "Rollback plan written in the request", "evidence": E.NONE},
        ],
    },
    {
        "name": "Template change pre-flight",
        "slug": "template-change-preflight",
        "change_type": ChangeType.TEMPLATE_CHANGE,
        "items": [
            {"text": "Diff against the current template reviewed", "evidence": E.LINK},
            {"text": "Previous version kept for rollback", "evidence": E.NONE},
        ],
    },
    {
        "name": "Schema change pre-flight",
        "slug": "schema-change-preflight",
        "change_type": ChangeType.SCHEMA_CHANGE,
        "items": [
            {"text": "RFC approved", "evidence": E.LINK},
            {"text": "Data contract updated", "evidence": E.LINK},
            {"text": "Backfill and rollback scripts tested in sandbox", "evidence": E.FILE},
        ],
    },
    {
        "name": "Routing / scoring change pre-flight",
        "slug": "routing-scoring-preflight",
        "change_type": ChangeType.ROUTING_SCORING_CHANGE,
        "items": [
            {"text": "RFC approved", "evidence": E.LINK},
            {"text": "Test leads routed as expected in sandbox", "evidence": E.NOTE},
            {"text": "Sales ops informed", "evidence": E.NONE},
        ],
    },
    {
        "name": "E-mail post-flight",
        "slug": "email-postflight",
        "channel": Channel.EMAIL,
        "phase": Phase.POSTFLIGHT,
        "items": [
            {"text": "Delivery and bounce rates normal after 1 hour", "evidence": E.NOTE},
            {"text": "Clicks attributed to the campaign in analytics", "evidence": E.LINK},
        ],
    },
    {
        "name": "Landing page post-flight",
        "slug": "landing-page-postflight",
        "channel": Channel.LANDING_PAGE,
        "phase": Phase.POSTFLIGHT,
        "items": [{"text": "Form fills arriving in the CRM", "evidence": E.NOTE}],
    },
]


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    actor = User.objects.filter(username="admin").first()
    if actor is None:
        return
    pm = User.objects.filter(username="pm").first() or actor
    calendar = Calendar.objects.filter(slug="us-business-hours").first()
    start = timezone.localdate() - timezone.timedelta(days=14)
    for spec in TRAINS:
        if Train.objects.filter(slug=spec["slug"]).exists():
            continue
        train_create(
            actor=actor,
            owner=pm,
            time_zone=NEW_YORK,
            first_date=start,
            calendar=calendar,
            **spec,
        )
        progress(f"train {spec['slug']}")
    tz = ZoneInfo(NEW_YORK)
    year = timezone.localdate().year
    if not Freeze.objects.filter(name="Holiday freeze").exists():
        freeze_create(
            actor=actor,
            name="Holiday freeze",
            reason="Reduced staffing and peak send volume: nothing launches Dec 20 – Jan 3.",
            kind=Freeze.Kind.ONE_OFF,
            starts_at=datetime(year, 12, 20, tzinfo=tz),
            ends_at=datetime(year + 1, 1, 4, tzinfo=tz),
            time_zone=NEW_YORK,
        )
        progress("freeze holiday")
    if not Freeze.objects.filter(name="No Friday launches after 15:00").exists():
        freeze_create(
            actor=actor,
            name="No Friday launches after 15:00",
            reason="Nobody is around to roll back over the weekend.",
            kind=Freeze.Kind.RECURRING,
            rrule="FREQ=WEEKLY;BYDAY=FR",
            first_date=date(year, 1, 1),
            start_time=time(15, 0),
            duration_minutes=9 * 60,
            time_zone=NEW_YORK,
        )
        progress("freeze friday")
    for spec in CHECKLISTS:
        if ChecklistTemplate.objects.filter(slug=spec["slug"]).exists():
            continue
        checklist_template_create(actor=actor, **spec)
        progress(f"checklist {spec['slug']}")
    # Intake's demo requests already in QA get their checklists (the signal only fires for
    # requests entering QA after releases is loaded).
    for request in work.request_model().objects.filter(status=work.IN_QA).select_related("service"):
        if checklists_instantiate(request=request):
            progress(f"checklists {request.reference}")
