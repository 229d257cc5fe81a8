"""What a submission needs: the standard brief fields, answers that fill them, and every problem listed at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import inputdef
from catalog.models import ChangeType, Service

from .. import scoring
from ..models import (
    Request,
)
from .priority import _factors, default_scoring_version
from .tracking import REQUIRED_TRACKING, TRACKING_KEYS, UTM_VALUE_RE, tracking_plan_findings

BRIEF_FIELDS = ("brief", "audience", "creative", "offer")
REQUESTER_FIELDS = frozenset(
    {"title", "answers", *BRIEF_FIELDS, "tracking_plan", "desired_live_date", "scoring_inputs"}
)
STAFF_FIELDS = REQUESTER_FIELDS | {"complexity", "assignee", "template_version"}


def _clean_answers_draft(definition: list[dict[str, Any]], raw: Any) -> dict[str, Any]:
    """Drafts keep what was typed for known keys (validated at submit)."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError({"answers": "Send the answers as an object of field key → value."})
    keys = {f["key"] for f in definition}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in keys:
            raise ValidationError({f"answers.{key}": "This service asks no such field."})
        if isinstance(value, list):
            out[key] = [str(v)[:2000] for v in value[:200]]
        elif value is None or isinstance(value, str | int | float | bool):
            out[key] = value if not isinstance(value, str) else value[:20000]
        else:
            raise ValidationError({f"answers.{key}": "Must be text, a number or a list."})
    return out


# A service's input definition may ask a standard brief field itself, under one of these
# keys: the request form then asks it once (in the service's part) and the answer fills the
# request's own field, which the backlog, boarding and metrics read.
STANDARD_ANSWER_KEYS: dict[str, tuple[str, ...]] = {
    "brief": ("brief",),
    "audience": ("audience", "target_audience", "entry_segment"),
    "desired_live_date": (
        "desired_live_date",
        "launch_date",
        "live_date",
        "live_by",
        "go_live_date",
        "start_date",
        "effective_date",
    ),
}
# Standard fields every submission needs (besides the service's own required answers).
SUBMIT_REQUIRED = ("title", "brief", "audience", "desired_live_date")


def standard_fields_asked(definition: list[dict[str, Any]]) -> dict[str, str]:
    """Standard field → the key of the definition's field that asks it instead."""
    specs = {spec["key"]: spec for spec in definition or []}
    asked: dict[str, str] = {}
    for field, keys in STANDARD_ANSWER_KEYS.items():
        for key in keys:
            spec = specs.get(key)
            if spec is None:
                continue
            if field == "desired_live_date" and spec["type"] != inputdef.DATE:
                continue
            if field != "desired_live_date" and spec["type"] not in (
                inputdef.TEXT,
                inputdef.LONG_TEXT,
            ):
                continue
            asked[field] = key
            break
    return asked


def submit_required_fields(service: Service, definition: list[dict[str, Any]]) -> set[str]:
    """Names of the standard form's fields a submission needs (for the required marker)."""
    asked = standard_fields_asked(definition)
    required = {f for f in SUBMIT_REQUIRED if f not in asked}
    if service.change_type == ChangeType.NEW_CAMPAIGN:
        required |= set(REQUIRED_TRACKING)
    return required


def _answer_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _fill_from_answers(request: Request) -> None:
    """Copy the answers that stand for standard fields into those fields."""
    answers = request.answers or {}
    for field, key in standard_fields_asked(request.service_version.input_definition).items():
        value = answers.get(key)
        if field == "desired_live_date":
            request.desired_live_date = _answer_date(value)
        else:
            setattr(request, field, value if isinstance(value, str) else "")


def request_problems(request: Request, *, today: date | None = None) -> tuple[dict, dict]:
    """(problems, cleaned answers): everything a submission still lacks, by field path.

    A standard field the service's definition asks itself is reported on that answer."""
    problems: dict[str, list[str]] = {}
    definition = request.service_version.input_definition or []
    asked = standard_fields_asked(definition)

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not request.title.strip():
        add("title", "Give the request a title.")
    for field, label in (("brief", "brief"), ("audience", "audience")):
        if field not in asked and not (getattr(request, field) or "").strip():
            add(field, f"Describe the {label}.")
    _fill_from_answers(request)
    date_field = f"answers.{asked['desired_live_date']}" if "desired_live_date" in asked else ""
    if request.desired_live_date is None:
        if not date_field:
            add("desired_live_date", "Pick the date you want it live.")
    elif request.desired_live_date < (today or timezone.localdate()):
        add(date_field or "desired_live_date", "The desired live date is in the past.")
    plan = request.tracking_plan or {}
    needs_tracking = request.service.change_type == ChangeType.NEW_CAMPAIGN
    for key in TRACKING_KEYS:
        value = plan.get(key, "")
        if not value:
            if needs_tracking and key in REQUIRED_TRACKING:
                add(f"tracking_plan.{key}", f"{key} is required for a campaign's tracking plan.")
        elif not UTM_VALUE_RE.match(value):
            add(
                f"tracking_plan.{key}",
                f"'{value}' has spaces or characters not allowed in a UTM value.",
            )
    for field, messages in tracking_plan_findings(plan).items():
        if field not in problems:
            for message in messages:
                add(field, message)
    cleaned, errors = inputdef.validate_answers(definition, request.answers or {})
    labels = {f["key"]: f["label"] for f in definition}
    for key, message in errors.items():
        add(f"answers.{key}", f"{labels.get(key, key)}: {message}")
    if date_field and request.desired_live_date is None and date_field not in problems:
        add(date_field, f"{labels[asked['desired_live_date']]}: Pick the date you want it live.")
    factors = _factors(request.scoring_model_version or default_scoring_version())
    for factor in factors:
        try:
            scoring.clean_inputs([factor], request.scoring_inputs or {})
        except scoring.ScoringError as exc:
            add(exc.field, exc.message)
    return problems, cleaned
