"""Demo stack (#14): a realistic golden path (Salesforce, Marketo, Segment, Snowflake + dbt,
Hightouch, GTM, Looker, a deliverability tool) and one tolerated point tool; flows tied to
the demo heartbeat monitors (one never pinged: its edge is marked) and to the catalog
services whose requests run through them; contracts, one with a notice deadline inside 60
days; the instrumentation inventory (web, app and server-side events and pixels, one pixel
without a consent category, one sending to the point tool); the "Evaluate a new tool"
catalog service and a new tool under evaluation with its new-tool RFC in review.
Idempotent: known tools, flows, contracts, entries and services are skipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Service, SlaPolicy
from catalog.services import service_create, service_publish
from governance.models import DataContract, Monitor, Runbook
from mops.accounts.models import Team, User

from . import evaluation
from .inventory import instrument_create
from .models import AccessReview, Contract, Flow, Instrument, Seat, Tool
from .services import (
    access_review_attest,
    access_review_start,
    contract_create,
    flow_create,
    seats_import,
    tool_create,
)

# name, layer, vendor, status, reason, personal data contract table, sso, owner
TOOLS = [
    (
        "Salesforce",
        "crm",
        "Salesforce",
        "approved",
        "System of record for accounts and pipeline.",
        "contacts",
        True,
        "admin",
    ),
    (
        "Marketo",
        "map",
        "Adobe",
        "approved",
        "The one MAP: e-mail, nurture, scoring.",
        "leads",
        True,
        "engineer",
    ),
    (
        "Segment",
        "cdp",
        "Twilio",
        "approved",
        "Server-side event collection and consent.",
        "leads",
        True,
        "engineer",
    ),
    (
        "Snowflake",
        "warehouse",
        "Snowflake",
        "approved",
        "The marketing data mart.",
        "contacts",
        True,
        "engineer",
    ),
    (
        "dbt Cloud",
        "transformation",
        "dbt Labs",
        "approved",
        "Modelled campaign, journey and lift tables.",
        "",
        True,
        "engineer",
    ),
    (
        "Hightouch",
        "reverse_etl",
        "Hightouch",
        "approved",
        "Audiences and conversions back to tools.",
        "contacts",
        True,
        "engineer",
    ),
    (
        "Google Tag Manager",
        "tag_consent",
        "Google",
        "approved",
        "Web and server-side tags behind consent.",
        "",
        True,
        "engineer",
    ),
    (
        "Looker",
        "bi",
        "Google",
        "approved",
        "Certified dashboards tied to data contracts.",
        "",
        True,
        "pm",
    ),
    (
        "Litmus",
        "deliverability",
        "Litmus",
        "approved",
        "Rendering and seed tests in pre-flight.",
        "",
        True,
        "engineer",
    ),
    (
        "Webinar Buddy",
        "map",
        "Webinar Buddy",
        "tolerated",
        "Bought by one campaign; few users; no SSO.",
        "",
        False,
        "pm",
    ),
]
# source, target, objects, pattern, schedule, monitor name
FLOWS = [
    (
        "Salesforce",
        "Marketo",
        "leads, contacts, campaign members",
        "native",
        "every 5 minutes",
        "CRM ↔ MAP sync",
    ),
    (
        "Marketo",
        "Salesforce",
        "lead routing, scores",
        "native",
        "every 15 minutes",
        "Lead routing sync",
    ),
    ("Segment", "Snowflake", "web and app events", "native", "hourly", ""),
    ("Salesforce", "Snowflake", "opportunities, accounts", "native", "hourly", "Enrichment job"),
    ("Snowflake", "dbt Cloud", "raw tables", "native", "hourly", ""),
    ("Hightouch", "Marketo", "modelled audiences", "reverse_etl", "every 30 minutes", ""),
    ("Snowflake", "Hightouch", "audience models", "reverse_etl", "every 30 minutes", ""),
    ("Snowflake", "Looker", "campaign and pipeline models", "native", "on query", ""),
    ("Google Tag Manager", "Segment", "page views, form fills", "webhook", "real time", ""),
    ("Webinar Buddy", "Marketo", "webinar registrants", "custom", "nightly CSV", ""),
]
# tool, annual cost, seats, days until end of term, notice days
CONTRACTS = [
    ("Salesforce", "180000", 120, 300, 60),
    ("Marketo", "95000", 25, 100, 60),  # notice deadline ~40 days out: inside 60
    ("Segment", "60000", 10, 220, 30),
    ("Snowflake", "120000", 40, 400, 90),
    ("Hightouch", "30000", 8, 180, 30),
    ("Looker", "45000", 150, 150, 60),
    ("Webinar Buddy", "12000", 20, 75, 30),
]

# flow (source, target) → catalog services whose requests run through it
FLOW_SERVICES = {
    ("Salesforce", "Marketo"): ["launch-a-campaign", "add-a-field"],
    ("Hightouch", "Marketo"): ["launch-a-campaign", "create-a-segment"],
    ("Google Tag Manager", "Segment"): ["launch-a-campaign", "build-a-landing-page"],
    ("Salesforce", "Snowflake"): ["add-a-field"],
    ("Snowflake", "Hightouch"): ["create-a-segment"],
    ("Marketo", "Salesforce"): ["build-a-nurture", "update-lead-scoring"],
    ("Webinar Buddy", "Marketo"): ["build-a-landing-page"],  # off the golden path
}
# kind, name, property, platform, consent, container, destinations, description
INSTRUMENTS = [
    ("event", "page_viewed", "www.example.com", "web", "analytics", "GTM-MOPS01",
     ["Segment"], "Every page view, with UTM parameters."),
    ("event", "form_submitted", "www.example.com", "web", "analytics", "GTM-MOPS01",
     ["Segment", "Marketo"], "Any Marketo form; the form id is a property."),
    ("event", "demo_requested", "www.example.com", "web", "analytics", "GTM-MOPS01",
     ["Segment", "Salesforce"], "The demo-request form."),
    ("event", "webinar_registered", "www.example.com", "web", "analytics", "GTM-MOPS01",
     ["Segment", "Marketo", "Webinar Buddy"], "Webinar sign-up (also sent to Webinar Buddy)."),
    ("event", "trial_started", "Example app (iOS, Android)", "app", "analytics", "",
     ["Segment"], "The in-app trial start."),
    ("event", "purchase_completed", "api.example.com", "server", "necessary", "GTM-MOPS-SS",
     ["Segment", "Snowflake"], "Server-side: the billing system's order event."),
    ("event", "offline_conversion", "api.example.com", "server", "marketing", "",
     ["Hightouch"], "Closed-won opportunities sent back to ad platforms (conversion APIs)."),
    ("pixel", "LinkedIn Insight Tag", "www.example.com", "web", "marketing", "GTM-MOPS01",
     [], "Paid social retargeting and conversions."),
    ("pixel", "Meta Pixel", "www.example.com", "web", "marketing", "GTM-MOPS01", [],
     "Paid social conversions."),
    ("pixel", "Heatmap snippet", "www.example.com", "web", "", "GTM-MOPS01", [],
     "Added for one campaign; nobody recorded its consent category."),
]  # fmt: skip
CANDIDATE = "Clearbit"

# tool, seats assigned, active this month, active in the last 90 days only
SEAT_EXPORTS = [
    ("Marketo", 24, 21, 2),
    ("Salesforce", 110, 96, 8),
    ("Looker", 120, 70, 30),
    ("Webinar Buddy", 12, 3, 2),  # the tolerated point tool: 15% of 20 seats in use
]


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    actor = users.get("admin") or get_user_model().objects.filter(is_superuser=True).first()
    if actor is None:
        return
    today = timezone.localdate()
    tools = _tools(actor, users)
    progress("stack tools")
    _flows(tools, actor)
    _contracts(tools, actor, today)
    progress("stack flows and contracts")
    _seat_exports(tools, actor)
    progress("seat exports")
    _access_review(tools["Marketo"], actor, today)
    progress("access review")
    _flow_services(tools)
    _inventory(tools, actor, users)
    _evaluation(actor, users)
    progress("instrumentation inventory and the new-tool evaluation")


def _tools(actor: User, users: dict[str, Any]) -> dict[str, Tool]:
    """The demo's tools (those missing), each tied to its data contract when the demo
    warehouse has one; every tool by name."""
    contracts = {c.dataset.table: c for c in DataContract.objects.select_related("dataset")}
    runbook = Runbook.objects.filter(slug="sync-backlog").first()
    known = set(Tool.objects.values_list("name", flat=True))
    for name, layer, vendor, status, reason, table, sso, owner in TOOLS:
        if name in known:
            continue
        contract = contracts.get(table) if table else None
        if table and contract is None:
            status = "tolerated"  # no demo warehouse: no contract, so not approvable
        tool_create(
            actor=actor,
            name=name,
            layer=layer,
            vendor=vendor,
            status=status,
            status_reason=reason,
            purpose=reason,
            holds_personal_data=bool(table),
            data_contract=contract,
            sso=sso,
            owner=users.get(owner, actor),
            admin_url=f"https://{vendor.lower().replace(' ', '')}.example.com/admin",
            runbooks=[runbook] if runbook and layer in ("crm", "map") else None,
        )
    return {t.name: t for t in Tool.objects.all()}


def _flows(tools: dict[str, Tool], actor: User) -> None:
    """The flows between the tools (those missing), watched by the demo monitors named."""
    monitors = {m.name: m for m in Monitor.objects.all()}
    existing = set(Flow.objects.values_list("source__name", "target__name"))
    for source, target, objects, pattern, schedule, monitor in FLOWS:
        if (source, target) in existing:
            continue
        flow_create(
            actor=actor,
            source=tools[source],
            target=tools[target],
            objects_synced=objects,
            pattern=pattern,
            schedule=schedule,
            owner=tools[source].owner,
            monitor=monitors.get(monitor),
            data_contract=tools[source].data_contract,
        )


def _contracts(tools: dict[str, Tool], actor: User, today: date) -> None:
    """A year's contract for each tool that has none, ending the given days from today."""
    with_contract = set(Contract.objects.values_list("tool__name", flat=True))
    for name, cost, seats, days_left, notice in CONTRACTS:
        if name in with_contract:
            continue
        ends = today + timedelta(days=days_left)
        contract_create(
            actor=actor,
            tool=tools[name],
            vendor=tools[name].vendor,
            starts_on=ends - timedelta(days=365),
            ends_on=ends,
            annual_cost=Decimal(cost),
            currency="USD",
            seats_bought=seats,
            notice_days=notice,
            auto_renew=True,
        )


def _seat_exports(tools: dict[str, Tool], actor: User) -> None:
    """A seat export for each tool of SEAT_EXPORTS that has no seats yet."""
    for name, assigned, active, idle in SEAT_EXPORTS:
        if Seat.objects.filter(tool=tools[name]).exists():
            continue
        seats_import(tool=tools[name], actor=actor, text=_seat_export(name, assigned, active, idle))


def _access_review(tool: Tool, actor: User, today: date) -> None:
    """An access review of `tool` due in ten days, its owner half way through: holders who
    never signed in removed, the others kept."""
    if not tool.owner or AccessReview.objects.filter(tool=tool).exists():
        return
    review = access_review_start(tool=tool, actor=actor, due_on=today + timedelta(days=10))
    items = list(review.items.order_by("email"))
    for item in items[: len(items) // 2]:  # half done
        idle = item.last_active_on is None
        access_review_attest(
            item=item,
            actor=tool.owner,
            decision="remove" if idle else "keep",
            reason="Never signed in." if idle else "",
        )


def _flow_services(tools: dict[str, Tool]) -> None:
    """Tie the flows to the catalog services whose requests run through them (the
    golden-path share reads this); flows already tied are left alone."""
    services = {s.slug: s for s in Service.objects.all()}
    flows = Flow.objects.filter(services__isnull=True).select_related("source", "target")
    for flow in flows:
        slugs = FLOW_SERVICES.get((flow.source.name, flow.target.name), [])
        found = [services[slug] for slug in slugs if slug in services]
        if found:
            flow.services.set(found)


def _inventory(tools: dict[str, Tool], actor: User, users: dict[str, Any]) -> None:
    known = set(Instrument.objects.values_list("kind", "name"))
    for kind, name, prop, platform, consent, container, to, about in INSTRUMENTS:
        if (kind, name) in known:
            continue
        instrument_create(
            actor=actor,
            kind=kind,
            name=name,
            property=prop,
            platform=platform,
            consent_category=consent,
            container=container,
            description=about,
            owner=users.get("engineer"),
            destinations=[tools[t] for t in to if t in tools],
        )


def _evaluation(actor: User, users: dict[str, Any]) -> None:
    """The "Evaluate a new tool" catalog service, and Clearbit under evaluation with its
    new-tool RFC in review (the stack owner has not approved it yet)."""
    policy = SlaPolicy.objects.filter(slug="standard").first() or SlaPolicy.objects.first()
    if policy and not Service.objects.filter(slug=evaluation.EVALUATION_SERVICE_SLUG).exists():
        service = service_create(
            actor=actor,
            name="Evaluate a new tool",
            slug=evaluation.EVALUATION_SERVICE_SLUG,
            description="Ask MOPS to evaluate a tool you need. The form shows the approved "
            "tools of its layer first: one of them may already do it. A new tool joins the "
            "stack only through an RFC the stack owner approves.",
            owner_team=Team.objects.filter(slug="marketing-ops").first(),
            # No campaign tracking plan; a new tool changes the systems' schema (QA).
            change_type="schema_change",
            default_complexity="complex",
            sla_policy=policy,
            input_definition=evaluation.EVALUATION_DEFINITION,
        )
        service_publish(service=service, actor=actor)
    if Tool.objects.filter(name=CANDIDATE).exists():
        return
    from governance.rfc.services import rfc_create

    author = users.get("engineer", actor)
    rfc = rfc_create(
        actor=author,
        title="New tool: Clearbit for form enrichment",
        change_type=evaluation.NEW_TOOL_KIND,
        summary="Enrich demo-request leads with firmographics (company size, industry).",
        motivation="Demand gen asked through 'Evaluate a new tool'; Segment and Salesforce "
        "do not enrich.",
        proposal="A 30-day trial on the demo-request form, sending enriched fields to "
        "Salesforce; SSO through the IdP; personal data under the leads contract.",
        systems_affected="Clearbit\nSalesforce\nwww.example.com forms",
        test_plan="Compare enrichment coverage and match rate with a week of leads.",
        rollback_plan="Remove the form integration; delete the trial data at Clearbit.",
        linked_objects=[{"kind": "other", "ref": "Clearbit", "label": "Tool under evaluation"}],
        submit=True,
    )
    contract = DataContract.objects.filter(dataset__table="leads").first()
    tool_create(
        actor=actor,
        name=CANDIDATE,
        layer="cdp",
        vendor="HubSpot",
        status="evaluating",
        status_reason="Requested for lead enrichment; RFC in review.",
        purpose="Firmographic enrichment of inbound leads.",
        holds_personal_data=True,
        data_contract=contract,
        sso=True,
        owner=users.get("engineer", actor),
        evaluation_rfc=rfc,
    )


def _seat_export(tool: str, assigned: int, active: int, idle: int) -> str:
    """A seat export: `active` people used the tool this week, `idle` two months ago, the
    rest never; the first two hold admin rights."""
    today = timezone.localdate()
    slug = tool.lower().replace(" ", "")
    lines = ["email,permission_level,last_active"]
    for i in range(assigned):
        if i < active:
            seen = (today - timedelta(days=i % 7)).isoformat()
        elif i < active + idle:
            seen = (today - timedelta(days=60)).isoformat()
        else:
            seen = ""
        lines.append(f"{slug}.user{i}@example.com,{'admin' if i < 2 else 'user'},{seen}")
    return "\n".join(lines)
