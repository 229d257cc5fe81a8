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
PRE, POST = Phase.PREFLIGHT, Phase.POSTFLIGHT
# Checklist templates: name, slug, the channel or change type it applies to, and its phase.
CHECKLISTS: list[tuple[str, str, Channel | ChangeType, Phase]] = [
    ("E-mail pre-flight", "email-preflight", Channel.EMAIL, PRE),
    ("Landing page pre-flight", "landing-page-preflight", Channel.LANDING_PAGE, PRE),
    ("Paid social pre-flight", "paid-social-preflight", Channel.PAID_SOCIAL, PRE),
    ("Webinar pre-flight", "webinar-preflight", Channel.WEBINAR, PRE),
    ("SMS pre-flight", "sms-preflight", Channel.SMS, PRE),
    ("New campaign pre-flight", "new-campaign-preflight", ChangeType.NEW_CAMPAIGN, PRE),
    ("Template change pre-flight", "template-change-preflight", ChangeType.TEMPLATE_CHANGE, PRE),
    ("Schema change pre-flight", "schema-change-preflight", ChangeType.SCHEMA_CHANGE, PRE),
    (
        "Routing / scoring change pre-flight",
        "routing-scoring-preflight",
        ChangeType.ROUTING_SCORING_CHANGE,
        PRE,
    ),
    ("E-mail post-flight", "email-postflight", Channel.EMAIL, POST),
    ("Landing page post-flight", "landing-page-postflight", Channel.LANDING_PAGE, POST),
]
# Their items in order: checklist slug, text, then the automated check or the evidence asked.
CHECKLIST_ITEMS: list[tuple[str, str, str]] = [
    ("email-preflight", "E-mail HTML passes the automated checks", AutomatedCheck.EMAIL_HTML),
    ("email-preflight", "Every link resolves", AutomatedCheck.LINKS),
    ("email-preflight", "UTM parameters follow the taxonomy", AutomatedCheck.TRACKING),
    ("email-preflight", "Seed-list test send reviewed on desktop and mobile", E.FILE),
    ("email-preflight", "Audience count matches the brief", E.NOTE),
    ("email-preflight", "Suppression lists applied", E.NONE),
    ("landing-page-preflight", "Every link resolves", AutomatedCheck.LINKS),
    ("landing-page-preflight", "Form submits and lands in the CRM", E.LINK),
    ("landing-page-preflight", "Page renders on mobile", E.FILE),
    ("landing-page-preflight", "Privacy notice and consent text present", E.NONE),
    ("paid-social-preflight", "Destination URLs carry valid UTMs", AutomatedCheck.TRACKING),
    ("paid-social-preflight", "Ad copy approved by brand", E.LINK),
    ("paid-social-preflight", "Budget and flight dates match the brief", E.NOTE),
    ("webinar-preflight", "Registration page links resolve", AutomatedCheck.LINKS),
    ("webinar-preflight", "Registration syncs to the CRM campaign", E.LINK),
    ("webinar-preflight", "Reminder e-mails scheduled", E.NONE),
    ("sms-preflight", "Opt-out keyword (STOP) in the message", E.NONE),
    ("sms-preflight", "Sent only to consented numbers", E.NOTE),
    ("sms-preflight", "Short links carry UTMs", AutomatedCheck.TRACKING),
    ("new-campaign-preflight", "Campaign created in the CRM with the naming convention", E.LINK),
    ("new-campaign-preflight", "Rollback plan written in the request", E.NONE),
    ("template-change-preflight", "Diff against the current template reviewed", E.LINK),
    ("template-change-preflight", "Previous version kept for rollback", E.NONE),
    ("schema-change-preflight", "RFC approved", E.LINK),
    ("schema-change-preflight", "Data contract updated", E.LINK),
    ("schema-change-preflight", "Backfill and rollback scripts tested in sandbox", E.FILE),
    ("routing-scoring-preflight", "RFC approved", E.LINK),
    ("routing-scoring-preflight", "Test leads routed as expected in sandbox", E.NOTE),
    ("routing-scoring-preflight", "Sales ops informed", E.NONE),
    ("email-postflight", "Delivery and bounce rates normal after 1 hour", E.NOTE),
    ("email-postflight", "Clicks attributed to the campaign in analytics", E.LINK),
    ("landing-page-postflight", "Form fills arriving in the CRM", E.NOTE),
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


def _checklist_item(text: str, kind: str) -> dict[str, str]:
    """An item of CHECKLISTS: `kind` is its automated check (which asks no evidence) or the
    evidence a person attaches."""
    if kind in AutomatedCheck.values:
        return {"text": text, "automated_check": kind}
    return {"text": text, "evidence": kind}


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


def _freezes(year: int) -> list[dict[str, Any]]:
    """The demo freezes (`freeze_create`'s fields, New York time): the holidays at the end
    of `year`, and Friday afternoons from its start."""
    tz = ZoneInfo(NEW_YORK)
    return [
        {
            "name": "Holiday freeze",
            "reason": "Reduced staffing and peak send volume: nothing launches Dec 20 – Jan 3.",
            "kind": Freeze.Kind.ONE_OFF,
            "starts_at": datetime(year, 12, 20, tzinfo=tz),
            "ends_at": datetime(year + 1, 1, 4, tzinfo=tz),
        },
        {
            "name": "No Friday launches after 15:00",
            "reason": "Nobody is around to roll back over the weekend.",
            "kind": Freeze.Kind.RECURRING,
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": date(year, 1, 1),
            "start_time": time(15, 0),
            "duration_minutes": 9 * 60,
        },
    ]


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
    for spec in _freezes(timezone.localdate().year):
        if not Freeze.objects.filter(name=spec["name"]).exists():
            freeze_create(actor=actor, time_zone=NEW_YORK, **spec)
            progress(f"freeze {spec['name']}")
    for name, slug, applies_to, phase in CHECKLISTS:
        if ChecklistTemplate.objects.filter(slug=slug).exists():
            continue
        rows = [_checklist_item(text, kind) for of, text, kind in CHECKLIST_ITEMS if of == slug]
        where = "channel" if isinstance(applies_to, Channel) else "change_type"
        checklist_template_create(
            actor=actor, name=name, slug=slug, items=rows, phase=phase, **{where: applies_to}
        )
        progress(f"checklist {slug}")
    # Intake's demo requests already in QA get their checklists (the signal only fires for
    # requests entering QA after releases is loaded).
    for request in work.request_model().objects.filter(status=work.IN_QA).select_related("service"):
        if checklists_instantiate(request=request):
            progress(f"checklists {request.reference}")
    load_experiments(actor, progress)
