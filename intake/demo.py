"""Demo requests in several states (idempotent: skipped once any demo request exists)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from catalog import inputdef
from catalog.models import Service, ServiceStatus
from mops.accounts.models import User

from .models import Request
from .services import default_scoring_version, request_create, request_transition

DEMO_MARK = "[demo] "


def _answers(definition: list[dict[str, Any]]) -> dict[str, Any]:
    """Plausible answers for every field a definition shows by default."""
    answers: dict[str, Any] = {}
    for field in definition:
        if not inputdef.evaluate(field.get("condition"), answers):
            continue
        kind = field["type"]
        if kind in ("choice",):
            answers[field["key"]] = field["choices"][0]
        elif kind == "multi_choice":
            answers[field["key"]] = field["choices"][:1]
        elif kind == "number":
            answers[field["key"]] = max(int(field.get("min") or 1), 1)
        elif kind == "date":
            answers[field["key"]] = (timezone.localdate() + timedelta(days=30)).isoformat()
        elif kind == "url":
            answers[field["key"]] = "https://example.com/demo"
        elif kind == "email_list":
            answers[field["key"]] = "someone@example.com"
        else:
            answers[field["key"]] = "Demo " + field["label"].lower()
    cleaned, _ = inputdef.validate_answers(definition, answers)
    return cleaned


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    if Request.objects.filter(title__startswith=DEMO_MARK).exists():
        return
    requester = User.objects.filter(username="requester").first()
    field = User.objects.filter(username="field").first()
    pm = User.objects.filter(username="pm").first()
    engineer = User.objects.filter(username="engineer").first()
    if not (requester and pm and engineer):
        return
    default_scoring_version()
    services = list(
        Service.objects.filter(status=ServiceStatus.ACTIVE, current_version__isnull=False)
    )
    if not services:
        return
    plans = [
        ("Spring webinar series", ["submit"]),
        ("Q3 nurture refresh", ["submit", "needs_info"]),
        ("Partner co-marketing launch", ["submit", "accept", "start"]),
        ("Lead-score field for ABM", ["submit", "accept", "start", "send_to_qa"]),
        ("EMEA event follow-up", ["submit", "reject"]),
        ("Holiday promo", []),
        ("Win-back for lapsed trials", ["submit", "accept"]),
    ]
    for i, (title, steps) in enumerate(plans):
        service = services[i % len(services)]
        version = service.current_version
        if version is None:  # unpublished: nothing to request
            continue
        maker = field if (field and i % 3 == 2) else requester
        request = request_create(
            service=service,
            actor=maker,
            title=DEMO_MARK + title,
            answers=_answers(version.input_definition or []),
            brief=f"{title}: what we want and why.",
            audience="Customers in North America",
            offer="Free trial extension",
            tracking_plan={
                "utm_source": "newsletter",
                "utm_medium": "email",
                "utm_campaign": f"fy{timezone.localdate():%y}q{1 + i % 4}_na_email_promo_demo-{i}",
            },
            desired_live_date=timezone.localdate() + timedelta(days=21 + i),
            scoring_inputs={"impact": 1 + i % 5, "effort": 1 + (i * 2) % 5, "risk": 1 + i % 3},
        )
        for step in steps:
            actor = (
                maker if step == "submit" else (engineer if step in ("start", "send_to_qa") else pm)
            )
            note = (
                "Which segment exactly?"
                if step == "needs_info"
                else ("Out of scope this quarter." if step == "reject" else "")
            )
            request = request_transition(request=request, name=step, actor=actor, note=note)
        progress(f"request {request.reference}")
