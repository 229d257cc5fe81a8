"""Every write on requests: create, edit, transition (the one path), comments, watchers,
scoring-model changes with set-based rescoring, the SLA sweep and the weekly review mail.

Rules a reader could not guess:

* `request_transition` is the single path for every status change (pages, API, bulk
  actions, releases' boarding and go-live). It locks the row, checks the lifecycle and the
  role, compares `expected_version` (stale → 412), records a `RequestEvent` and recomputes
  the denormalised SLA fields from the whole event timeline.
* Nobody triages (accept / reject / needs_info) a request they made themselves.
* A requester acts only on their own team's requests.
* Drafts keep what was typed; submitting validates everything at once and raises one
  ValidationError listing every missing or invalid field (`answers.<key>`, `brief`,
  `tracking_plan.utm_source`, `scoring_inputs.impact`, ...).
"""

from __future__ import annotations

import hashlib
import json
import re
import time as pytime
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import APIException

from catalog import inputdef
from catalog.models import ChangeType, Complexity, Service, ServiceStatus, TemplateVersion
from governance import taxonomy as tx
from governance.taxonomy.selectors import taxonomy_current
from mops.accounts.models import User
from mops.accounts.roles import ADMINS, COMMENTERS, Role, has_role, user_roles
from mops.core.audit import set_change_reason
from mops.core.concurrency import version_check
from mops.core.filters import query_without_empty
from mops.core.lifecycle import Transition, TransitionError
from mops.core.uploads import upload_max_bytes, validate_upload
from mops.notify.models import Kind
from mops.notify.services import notification_create, outbox_enqueue

from . import hooks, scoring, slaclock
from .models import (
    EDITABLE_BY_REQUESTER,
    FINISHED_STATUSES,
    OVERRIDE_LIVE,
    REQUEST_LIFECYCLE,
    REQUESTER_ACTIONS,
    TERMINAL_STATUSES,
    TRIAGE_DECISIONS,
    TRIAGERS,
    Comment,
    IdempotencyKey,
    Priority,
    Request,
    RequestAttachment,
    RequestEvent,
    SavedView,
    ScoringModel,
    ScoringModelVersion,
    SlaClock,
    SlaNotice,
    SlaState,
    Status,
    Watcher,
)

TRACKING_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
# The tracking plan's other entry: the events the campaign needs, comma-separated, checked
# against the stack's instrumentation inventory (governance.stack.hooks).
TRACKING_EVENTS = "events"
PLAN_KEYS = (*TRACKING_KEYS, TRACKING_EVENTS)
EVENT_NAME_MAX = 120
EVENTS_MAX = 50
REQUIRED_TRACKING = ("utm_source", "utm_medium", "utm_campaign")
UTM_VALUE_RE = re.compile(r"^[A-Za-z0-9._~+-]{1,100}$")
BRIEF_FIELDS = ("brief", "audience", "creative", "offer")
REQUESTER_FIELDS = frozenset(
    {"title", "answers", *BRIEF_FIELDS, "tracking_plan", "desired_live_date", "scoring_inputs"}
)
STAFF_FIELDS = REQUESTER_FIELDS | {"complexity", "assignee", "template_version"}
ATTACHMENTS_MAX = 20
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


# --- helpers ------------------------------------------------------------------------------


def is_triager(user: Any) -> bool:
    return has_role(user, TRIAGERS)


def can_edit(request: Request, user: Any) -> bool:
    """Staff (PM, admin) edit open requests; the requester's team edits drafts and
    requests waiting on them."""
    if has_role(user, TRIAGERS):
        return request.status not in (Status.CLOSED, Status.CANCELLED, Status.REJECTED)
    return (
        request.status in EDITABLE_BY_REQUESTER
        and has_role(user, {Role.REQUESTER})
        and getattr(user, "team_id", None) == request.team_id
    )


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def default_scoring_version() -> ScoringModelVersion:
    """The current version of the default scoring model (created with the default factors
    the first time it is asked for)."""
    model = ScoringModel.objects.select_related("current_version").filter(is_default=True).first()
    if model is not None and model.current_version is not None:
        return model.current_version
    with transaction.atomic():
        model, _ = ScoringModel.objects.get_or_create(
            slug="default", defaults={"name": "Default", "is_default": True}
        )
        version = model.versions.order_by("-number").first()
        if version is None:
            version = ScoringModelVersion.objects.create(
                scoring_model=model,
                number=1,
                factors=scoring.DEFAULT_FACTORS,
                note="Default: business impact, effort, risk.",
            )
        model.current_version = version
        model.save(update_fields=["current_version"])
    return version


def _factors(version: ScoringModelVersion) -> list[scoring.Factor]:
    return version.parsed()


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


def _apply_scoring(request: Request, version: ScoringModelVersion | None = None) -> None:
    version = version or default_scoring_version()
    factors = _factors(version)
    try:
        request.scoring_inputs = scoring.clean_inputs(factors, request.scoring_inputs, partial=True)
    except scoring.ScoringError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    # The request's Priority row (keyed by the request): stored here for a stored request,
    # by request_create right after the INSERT for a new one, so every request has its row
    # and backlog queries can inner-join it.
    request.priority = Priority(
        score=scoring.score(factors, request.scoring_inputs), model_version=version
    )
    if not request._state.adding:
        request.priority.save()


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


# --- create and edit ----------------------------------------------------------------------


def request_create(
    *,
    service: Service,
    actor: User,
    title: str = "",
    team: Any = None,
    answers: Any = None,
    brief: str = "",
    audience: str = "",
    creative: str = "",
    offer: str = "",
    tracking_plan: Any = None,
    desired_live_date: date | None = None,
    scoring_inputs: Any = None,
    template_version: TemplateVersion | None = None,
    attachments: Iterable[Any] = (),
    submit: bool = False,
    now: datetime | None = None,
) -> Request:
    """A new draft request for `service`, made with its current version, with its files;
    `submit=True` submits it in the same transaction (all-or-nothing: a submission that
    fails leaves no draft)."""
    if service.status != ServiceStatus.ACTIVE or service.current_version is None:
        raise ValidationError({"service": f"'{service.name}' is not open for requests."})
    if not has_role(actor, {Role.REQUESTER, Role.PM, Role.ADMIN}):
        raise PermissionDenied("Your role does not allow making requests.")
    if team is None or not has_role(actor, TRIAGERS):
        team = getattr(actor, "team", None)
    if team is None:
        raise ValidationError({"team": "You belong to no team; ask an admin to set yours."})
    version = service.current_version
    request = Request(
        title=(title or "").strip(),
        service=service,
        service_version=version,
        team=team,
        requester=actor,
        complexity=version.complexity,
        answers=_clean_answers_draft(version.input_definition or [], answers),
        brief=brief or "",
        audience=audience or "",
        creative=creative or "",
        offer=offer or "",
        tracking_plan=_clean_tracking(tracking_plan),
        desired_live_date=desired_live_date,
        scoring_inputs=scoring_inputs or {},
        template_version=_check_template(version, template_version),
        created_at=_now(now),
    )
    if not request.title:
        request.title = f"{service.name} request"
    _fill_from_answers(request)
    _apply_scoring(request)
    stored: list[RequestAttachment] = []
    try:
        with transaction.atomic():
            request.full_clean()
            set_change_reason(request, f"created by {actor.username}")
            request.save()
            request.priority.save()
            RequestEvent.objects.create(
                request=request,
                actor=actor,
                at=request.created_at,
                transition="create",
                from_status="",
                to_status=Status.DRAFT,
            )
            Watcher.objects.get_or_create(request=request, user=actor)
            if attachments:
                stored = attachments_add(request=request, files=attachments, actor=actor)
            if submit:
                request = request_transition(request=request, name="submit", actor=actor, now=now)
    except BaseException:
        for attachment in stored:  # rolled back: their files must not stay behind
            attachment.file.delete(save=False)
        raise
    return request


def _check_template(version: Any, template_version: TemplateVersion | None) -> Any:
    if template_version is None:
        return None
    allowed = set(version.template_version_ids())
    if allowed and template_version.pk not in allowed:
        raise ValidationError(
            {"template_version": "Pick one of the templates this service version offers."}
        )
    return template_version


def request_update(
    *,
    request: Request,
    actor: User,
    expected_version: int | None = None,
    **changes: Any,
) -> Request:
    """Edit a request. Requesters edit their team's drafts and requests in needs_info;
    PMs and admins edit any open request and may set class (complexity), assignee and the
    scoring inputs. A complexity change recomputes the SLA due times."""
    allowed = STAFF_FIELDS if is_triager(actor) else REQUESTER_FIELDS
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: "You cannot change this field." for f in sorted(unknown)})
    if not can_edit(request, actor):
        raise PermissionDenied("You cannot edit this request in its current state.")
    with transaction.atomic():
        locked = _lock(request, expected_version)
        if not can_edit(locked, actor):
            raise PermissionDenied("You cannot edit this request in its current state.")
        for field, value in changes.items():
            if field == "answers":
                value = _clean_answers_draft(locked.service_version.input_definition or [], value)
            elif field == "tracking_plan":
                value = _clean_tracking(value)
            elif field == "complexity" and value not in Complexity.values:
                raise ValidationError({"complexity": f"'{value}' is not a class."})
            elif field == "assignee" and value is not None:
                value = _check_assignee(value)
            elif field == "template_version":
                value = _check_template(locked.service_version, value)
            elif field in ("title", *BRIEF_FIELDS) and value is None:
                value = ""
            setattr(locked, field, value)
        if "answers" in changes:
            _fill_from_answers(locked)
        if "scoring_inputs" in changes:
            _apply_scoring(locked)
        locked.version += 1
        locked.full_clean()
        if "complexity" in changes:
            _refresh_sla(locked, now=timezone.now())
        set_change_reason(locked, f"edited by {actor.username}: {', '.join(sorted(changes))}")
        locked.save()
        if "assignee" in changes and locked.assignee and locked.assignee != actor:
            notification_create(
                user=locked.assignee,
                text=f"{locked.reference} was assigned to you: {locked.title}",
                url=locked.get_absolute_url(),
            )
    return locked


def _check_assignee(user: Any) -> Any:
    if not has_role(user, {Role.PM, Role.ENGINEER, Role.ADMIN}):
        raise ValidationError({"assignee": f"{user} is not MOPS staff."})
    return user


def _lock(request: Request, expected_version: int | None) -> Request:
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related(
            "service",
            "service_version__sla_policy__calendar",
            "team",
            "requester",
            "priority__model_version",
        )
        .get(pk=request.pk)
    )
    version_check(
        locked.version,
        expected_version,
        "This request was changed by someone else since you loaded it; reload and retry.",
    )
    return locked


# --- transitions --------------------------------------------------------------------------


def request_transition(
    *,
    request: Request,
    name: str,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Request:
    """Move a request along its lifecycle — the single path for every status change a
    person asks for.

    The release steps (schedule, unschedule, go_live) are system transitions and are
    refused here (409, code "system_transition"): a request is scheduled only by boarding
    a departure and goes live only from its departure (`request_release_step`), or by the
    admin override `override_live`, which needs a reason.

    Raises TransitionError (409; 403 with code "forbidden" for role refusals),
    ValidationError (submit/answer with missing fields; a transition that needs a note),
    StaleVersion (412) when `expected_version` is given and outdated. Returns the updated
    request (a fresh instance).
    """
    return _transition(
        request=request,
        name=name,
        actor=actor,
        note=note,
        expected_version=expected_version,
        now=now,
        system=False,
    )


def request_release_step(
    *, request: Request, name: str, actor: User, note: str = "", now: datetime | None = None
) -> Request:
    """Take a release step (schedule, unschedule, go_live) for releases' departure services.

    Refused unless a departure gate registered in `intake.hooks` names the departure record
    behind the step (boarded for schedule, taken off for unschedule, landed for go_live),
    so even a caller that reaches this function cannot skip the train. The event's note
    names that record when the caller gives none."""
    transition = REQUEST_LIFECYCLE.get(name)
    if not transition.driven_by:
        raise TransitionError(
            f"'{transition.title}' is not a release step; use request_transition.",
            code="invalid_transition",
        )
    return _transition(request=request, name=name, actor=actor, note=note, now=now, system=True)


def _transition(
    *,
    request: Request,
    name: str,
    actor: User,
    note: str,
    now: datetime | None,
    system: bool,
    expected_version: int | None = None,
) -> Request:
    now = _now(now)
    note = (note or "").strip()
    staff = is_triager(actor)
    taken: dict[str, Any] = {}  # what the guard works out for the event row

    def guard(locked: Request, transition: Transition, source: str) -> None:
        nonlocal note
        if system:
            backing = hooks.departure_backing(request_id=locked.pk, name=name)
            if backing is None:
                raise TransitionError(
                    f"No departure record backs '{transition.title.lower()}' for "
                    f"{locked.reference}: {transition.driven_by}."
                )
            note = note or backing
        _check_actor(locked, name, actor, staff)
        if transition.needs_note_from(source) and not note:
            raise ValidationError({"note": f"Say why ({transition.title.lower()} needs a note)."})
        if name in ("submit", "answer"):
            problems, cleaned = request_problems(locked, today=timezone.localdate(now))
            if problems:
                raise ValidationError(problems)
            locked.answers = cleaned
            _fill_from_answers(locked)
            _apply_scoring(locked, locked.scoring_model_version)
        _stamp(locked, transition.target, now, actor if staff else None)
        taken.update(_clock_step(locked, transition.target, now))

    def event(locked: Request, transition: Transition, source: str) -> None:
        used_reading = taken["used_reading"]
        row = RequestEvent.objects.create(
            request=locked,
            actor=actor,
            at=now,
            transition=name,
            from_status=source,
            to_status=transition.target,
            note=note,
            business_seconds_paused=taken["paused_seconds"],
            sla_clock=locked.sla_clock,
            sla_state=locked.sla_state,
            triage_due_at=locked.triage_due_at,
            delivery_due_at=locked.delivery_due_at,
            business_seconds_used=int(used_reading.used.total_seconds()) if used_reading else 0,
        )
        _notify_transition(locked, row, actor)

    reason = f"{name} by {actor.username}"
    if name == OVERRIDE_LIVE:
        reason += f" (admin override, no departure): {(note or '')[:150]}"
    return REQUEST_LIFECYCLE.apply(
        request,
        name,
        actor,
        note,
        roles=user_roles(actor),
        system=system,
        guard=guard,
        event=event,
        reason=reason,
        lock=lambda obj: _lock(obj, expected_version),
    )


def _check_actor(locked: Request, name: str, actor: User, staff: bool) -> None:
    """Nobody triages their own request; requester actions belong to the requesting team."""
    if name in TRIAGE_DECISIONS and locked.requester_id == getattr(actor, "pk", None):
        raise TransitionError(
            "You cannot triage a request you made yourself; ask another PM.",
            code="forbidden",
        )
    if (
        name in REQUESTER_ACTIONS
        and not staff
        and getattr(actor, "team_id", None) != locked.team_id
    ):
        raise TransitionError("Only the requesting team can do this.", code="forbidden")


def _stamp(locked: Request, target: str, now: datetime, triager: Any) -> None:
    """The milestone timestamps a step sets; accepting assigns the triager when unassigned."""
    if target == Status.SUBMITTED and locked.submitted_at is None:
        locked.submitted_at = now
    if target == Status.ACCEPTED and locked.accepted_at is None:
        locked.accepted_at = now
    if target == Status.LIVE and locked.live_at is None:
        locked.live_at = now
    if target == Status.CLOSED:
        locked.closed_at = now
    if target == Status.ACCEPTED and locked.assignee is None and triager is not None:
        locked.assignee = triager


def _clock_step(locked: Request, target: str, now: datetime) -> dict[str, Any]:
    """Refresh the SLA fields for the step to `target`; the reading and paused time the
    event row records."""
    paused_before = locked.paused_since
    readings = _refresh_sla(locked, now=now, extra=(target, now))
    current = readings.get(locked.sla_clock) if locked.sla_clock else None
    stopped = next((r for r in readings.values() if r.stopped_at == now and r.started_at), None)
    paused_seconds = 0
    if paused_before is not None and locked.paused_since is None:
        engine = locked.service_version.sla_policy.calendar.engine_for(paused_before, now)
        paused_seconds = int(engine.elapsed(paused_before, now).total_seconds())
    return {"used_reading": stopped or current, "paused_seconds": paused_seconds}


def _timeline(request: Request, extra: tuple[str, datetime] | None = None) -> list:
    rows = list(request.events.order_by("at", "id").values_list("to_status", "at"))
    if extra is not None:
        rows.append(extra)
    return rows


def request_clocks(
    request: Request, *, now: datetime | None = None, timeline: list | None = None
) -> dict[str, slaclock.ClockReading]:
    """Both clocks of `request` read at `now` (for the detail page and API)."""
    now = _now(now)
    policy = request.service_version.sla_policy
    timeline = _timeline(request) if timeline is None else timeline
    start = min((at for _, at in timeline), default=now)
    engine = policy.calendar.engine_for(start, now)
    return {
        clock: slaclock.read_clock(
            calendar=engine,
            timeline=timeline,
            clock=clock,
            target=policy.target(clock, request.complexity),
            at_risk_ratio=policy.at_risk_ratio,
            now=now,
        )
        for clock in (slaclock.TRIAGE, slaclock.DELIVERY)
    }


def _refresh_sla(
    request: Request,
    *,
    now: datetime,
    extra: tuple[str, datetime] | None = None,
    timeline: list | None = None,
) -> dict[str, slaclock.ClockReading]:
    """Recompute the denormalised SLA fields from the event timeline (+ the event about to
    be written), or from `timeline` ((status, at) pairs) for events not stored yet (the
    import computes them before its bulk insert). The running clock is delivery once
    accepted, else triage."""
    if timeline is None:
        timeline = _timeline(request, extra)
    readings = request_clocks(request, now=now, timeline=timeline)
    triage, delivery = readings[slaclock.TRIAGE], readings[slaclock.DELIVERY]
    request.triage_due_at = triage.due_at
    request.delivery_due_at = delivery.due_at
    current = delivery if delivery.started_at else triage
    if current.started_at is None:
        request.sla_clock, request.sla_state = SlaClock.NONE, SlaState.NONE
        request.sla_due_at = request.sla_at_risk_at = request.paused_since = None
        return readings
    request.sla_clock = current.clock if current.running else SlaClock.NONE
    request.sla_state = current.state
    request.sla_due_at = current.due_at
    request.sla_at_risk_at = current.at_risk_at if current.running else None
    request.paused_since = current.paused_since
    return readings


def _recipients(request: Request, actor: User, *extra: Any) -> list[Any]:
    users: dict[int, User] = {request.requester_id: request.requester}
    if request.assignee is not None:  # no query without one
        users[request.assignee.pk] = request.assignee
    for watcher in request.watchers.select_related("user"):
        users[watcher.user_id] = watcher.user
    for user in extra:
        if user is not None:
            users[user.pk] = user
    if actor is not None:  # the system acts for no one
        users.pop(actor.pk, None)
    return [u for u in users.values() if u.is_active]


def _notify_transition(request: Request, event: RequestEvent, actor: User) -> None:
    verb = {
        "submit": "was submitted",
        "accept": "was accepted",
        "reject": "was rejected",
        "needs_info": "needs information from you",
        "answer": "was answered and resubmitted",
        "go_live": "is live",
        OVERRIDE_LIVE: "was marked live without a train (admin override)",
        "roll_back": "was rolled back",
        "cancel": "was cancelled",
    }.get(event.transition, f"is now {event.get_to_status_display()}")
    text = f"{request.reference} {verb} ({actor.username})"
    if event.note:
        text += f": {event.note[:150]}"
    for user in _recipients(request, actor):
        notification_create(
            user=user,
            text=text,
            url=request.get_absolute_url(),
            key=f"intake:event:{event.pk}:user:{user.pk}",
        )


# --- bulk ---------------------------------------------------------------------------------

BULK_ACTIONS = ("accept", "reject", "needs_info", "assign", "set_class")


def requests_bulk(
    *,
    requests: Iterable[Request],
    action: str,
    actor: User,
    note: str = "",
    assignee: Any = None,
    complexity: str = "",
) -> tuple[list[Request], dict[str, str]]:
    """Apply one action to several requests, each through its own service call (each in
    its own transaction: one refusal does not undo the others). Returns (done, errors by
    reference)."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": f"Unknown bulk action; use {', '.join(BULK_ACTIONS)}."})
    if not is_triager(actor):
        raise PermissionDenied("Only MOPS PMs and admins run bulk actions.")
    if action == "assign" and assignee is None:
        raise ValidationError({"assignee": "Pick someone to assign."})
    if action == "set_class" and complexity not in Complexity.values:
        raise ValidationError({"complexity": "Pick a class."})
    done: list[Request] = []
    errors: dict[str, str] = {}
    for request in requests:
        try:
            if action == "assign":
                done.append(request_update(request=request, actor=actor, assignee=assignee))
            elif action == "set_class":
                done.append(request_update(request=request, actor=actor, complexity=complexity))
            else:
                done.append(
                    request_transition(request=request, name=action, actor=actor, note=note)
                )
        except TransitionError as exc:
            errors[request.reference] = exc.message
        except ValidationError as exc:
            errors[request.reference] = "; ".join(exc.messages)
        except PermissionDenied as exc:
            errors[request.reference] = str(exc)
    return done, errors


# --- comments and watchers ----------------------------------------------------------------


def comment_create(*, request: Request, actor: User, body: str) -> Comment:
    """A comment; @username mentions notify those users (if they may see the request),
    watchers hear about it too, and the author starts watching."""
    from .selectors import request_visible_to

    if not has_role(actor, COMMENTERS):
        raise PermissionDenied("Leadership reads requests; comments and mentions are for the team.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > 10000:
        raise ValidationError({"body": "At most 10,000 characters."})
    User = get_user_model()
    names = {m.lower() for m in MENTION_RE.findall(body)}
    mentioned = (
        [
            u
            for u in User.objects.filter(username__in=[n for n in names], is_active=True)
            if request_visible_to(u).filter(pk=request.pk).exists()
        ]
        if names
        else []
    )
    with transaction.atomic():
        comment = Comment(request=request, author=actor, body=body)
        comment.full_clean()
        set_change_reason(comment, f"comment by {actor.username}")
        comment.save()
        comment.mentions.set(mentioned)
        Watcher.objects.get_or_create(request=request, user=actor)
        mentioned_ids = {u.pk for u in mentioned}
        for user in _recipients(request, actor, *mentioned):
            how = "mentioned you on" if user.pk in mentioned_ids else "commented on"
            notification_create(
                user=user,
                text=f"{actor.username} {how} {request.reference}: {body[:120]}",
                url=request.get_absolute_url() + f"#comment-{comment.pk}",
                key=f"intake:comment:{comment.pk}:user:{user.pk}",
            )
    return comment


def watcher_set(*, request: Request, actor: User, watching: bool) -> bool:
    """Start or stop watching a request; returns the new state."""
    if watching:
        Watcher.objects.get_or_create(request=request, user=actor)
    else:
        Watcher.objects.filter(request=request, user=actor).delete()
    return watching


def saved_view_save(*, actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Save the backlog's filter state under `name` (the same name again replaces it).
    Blank parameters ("Any") and the page number are dropped, so the view reloads cleanly."""
    name = (name or "").strip()[:80]
    if not name:
        raise ValidationError({"name": "Name the view."})
    query = query_without_empty(query)[:1000]
    view, _ = SavedView.objects.update_or_create(
        user=actor, name=name, defaults={"query": query, "shared": bool(shared)}
    )
    return view


def _own_view(actor: User, view_id: int) -> SavedView:
    view = SavedView.objects.filter(user=actor, pk=view_id).first()
    if view is None:
        raise PermissionDenied("Only the person who saved a view can change it.")
    return view


def saved_view_update(
    *, actor: User, view_id: int, name: str | None = None, shared: bool | None = None
) -> SavedView:
    """Rename a saved view, or share it with (or withdraw it from) the owner's team."""
    with transaction.atomic():
        view = _own_view(actor, view_id)
        if name is not None:
            name = name.strip()[:80]
            if not name:
                raise ValidationError({"name": "Name the view."})
            if SavedView.objects.filter(user=actor, name=name).exclude(pk=view.pk).exists():
                raise ValidationError({"name": f"You already have a view named “{name}”."})
            view.name = name
        if shared is not None:
            if shared and getattr(actor, "team_id", None) is None:
                raise ValidationError({"shared": "You belong to no team to share it with."})
            view.shared = shared
        view.save()
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    """Delete one of the actor's saved views (a teammate's shared view cannot be deleted)."""
    _own_view(actor, view_id).delete()


# --- attachments --------------------------------------------------------------------------


def can_attach(request: Request, user: Any) -> bool:
    """Who may add files, until the request ends (rejected, closed, cancelled, rolled
    back): MOPS staff, and the requesting team."""
    if request.status in TERMINAL_STATUSES:
        return False
    if has_role(user, {Role.PM, Role.ENGINEER, Role.ADMIN}):
        return True
    return has_role(user, {Role.REQUESTER}) and getattr(user, "team_id", None) == (request.team_id)


def attachment_max_bytes() -> int:
    """Largest file a request takes: the project's upload limit (`UPLOAD_MAX_BYTES`)."""
    return upload_max_bytes()


def attachment_add(*, request: Request, file: Any, actor: User) -> RequestAttachment:
    """Attach an uploaded file to `request`. The type is checked on the bytes and the size
    against `INTAKE_ATTACHMENT_MAX_BYTES` (`mops.core.uploads`); the file is stored under a
    random name and kept with the name it was uploaded under for display."""
    if not can_attach(request, actor):
        raise PermissionDenied("You cannot add files to this request in its current state.")
    count = RequestAttachment.objects.filter(request=request).count()
    if count >= ATTACHMENTS_MAX:
        raise ValidationError({"attachments": f"At most {ATTACHMENTS_MAX} files per request."})
    accepted = validate_upload(file, field="attachments", max_bytes=attachment_max_bytes())
    attachment = RequestAttachment(
        request=request,
        file=file,
        filename=accepted.filename,
        content_type=accepted.kind.content_type,
        size=file.size,
        uploaded_by=actor,
    )
    attachment.save()  # the row itself records who added it and when
    return attachment


def attachments_add(
    *, request: Request, files: Iterable[Any], actor: User
) -> list[RequestAttachment]:
    """Attach several files at once: all or none (the first refused file names the error)."""
    files = [f for f in files if f]
    if len(files) + request.attachments.count() > ATTACHMENTS_MAX:
        raise ValidationError({"attachments": f"At most {ATTACHMENTS_MAX} files per request."})
    stored: list[RequestAttachment] = []
    try:
        with transaction.atomic():
            for file in files:
                stored.append(attachment_add(request=request, file=file, actor=actor))
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


# --- idempotent create (API) --------------------------------------------------------------


def body_hash(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    ).hexdigest()


def request_create_idempotent(
    *, actor: User, key: str, data: Mapping[str, Any], create: Any
) -> tuple[Request, bool]:
    """Run `create()` once per (actor, key). The same key with the same body returns the
    request made the first time (created=False); with a different body → 422."""
    digest = body_hash(dict(data))
    key = key.strip()[:200]
    existing = IdempotencyKey.objects.select_related("request").filter(user=actor, key=key).first()
    if existing is not None:
        return _replay(existing, digest), False
    try:
        with transaction.atomic():
            request = create()
            IdempotencyKey.objects.create(user=actor, key=key, body_hash=digest, request=request)
    except IntegrityError:
        # a concurrent twin with the same key won the race: answer with its request
        existing = IdempotencyKey.objects.select_related("request").get(user=actor, key=key)
        return _replay(existing, digest), False
    return request, True


class IdempotencyMismatch(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different body."


def _replay(existing: IdempotencyKey, digest: str) -> Request:
    if existing.body_hash != digest:
        raise IdempotencyMismatch()
    return existing.request


# --- scoring models -----------------------------------------------------------------------


def scoring_model_update(
    *,
    scoring_model: ScoringModel,
    factors: Any,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
) -> ScoringModelVersion:
    """A new version of the scoring model, then the whole open backlog rescored with it
    (one UPDATE) when it is the default model."""
    if not has_role(actor, ADMINS):
        raise PermissionDenied("Only admins edit scoring models.")
    try:
        parsed = scoring.parse_factors(factors)
    except scoring.ScoringError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    with transaction.atomic():
        locked = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
        version_check(
            locked.version,
            expected_version,
            "The scoring model changed since you loaded it; reload and retry.",
        )
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ScoringModelVersion.objects.create(
            scoring_model=locked,
            number=number,
            factors=[f.as_dict() for f in parsed],
            note=(note or "").strip()[:300],
            created_by=actor,
        )
        locked.current_version = version
        locked.version += 1
        set_change_reason(locked, f"v{number} by {actor.username}")
        locked.save()
        if locked.is_default:
            requests_rescore(version=version)
    return version


def scoring_model_create(
    *, name: str, factors: Any, actor: User, is_default: bool = False
) -> ScoringModel:
    if not has_role(actor, ADMINS):
        raise PermissionDenied("Only admins edit scoring models.")
    try:
        parsed = scoring.parse_factors(factors)
    except scoring.ScoringError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the model."})
    with transaction.atomic():
        if is_default:  # one default: the old one is saved (a history row), not bulk-updated
            for previous in ScoringModel.objects.select_for_update().filter(is_default=True):
                previous.is_default = False
                set_change_reason(previous, f"default replaced by {name} ({actor.username})")
                previous.save(update_fields=["is_default"])
        model = ScoringModel(name=name, slug=slugify(name)[:100], is_default=is_default)
        model.full_clean()
        model.save()
        version = ScoringModelVersion.objects.create(
            scoring_model=model, number=1, factors=[f.as_dict() for f in parsed], created_by=actor
        )
        model.current_version = version
        model.save(update_fields=["current_version"])
        if is_default:
            requests_rescore(version=version)
    return model


def requests_rescore(*, version: ScoringModelVersion) -> int:
    """Rescore every request not yet finished with `version`: one set-based UPDATE of the
    narrow priority table, joined to the ORM-built SELECT of the new scores (the scoring
    formula compiled to SQL by `scoring.score_expression`).

    A set-based update writes no history rows; the version row records the count and time.
    """
    started = pytime.perf_counter()
    scores = (
        Request.objects.exclude(status__in=FINISHED_STATUSES)
        .annotate(new_score=scoring.score_expression(version.parsed()))
        .order_by()
        .values_list("pk", "new_score")
    )
    select_sql, params = scores.query.sql_with_params()
    table = connection.ops.quote_name(Priority._meta.db_table)
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(
            f"UPDATE {table} AS p SET score = s.new_score, model_version_id = %s "
            f"FROM ({select_sql}) AS s (request_id, new_score) WHERE p.request_id = s.request_id",
            [version.pk, *params],
        )
        count = cursor.rowcount
    elapsed_ms = int((pytime.perf_counter() - started) * 1000)
    ScoringModelVersion.objects.filter(pk=version.pk).update(
        rescored_count=count, rescore_ms=elapsed_ms
    )
    return count


# --- SLA sweep ----------------------------------------------------------------------------

_SWEEP_SQL = """
UPDATE {table} SET sla_state = %(new)s
WHERE sla_clock IN ('triage', 'delivery') AND paused_since IS NULL
  AND {condition}
RETURNING id
"""


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Advance running clocks whose state changed (on_track → at_risk → breached) with a
    conditional UPDATE … RETURNING, and notify the assignee and the PMs once per change:
    a row whose state already says so is not matched again, so reruns send nothing."""
    now = _now(now)
    table = connection.ops.quote_name(Request._meta.db_table)
    changed: dict[str, list[int]] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _SWEEP_SQL.format(
                    table=table, condition="sla_due_at <= %(now)s AND sla_state <> 'breached'"
                ),
                {"new": SlaState.BREACHED, "now": now},
            )
            changed[SlaState.BREACHED] = [r[0] for r in cursor.fetchall()]
            cursor.execute(
                _SWEEP_SQL.format(
                    table=table,
                    condition=(
                        "sla_at_risk_at <= %(now)s AND sla_due_at > %(now)s "
                        "AND sla_state = 'on_track'"
                    ),
                ),
                {"new": SlaState.AT_RISK, "now": now},
            )
            changed[SlaState.AT_RISK] = [r[0] for r in cursor.fetchall()]
        ids = changed[SlaState.BREACHED] + changed[SlaState.AT_RISK]
        if ids:
            _notify_sla(ids, now)
    return {state: len(ids) for state, ids in changed.items()}


def _pms() -> list[Any]:
    from mops.accounts.roles import GROUP_NAMES

    User = get_user_model()
    return list(User.objects.filter(groups__name=GROUP_NAMES[Role.PM], is_active=True).distinct())


def _notify_sla(ids: list[int], now: datetime) -> None:
    pms = _pms()
    requests = Request.objects.filter(pk__in=ids).select_related("assignee")
    for request in requests:
        SlaNotice.objects.create(
            request=request,
            clock=request.sla_clock,
            state=request.sla_state,
            due_at=request.sla_due_at,
            at=now,
        )
        label = "breached" if request.sla_state == SlaState.BREACHED else "at risk"
        local_due = timezone.localtime(request.sla_due_at).strftime("%a %d %b %H:%M")
        text = f"{request.reference} {request.sla_clock} SLA {label} (due {local_due}): {request.title}"
        users = {u.pk: u for u in pms}
        if request.assignee_id and request.assignee.is_active:
            users[request.assignee_id] = request.assignee
        for user in users.values():
            notification_create(
                user=user,
                text=text,
                url=request.get_absolute_url(),
                key=(
                    f"intake:sla:{request.pk}:{request.sla_clock}:{request.sla_state}:"
                    f"{request.sla_due_at.isoformat()}:{user.pk}"
                ),
            )


# --- weekly backlog review ----------------------------------------------------------------


def weekly_review_send(*, now: datetime | None = None) -> int:
    """E-mail the weekly backlog review to leadership (and PMs) through the outbox, once per
    ISO week (the idempotency key carries the week). Returns the number of messages."""
    from django.template.loader import render_to_string

    from mops.accounts.roles import GROUP_NAMES

    from .selectors import weekly_review

    now = _now(now)
    review = weekly_review(now=now)
    year, week, _ = timezone.localtime(now).isocalendar()
    User = get_user_model()
    readers = (
        User.objects.filter(
            groups__name__in=[GROUP_NAMES[Role.LEADERSHIP], GROUP_NAMES[Role.PM]], is_active=True
        )
        .exclude(email="")
        .distinct()
    )
    body = render_to_string(
        "intake/review_email.txt",
        {"review": review, "url": settings.SITE_URL + reverse("intake:review")},
    )
    sent = 0
    with transaction.atomic():
        for user in readers:
            outbox_enqueue(
                kind=Kind.EMAIL,
                target=user.email,
                subject=f"[mops] Weekly backlog review, week {week} of {year}",
                body=body,
                idempotency_key=f"intake:weekly-review:{year}-W{week:02d}:{user.pk}",
                source="intake.review",
            )
            sent += 1
    return sent
