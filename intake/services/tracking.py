"""The tracking plan: its UTM values and events, checked against the taxonomy and the stack's instrumentation; campaign-name examples and problems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import taxonomy as tx
from governance.taxonomy.selectors import taxonomy_current

TRACKING_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
# The tracking plan's other entry: the events the campaign needs, comma-separated, checked
# against the stack's instrumentation inventory (governance.stack.hooks).
TRACKING_EVENTS = "events"
PLAN_KEYS = (*TRACKING_KEYS, TRACKING_EVENTS)
EVENT_NAME_MAX = 120
EVENTS_MAX = 50
REQUIRED_TRACKING = ("utm_source", "utm_medium", "utm_campaign")
UTM_VALUE_RE = re.compile(r"^[A-Za-z0-9._~+-]{1,100}$")


def _clean_tracking(raw: Any) -> dict[str, str]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError({"tracking_plan": "Send the UTM set as an object (utm_source, …)."})
    unknown = set(raw) - set(PLAN_KEYS)
    if unknown:
        raise ValidationError(
            {
                f"tracking_plan.{k}": f"Not a UTM parameter; use {', '.join(PLAN_KEYS)}."
                for k in unknown
            }
        )
    out: dict[str, str] = {}
    for key in PLAN_KEYS:
        value = raw.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise ValidationError({f"tracking_plan.{key}": "Must be text."})
        out[key] = value.strip()
    if out.get(TRACKING_EVENTS):
        out[TRACKING_EVENTS] = ", ".join(_clean_events(out[TRACKING_EVENTS]))
    return {k: v for k, v in out.items() if v}


def tracking_events(plan: Mapping[str, Any] | None) -> list[str]:
    """The event names a tracking plan names (its comma-separated `events`), trimmed, each
    once (first spelling kept, compared without case)."""
    raw = (plan or {}).get(TRACKING_EVENTS) or ""
    names: dict[str, str] = {}
    for part in str(raw).split(","):
        name = " ".join(part.split())
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def _clean_events(raw: str) -> list[str]:
    names = tracking_events({TRACKING_EVENTS: raw})
    field = f"tracking_plan.{TRACKING_EVENTS}"
    if len(names) > EVENTS_MAX:
        raise ValidationError({field: f"At most {EVENTS_MAX} events."})
    long = [n for n in names if len(n) > EVENT_NAME_MAX]
    if long:
        raise ValidationError(
            {field: f"'{long[0][:40]}…' is longer than {EVENT_NAME_MAX} characters."}
        )
    return names


def tracking_plan_findings(plan: Mapping[str, str]) -> dict[str, list[str]]:
    """What the published campaign taxonomy (governance) says is wrong with the tracking
    plan's values: unknown source or medium, a campaign name off the naming convention,
    each with the taxonomy's suggestion. Only errors, only for the values given."""
    given = {k: v for k, v in plan.items() if k in TRACKING_KEYS and v}
    if not given:
        return {}
    result = tx.validate_url(
        "https://tracking-plan.invalid/?" + urlencode(given), taxonomy_current()
    )
    found: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.severity != tx.ERROR or finding.param not in given:
            continue
        if finding.param == "utm_campaign" and finding.rule == tx.RULE_NAMING:
            message = campaign_name_problem(given["utm_campaign"], finding)
        else:
            message = f"{finding.message} (campaign taxonomy)"
            if finding.suggestion and f"'{finding.suggestion}'" not in finding.message:
                message += f"; try '{finding.suggestion}'"
        found.setdefault(f"tracking_plan.{finding.param}", []).append(message)
    return found


def campaign_name_example(*, today: date | None = None) -> str | None:
    """A campaign name that follows the published naming convention (for hints)."""
    today = today or timezone.localdate()
    return tx.example_campaign_name(
        taxonomy_current(), year=today.year, quarter=(today.month - 1) // 3 + 1
    )


def campaign_name_problem(value: str, finding: Any) -> str:
    """The campaign-name error in words: what is off, an example that follows the
    convention and where to build one, never the raw token pattern."""
    detail = finding.message
    if any(mark in detail for mark in ("{", "[", "\\", "needs ")):
        detail = ""  # the raw convention or a regex: the example says it better
    message = f"“{value}” does not follow the campaign naming convention"
    if detail:
        message += f" ({detail})"
    if finding.suggestion and "did you mean" not in detail:
        message += f"; did you mean “{finding.suggestion}”?"
    example = campaign_name_example()
    if example:
        message += f". Example: {example}"
    return message + ". Build one with the UTM builder."
