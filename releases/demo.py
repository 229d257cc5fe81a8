"""Demo releases (idempotent): three trains, a holiday freeze and a Friday-afternoon freeze,
QA checklist templates per channel and per change type; checklist runs for requests already
in QA; a handful of experiments in every state of the register (concluded ones spread over
the last weeks so the metrics dashboard counts them). Existing objects (by slug or name) are
left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from catalog.models import Calendar, ChangeType, Channel
from mops.accounts.models import Team, User
from releases import work
from releases.experiments.models import Experiment, ExperimentResult
from releases.experiments.services import experiment_create, experiment_transition
from releases.qa.models import AutomatedCheck, ChecklistTemplate, Evidence, Phase
from releases.qa.services import checklist_template_create, checklists_instantiate
from releases.trains.models import Freeze, Train
from releases.trains.services import freeze_create, train_create

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
    {
        "name": "Data & ops train",
        "slug": "data-ops",
        "description": "Fields, segments, lead-scoring and routing changes (data/ops work: "
        "anything touching Data or the CRM), Tuesdays and Thursdays 16–17 ET, after the sends.",
        "channels": [Channel.DATA, Channel.CRM],
        "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
        "start_time": time(16, 0),
        "duration_minutes": 60,
        "capacity": 6,
        "cutoff_hours": Decimal(8),
    },
    {
        "name": "Launch train",
        "slug": "launch",
        "description": "Multi-channel launches (a campaign across e-mail, landing page and paid "
        "media, or the UTM set for them): every channel goes live together and rolls back "
        "together, Wednesdays 11–13 ET.",
        "channels": [
            Channel.EMAIL,
            Channel.LANDING_PAGE,
            Channel.WEB,
            Channel.PAID_SOCIAL,
            Channel.PAID_SEARCH,
        ],
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "start_time": time(11, 0),
        "duration_minutes": 120,
        "capacity": 4,
        "cutoff_hours": Decimal(24),
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

# name, owner, team slug, design, story: [(transition, days ago, extra)]
EXPERIMENTS: list[dict[str, Any]] = [
    {
        "name": "Demo-request form: 3 fields instead of 7",
        "owner": "pm",
        "team": "demand-gen",
        "channel": Channel.LANDING_PAGE,
        "hypothesis": "Asking only for name, work e-mail and company lifts demo-form "
        "completion without hurting lead quality (enrichment fills the rest).",
        "primary_metric": "Demo-form completion rate",
        "baseline_rate": Decimal("0.04"),
        "minimum_detectable_effect": Decimal("0.25"),
        "cost": Decimal("1200.00"),
        "link_request": True,
        "story": [
            ("start", 58, {}),
            (
                "conclude",
                30,
                {
                    "result": ExperimentResult.WIN,
                    "observed_sample_per_variant": 7400,
                    "learnings": "Completion 4.0% → 5.1%; MQL-to-SQL rate unchanged. Ship the "
                    "short form on every demo page.",
                },
            ),
        ],
    },
    {
        "name": "Nurture subject line: question vs statement",
        "owner": "engineer",
        "team": "demand-gen",
        "channel": Channel.EMAIL,
        "hypothesis": "A question in the subject line raises opens of nurture step 2.",
        "primary_metric": "Unique open rate",
        "baseline_rate": Decimal("0.22"),
        "minimum_detectable_effect": Decimal("0.05"),
        "cost": Decimal("300.00"),
        "story": [
            ("start", 30, {}),
            (
                "conclude",
                16,
                {
                    "result": ExperimentResult.INCONCLUSIVE,
                    "observed_sample_per_variant": 18000,
                    "learnings": "The list was smaller than the design needed: under-powered. "
                    "Re-run on the full nurture audience over two sends.",
                },
            ),
        ],
    },
    {
        "name": "Webinar reminder SMS: 1 h vs 24 h before",
        "owner": "pm",
        "team": "field-marketing",
        "channel": Channel.SMS,
        "hypothesis": "A reminder one hour before the start lifts live attendance.",
        "primary_metric": "Registrant-to-attendee rate",
        "baseline_rate": Decimal("0.35"),
        "minimum_detectable_effect": Decimal("0.10"),
        "cost": Decimal("150.00"),
        "story": [
            ("start", 24, {}),
            (
                "conclude",
                9,
                {
                    "result": ExperimentResult.LOSS,
                    "observed_sample_per_variant": 3200,
                    "learnings": "Attendance fell (35% → 31%): one hour is too late to "
                    "rearrange a calendar. Keep the 24 h reminder.",
                },
            ),
        ],
    },
    {
        "name": "Landing page hero: video vs still image",
        "owner": "engineer",
        "team": "demand-gen",
        "channel": Channel.LANDING_PAGE,
        "hypothesis": "A 20-second product video in the hero lifts trial sign-ups.",
        "primary_metric": "Trial sign-up rate",
        "baseline_rate": Decimal("0.03"),
        "minimum_detectable_effect": Decimal("0.20"),
        "story": [
            ("start", 35, {}),
            (
                "stop",
                27,
                {
                    "note": "Form fills were not attributed to the variants (tracking "
                    "broke in the CMS release); restart once fixed."
                },
            ),
        ],
    },
    {
        "name": "Paid social: customer-made vs studio creative",
        "owner": "pm",
        "team": "demand-gen",
        "channel": Channel.PAID_SOCIAL,
        "hypothesis": "Customer-made video ads earn a higher click-through than studio ones.",
        "primary_metric": "Click-through rate",
        "baseline_rate": Decimal("0.012"),
        "minimum_detectable_effect": Decimal("0.15"),
        "variants": 3,
        "story": [("start", 10, {})],
    },
    {
        "name": "Pricing page: annual billing selected by default",
        "owner": "pm",
        "team": "sales",
        "channel": Channel.WEB,
        "hypothesis": "Pre-selecting annual billing raises the share of annual plans.",
        "primary_metric": "Annual-plan checkout rate",
        "baseline_rate": Decimal("0.18"),
        "minimum_detectable_effect": Decimal("0.10"),
        "alpha": Decimal("0.01"),
        "power": Decimal("0.9"),
        "story": [],
    },
]


def load_experiments(actor: User, progress: Callable[[str], None]) -> None:
    """The demo experiment register: each one is created and walked through its story
    with back-dated events, once (by name)."""
    users = {u.username: u for u in User.objects.filter(username__in=["pm", "engineer"])}
    teams = {t.slug: t for t in Team.objects.all()}
    built = None  # the intake request that built the first one: launched, else in QA
    for status in (work.LIVE, work.SCHEDULED, work.IN_QA):
        built = built or work.request_model().objects.filter(status=status).order_by("pk").first()
    now = timezone.now()
    for spec in EXPERIMENTS:
        if Experiment.objects.filter(name=spec["name"]).exists():
            continue
        fields = {
            k: v for k, v in spec.items() if k not in ("owner", "team", "story", "link_request")
        }
        owner = users.get(spec["owner"], actor)
        team = teams.get(spec["team"]) or owner.team
        if team is None:
            continue
        story = spec["story"]
        created = now - timedelta(days=(story[0][1] + 5) if story else 2)
        experiment = experiment_create(
            actor=owner,
            owner=owner,
            team=team,
            request=built if spec.get("link_request") else None,
            now=created,
            **fields,
        )
        for name, days_ago, extra in story:
            experiment = experiment_transition(
                experiment=experiment,
                name=name,
                actor=owner,
                now=now - timedelta(days=days_ago),
                **extra,
            )
        progress(f"experiment {experiment.name}")


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    actor = User.objects.filter(username="admin").first()
    if actor is None:
        return
    pm = User.objects.filter(username="pm").first() or actor
    calendar = Calendar.objects.filter(slug="us-business-hours").first()
    start = timezone.localdate() - timedelta(days=14)
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
    load_experiments(actor, progress)
