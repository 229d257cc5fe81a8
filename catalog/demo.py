"""Demo catalog (idempotent): three calendars, the Standard SLA policy, seven services, five
templates with two or three versions each. Objects that exist (by slug) are left alone."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone

from mops.accounts.models import Team, User

from .models import Calendar, ChangeType, Channel, Complexity, PatternKind, Service, SlaPolicy
from .models import Template as TemplateModel
from .services import (
    calendar_create,
    service_create,
    service_publish,
    sla_policy_create,
    template_create,
    template_publish,
)

MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}
BERLIN_WEEK = {str(d): [["09:00", "12:30"], ["13:30", "18:00"]] for d in range(4)} | {
    "4": [["09:00", "12:30"], ["13:30", "16:00"]]
}
ALWAYS = {str(d): [["00:00", "24:00"]] for d in range(7)}

CHANNEL_CHOICES = ["E-mail", "Landing page", "Paid social", "Paid search", "Webinar", "SMS"]
REGIONS = ["North America", "EMEA", "APAC", "LATAM"]

SERVICES: list[dict[str, Any]] = [
    {
        "name": "Launch a campaign",
        "slug": "launch-a-campaign",
        "description": "Plan, build and launch a multi-channel campaign: audience, assets, "
        "tracking and go-live on the next release train.",
        "channels": [Channel.EMAIL, Channel.LANDING_PAGE, Channel.PAID_SOCIAL],
        "change_type": ChangeType.NEW_CAMPAIGN,
        "default_complexity": Complexity.STANDARD,
        "templates": ["welcome-series", "nurture"],
        "input_definition": [
            {
                "key": "campaign_name",
                "label": "Campaign name",
                "type": "text",
                "required": True,
                "max": 80,
                "help": "As it should appear in reports.",
            },
            {
                "key": "goal",
                "label": "Goal",
                "type": "long_text",
                "required": True,
                "help": "What should happen, for whom, and how you will measure it.",
            },
            {
                "key": "channels",
                "label": "Channels",
                "type": "multi_choice",
                "required": True,
                "choices": CHANNEL_CHOICES,
                "min": 1,
            },
            {
                "key": "send_volume",
                "label": "Expected e-mail send volume",
                "type": "number",
                "min": 1,
                "max": 5000000,
                "required": True,
                "condition": {"field": "channels", "op": "eq", "value": "E-mail"},
            },
            {
                "key": "paid_budget",
                "label": "Paid media budget (USD)",
                "type": "number",
                "min": 0,
                "condition": {
                    "field": "channels",
                    "op": "in",
                    "value": ["Paid social", "Paid search"],
                },
            },
            {"key": "launch_date", "label": "Launch date", "type": "date", "required": True},
            {
                "key": "region",
                "label": "Region",
                "type": "choice",
                "choices": REGIONS,
                "required": True,
            },
            {
                "key": "brief_url",
                "label": "Creative brief",
                "type": "url",
                "help": "A link to the brief or the asset folder.",
            },
        ],
    },
    {
        "name": "Add a field",
        "slug": "add-a-field",
        "description": "Add a field to the marketing automation platform and the CRM, mapped "
        "and synced, with its data contract updated.",
        "channels": [Channel.CRM, Channel.DATA],
        "change_type": ChangeType.SCHEMA_CHANGE,
        "default_complexity": Complexity.SIMPLE,
        "templates": [],
        "input_definition": [
            {
                "key": "field_label",
                "label": "Field label",
                "type": "text",
                "required": True,
                "max": 60,
            },
            {
                "key": "object",
                "label": "Object",
                "type": "choice",
                "required": True,
                "choices": ["Lead", "Contact", "Account", "Opportunity"],
            },
            {
                "key": "data_type",
                "label": "Data type",
                "type": "choice",
                "required": True,
                "choices": ["Text", "Number", "Date", "Picklist", "Checkbox"],
            },
            {
                "key": "picklist_values",
                "label": "Picklist values",
                "type": "long_text",
                "required": True,
                "help": "One value per line.",
                "condition": {"field": "data_type", "op": "eq", "value": "Picklist"},
            },
            {
                "key": "sync_to_crm",
                "label": "Sync to CRM?",
                "type": "choice",
                "required": True,
                "choices": ["Yes", "No"],
            },
            {"key": "reason", "label": "Why is it needed?", "type": "long_text", "required": True},
        ],
    },
    {
        "name": "Create a segment",
        "slug": "create-a-segment",
        "description": "A reusable audience segment (smart list) with documented criteria.",
        "channels": [Channel.EMAIL, Channel.DATA],
        "change_type": ChangeType.NEW_CAMPAIGN,
        "default_complexity": Complexity.SIMPLE,
        "templates": [],
        "input_definition": [
            {"key": "segment_name", "label": "Segment name", "type": "text", "required": True},
            {
                "key": "criteria",
                "label": "Who is in it?",
                "type": "long_text",
                "required": True,
                "help": "Describe the rules, e.g. job title contains 'Director', region EMEA.",
            },
            {
                "key": "refresh",
                "label": "Refresh",
                "type": "choice",
                "required": True,
                "choices": ["Static (one-off)", "Dynamic (always current)"],
            },
            {
                "key": "expiry_date",
                "label": "Can be deleted after",
                "type": "date",
                "condition": {"field": "refresh", "op": "eq", "value": "Static (one-off)"},
            },
            {"key": "estimated_size", "label": "Estimated size", "type": "number", "min": 1},
        ],
    },
    {
        "name": "Build a nurture",
        "slug": "build-a-nurture",
        "description": "A multi-step nurture program from an approved template, with exit "
        "criteria and reporting.",
        "channels": [Channel.EMAIL],
        "change_type": ChangeType.NEW_CAMPAIGN,
        "default_complexity": Complexity.COMPLEX,
        "templates": ["nurture", "re-engagement", "win-back"],
        "input_definition": [
            {"key": "program_name", "label": "Program name", "type": "text", "required": True},
            {
                "key": "pattern",
                "label": "Pattern",
                "type": "choice",
                "required": True,
                "choices": ["Nurture", "Re-engagement", "Win-back", "Custom"],
            },
            {
                "key": "custom_pattern",
                "label": "Describe the custom flow",
                "type": "long_text",
                "required": True,
                "condition": {"field": "pattern", "op": "eq", "value": "Custom"},
            },
            {
                "key": "emails",
                "label": "Number of e-mails",
                "type": "number",
                "required": True,
                "min": 2,
                "max": 12,
            },
            {"key": "entry_segment", "label": "Entry audience", "type": "text", "required": True},
            {"key": "exit_criteria", "label": "Exit criteria", "type": "long_text"},
            {"key": "start_date", "label": "Start date", "type": "date", "required": True},
            {
                "key": "approvers",
                "label": "Content approvers",
                "type": "email_list",
                "help": "Addresses separated by commas.",
                "max": 5,
            },
        ],
    },
    {
        "name": "Build a landing page",
        "slug": "build-a-landing-page",
        "description": "A landing page with form, tracking and thank-you page.",
        "channels": [Channel.LANDING_PAGE, Channel.WEB],
        "change_type": ChangeType.NEW_CAMPAIGN,
        "default_complexity": Complexity.STANDARD,
        "templates": [],
        "input_definition": [
            {
                "key": "page_purpose",
                "label": "Purpose",
                "type": "choice",
                "required": True,
                "choices": ["Gated content", "Webinar registration", "Event", "Contact us"],
            },
            {
                "key": "webinar_date",
                "label": "Webinar date",
                "type": "date",
                "required": True,
                "condition": {"field": "page_purpose", "op": "eq", "value": "Webinar registration"},
            },
            {
                "key": "asset_url",
                "label": "Asset to gate",
                "type": "url",
                "required": True,
                "condition": {"field": "page_purpose", "op": "eq", "value": "Gated content"},
            },
            {"key": "copy", "label": "Page copy", "type": "long_text", "required": True},
            {
                "key": "form_fields",
                "label": "Form fields",
                "type": "multi_choice",
                "required": True,
                "choices": [
                    "First name",
                    "Last name",
                    "E-mail",
                    "Company",
                    "Job title",
                    "Country",
                    "Phone",
                ],
                "min": 1,
            },
            {"key": "live_by", "label": "Live by", "type": "date", "required": True},
        ],
    },
    {
        "name": "Update lead scoring",
        "slug": "update-lead-scoring",
        "description": "Change the lead scoring or routing model, tested on a sample "
        "before it goes live.",
        "channels": [Channel.CRM, Channel.DATA],
        "change_type": ChangeType.ROUTING_SCORING_CHANGE,
        "default_complexity": Complexity.COMPLEX,
        "templates": [],
        "input_definition": [
            {
                "key": "change",
                "label": "What should change?",
                "type": "long_text",
                "required": True,
            },
            {
                "key": "kind",
                "label": "Kind of change",
                "type": "choice",
                "required": True,
                "choices": [
                    "Behaviour scores",
                    "Demographic scores",
                    "Thresholds (MQL)",
                    "Routing rules",
                ],
            },
            {
                "key": "new_threshold",
                "label": "New MQL threshold",
                "type": "number",
                "required": True,
                "min": 1,
                "max": 1000,
                "condition": {"field": "kind", "op": "eq", "value": "Thresholds (MQL)"},
            },
            {
                "key": "sales_signoff",
                "label": "Sales sign-off from",
                "type": "email_list",
                "required": True,
                "min": 1,
            },
            {"key": "effective_date", "label": "Effective from", "type": "date"},
        ],
    },
    {
        "name": "Create a UTM set",
        "slug": "create-a-utm-set",
        "description": "Tagged links for a campaign, following the taxonomy. Self-serve: "
        "use the UTM builder, or ask MOPS.",
        "channels": [Channel.PAID_SOCIAL, Channel.PAID_SEARCH, Channel.EMAIL],
        "change_type": ChangeType.NEW_CAMPAIGN,
        "default_complexity": Complexity.SIMPLE,
        "self_serve": True,
        "self_serve_tool": "utm_builder",
        "instructions": "1. Open the UTM builder.\n"
        "2. Paste the landing page URL and pick the source and medium from the taxonomy.\n"
        "3. Fill the campaign name tokens (fiscal year, quarter, region, channel, offer, name).\n"
        "4. Register the campaign: the tagged link is yours to copy, and data checks can tie "
        "records to it.",
        "templates": [],
        "input_definition": [
            {"key": "destination", "label": "Destination URL", "type": "url", "required": True},
            {"key": "campaign", "label": "Campaign", "type": "text", "required": True},
            {
                "key": "sources",
                "label": "Sources",
                "type": "multi_choice",
                "required": True,
                "choices": ["linkedin", "google", "facebook", "newsletter", "partner"],
                "min": 1,
            },
            {
                "key": "partner_name",
                "label": "Partner name",
                "type": "text",
                "required": True,
                "condition": {"field": "sources", "op": "eq", "value": "partner"},
            },
        ],
    },
]

TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "Welcome series",
        "slug": "welcome-series",
        "kind": PatternKind.WELCOME_SERIES,
        "channel": Channel.EMAIL,
        "description": "Three e-mails over ten days for new subscribers.",
        "versions": [
            (
                "3 e-mails: welcome (day 0), best content (day 3), offer (day 10).",
                {
                    "steps": [
                        {"email": "welcome", "wait_days": 0},
                        {"email": "content", "wait_days": 3},
                        {"email": "offer", "wait_days": 7},
                    ]
                },
                "First version.",
                "Deactivate the program; subscribers stay in the database.",
            ),
            (
                "Adds a preference-centre step after the welcome e-mail.",
                {
                    "steps": [
                        {"email": "welcome", "wait_days": 0},
                        {"email": "preferences", "wait_days": 1},
                        {"email": "content", "wait_days": 2},
                        {"email": "offer", "wait_days": 7},
                    ]
                },
                "Preference step added.",
                "Roll back to v1: remove the preference step.",
            ),
        ],
    },
    {
        "name": "Nurture",
        "slug": "nurture",
        "kind": PatternKind.NURTURE,
        "channel": Channel.EMAIL,
        "description": "Education track, one e-mail every week until MQL.",
        "versions": [
            (
                "Weekly e-mail until MQL or six weeks.",
                {"cadence_days": 7, "max_emails": 6},
                "First version.",
                "Pause the stream; no data changes.",
            ),
            (
                "Cadence ten days; stop on sales activity.",
                {"cadence_days": 10, "max_emails": 6, "exit": ["mql", "sales_activity"]},
                "Longer cadence, sales exit.",
                "Return to v1 cadence.",
            ),
            (
                "Adds a webinar invite branch.",
                {
                    "cadence_days": 10,
                    "max_emails": 7,
                    "exit": ["mql", "sales_activity"],
                    "branches": ["webinar"],
                },
                "Webinar branch.",
                "Disable the branch; stream continues.",
            ),
        ],
    },
    {
        "name": "Re-engagement",
        "slug": "re-engagement",
        "kind": PatternKind.RE_ENGAGEMENT,
        "channel": Channel.EMAIL,
        "description": "For contacts inactive 90+ days: two tries, then sunset.",
        "versions": [
            (
                "Two e-mails a week apart, then mark as sunset.",
                {"inactive_days": 90, "tries": 2},
                "First version.",
                "Unmark sunset flags set by the program.",
            ),
            (
                "Inactive threshold 120 days.",
                {"inactive_days": 120, "tries": 2},
                "Threshold raised to 120 days.",
                "Back to 90 days.",
            ),
        ],
    },
    {
        "name": "Win-back",
        "slug": "win-back",
        "kind": PatternKind.WIN_BACK,
        "channel": Channel.EMAIL,
        "description": "Churned customers: offer, reminder, survey.",
        "versions": [
            (
                "Offer, reminder after 5 days, survey after 14.",
                {"steps": ["offer", "reminder", "survey"]},
                "First version.",
                "Stop the program; offers expire on their own.",
            ),
            (
                "Adds an SMS reminder where consent exists.",
                {"steps": ["offer", "reminder", "sms_reminder", "survey"]},
                "SMS reminder.",
                "Remove the SMS step.",
            ),
        ],
    },
    {
        "name": "Upsell",
        "slug": "upsell",
        "kind": PatternKind.UPSELL,
        "channel": Channel.EMAIL,
        "description": "Usage-triggered upgrade offers for active customers.",
        "versions": [
            (
                "Trigger at 80% of plan usage; one e-mail and an in-app note.",
                {"trigger": "usage_80", "steps": ["email", "in_app"]},
                "First version.",
                "Turn off the trigger.",
            ),
            (
                "Trigger at 90%; adds account-manager task.",
                {"trigger": "usage_90", "steps": ["email", "in_app", "am_task"]},
                "Later trigger, AM task.",
                "Back to 80% trigger, no task.",
            ),
        ],
    },
]


def _admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("The catalog demo needs the accounts demo (an admin) first.")
    admin._mops_roles = frozenset({"admin"})
    return admin


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    actor = _admin()
    mops_team = Team.objects.filter(slug="marketing-ops").first()
    this_year = timezone.now().year

    calendars: dict[str, dict[str, Any]] = {
        "us-business-hours": dict(
            name="US business hours",
            time_zone="America/New_York",
            working_hours=MON_FRI_9_17,
            holiday_regions=["US"],
            closed_days=[
                d
                for y in range(this_year - 1, this_year + 3)
                for d in ((date(y, 12, 24), "Christmas Eve"), (date(y, 12, 31), "New Year's Eve"))
            ],
        ),
        "berlin": dict(
            name="Berlin",
            time_zone="Europe/Berlin",
            working_hours=BERLIN_WEEK,
            holiday_regions=["DE-BE"],
            closed_days=[
                (date(y, 12, 24), "Heiligabend") for y in range(this_year - 1, this_year + 3)
            ],
        ),
        "always-open": dict(
            name="24/7", time_zone="UTC", working_hours=ALWAYS, holiday_regions=[], closed_days=[]
        ),
    }
    for slug, spec in calendars.items():
        if not Calendar.objects.filter(slug=slug).exists():
            calendar_create(actor=actor, slug=slug, **spec)
        progress(f"calendar {slug}")

    us = Calendar.objects.get(slug="us-business-hours")
    policy = SlaPolicy.objects.filter(slug="standard").first()
    if policy is None:
        policy = sla_policy_create(
            actor=actor,
            name="Standard",
            slug="standard",
            description="Triage the same business day; deliver in 2 / 5 / 15 business days.",
            calendar=us,
            triage_hours_simple=4,
            triage_hours_standard=4,
            triage_hours_complex=4,
            delivery_hours_simple=16,
            delivery_hours_standard=40,
            delivery_hours_complex=120,
            at_risk_percent=75,
        )
    if not SlaPolicy.objects.filter(slug="urgent-24-7").exists():
        sla_policy_create(
            actor=actor,
            name="Urgent (24/7)",
            slug="urgent-24-7",
            description="Incidents and hot fixes: the clock never stops.",
            calendar=Calendar.objects.get(slug="always-open"),
            triage_hours_simple=1,
            triage_hours_standard=1,
            triage_hours_complex=2,
            delivery_hours_simple=8,
            delivery_hours_standard=24,
            delivery_hours_complex=72,
            at_risk_percent=50,
        )
    progress("SLA policies")

    for spec in TEMPLATES:
        template = TemplateModel.objects.filter(slug=spec["slug"]).first()
        if template is None:
            (content, tspec, changelog, rollback), *later = spec["versions"]
            template = template_create(
                actor=actor,
                name=spec["name"],
                slug=spec["slug"],
                kind=spec["kind"],
                channel=spec["channel"],
                owner_team=mops_team,
                description=spec["description"],
                content=content,
                spec=tspec,
                changelog=changelog,
                rollback_plan=rollback,
            )
            for content, tspec, changelog, rollback in later:
                template_publish(
                    template=template,
                    actor=actor,
                    content=content,
                    spec=tspec,
                    changelog=changelog,
                    rollback_plan=rollback,
                )
        progress(f"template {spec['slug']}")

    for spec in SERVICES:
        if Service.objects.filter(slug=spec["slug"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "templates"}
        service = service_create(
            actor=actor,
            owner_team=mops_team,
            sla_policy=policy,
            templates=list(
                TemplateModel.objects.filter(slug__in=spec["templates"]).values_list(
                    "pk", flat=True
                )
            ),
            changelog="First version.",
            **fields,
        )
        service_publish(service=service, actor=actor)
        progress(f"service {spec['slug']}")
