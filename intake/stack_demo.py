"""Demo requests that exercise the tech stack (#14): a marketer's "Evaluate a new tool"
request in flight (accepted, the new-tool RFC in review on the governance side), and two
campaigns whose tracking plans name events — one the instrumentation inventory lacks, so
the coverage view has something to show. Idempotent (skipped once the first exists)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from catalog.models import Service, ServiceStatus
from governance.stack.evaluation import EVALUATION_SERVICE_SLUG
from mops.accounts.models import User

from .demo import DEMO_MARK, _answers
from .models import Request
from .services import request_create, request_transition

EVALUATION_TITLE = DEMO_MARK + "Evaluate Clearbit for lead enrichment"
CAMPAIGNS = [
    ("Product webinar: Q3 launch", "webinar_registered, webinar_attended, demo_requested"),
    ("Trial conversion push", "trial_started, purchase_completed"),
]


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    if Request.objects.filter(title=EVALUATION_TITLE).exists():
        return
    requester = User.objects.filter(username="requester").first()
    pm = User.objects.filter(username="pm").first()
    evaluate = Service.objects.filter(
        slug=EVALUATION_SERVICE_SLUG, status=ServiceStatus.ACTIVE
    ).first()
    campaign = Service.objects.filter(slug="launch-a-campaign", status=ServiceStatus.ACTIVE).first()
    version = campaign.current_version if campaign else None
    if not (requester and pm and evaluate and campaign and version):
        return
    today = timezone.localdate()
    request = request_create(
        service=evaluate,
        actor=requester,
        title=EVALUATION_TITLE,
        answers={
            "tool_name": "Clearbit",
            "vendor": "HubSpot",
            "layer": "CDP / event collection",
            "problem": "Demo requests arrive without company size or industry; SDRs look "
            "them up by hand.",
            "why_not_approved": "Segment collects events but does not enrich; Salesforce "
            "has no enrichment licence.",
            "personal_data": "Yes",
            "annual_cost": 18000,
            "seats": 5,
        },
        brief="Evaluate a lead-enrichment tool for the demo-request form.",
        audience="SDRs working inbound demo requests",
        desired_live_date=today + timedelta(days=45),
        scoring_inputs={"impact": 4, "effort": 3, "risk": 3},
        submit=True,
    )
    request_transition(request=request, name="accept", actor=pm)
    progress(f"request {request.reference} (new-tool evaluation)")
    for i, (title, events) in enumerate(CAMPAIGNS):
        answers = _answers(version.input_definition or [])
        request = request_create(
            service=campaign,
            actor=requester,
            title=DEMO_MARK + title,
            answers=answers,
            brief=f"{title}: what we want and why.",
            audience="Trial users in North America",
            offer="Live demo and Q&A",
            tracking_plan={
                "utm_source": "newsletter",
                "utm_medium": "email",
                "utm_campaign": f"fy{today:%y}q{1 + (today.month - 1) // 3}_na_email_promo_stack-{i}",
                "events": events,
            },
            desired_live_date=today + timedelta(days=28 + i),
            scoring_inputs={"impact": 3, "effort": 2, "risk": 2},
            submit=True,
        )
        progress(f"request {request.reference} (tracking plan with events)")
