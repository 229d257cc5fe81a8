"""Creating and editing requests (with Idempotency-Key replay) and the backlog's bulk actions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException

from catalog.models import Complexity, Service, ServiceStatus, TemplateVersion
from mops.accounts.models import User
from mops.accounts.roles import Role, has_role
from mops.core.audit import set_change_reason
from mops.core.lifecycle import TransitionError
from mops.core.services import model_save
from mops.notify.services import notification_create

from ..models import (
    TRIAGERS,
    IdempotencyKey,
    Request,
    RequestAttachment,
    RequestEvent,
    Status,
    Watcher,
)
from .access import _now, can_edit, is_triager
from .activity import attachments_add
from .lifecycle import _lock, _refresh_sla, request_transition
from .priority import _apply_scoring
from .tracking import _clean_tracking
from .validation import (
    BRIEF_FIELDS,
    REQUESTER_FIELDS,
    STAFF_FIELDS,
    _clean_answers_draft,
    _fill_from_answers,
)

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
            model_save(request, reason=f"created by {actor.username}")
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
