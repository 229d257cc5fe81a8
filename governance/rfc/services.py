"""RFC writes: edit, transitions, approvals, scheduling, approval policies.
`<entity>_<verb>(*, ..., actor)`.

Rules a reader could not guess:
- An approval covers one exact content: the SHA-256 of the canonical JSON of the governed
  fields (`models.GOVERNED_FIELDS`). Any edit that changes that content voids the live
  approvals (kept, with the reason), sends an approved RFC back to review and notifies
  the voided approvers again.
- No self-approval: the author can never review their own RFC, whatever their role.
- The risk level's `ApprovalPolicy` decides the quorum; `in_review → approved` happens
  when the quorum is met, inside `rfc_approve`.
- Scheduling is asked by releases (a departure) or the RFC page (a window): a policy that
  requires a change window refuses no window, and refuses a freeze unless the RFC is an
  emergency RFC.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance import hooks
from mops.accounts.models import User
from mops.accounts.roles import ADMINS, GROUP_NAMES, Role, has_role, user_roles
from mops.core.audit import set_change_reason
from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import Transition, TransitionError
from mops.core.services import model_save, require_role
from mops.notify.services import notification_create

from .models import (
    GOVERNED_FIELDS,
    REVIEWERS,
    RFC_AUTHORS,
    Approval,
    ApprovalPolicy,
    Decision,
    Rfc,
    RfcEvent,
    RfcRevision,
    RfcStatus,
)
from .risk import risk_answers_clean
from .selectors import (
    STEP_TRANSITIONS,
    approval_policy_for,
    policy_admits,
    reviewer_groups,
    rfc_approved_by,
    rfc_is_editable,
    rfc_may_edit,
    rfc_may_review,
)

RFC_EDITABLE_FIELDS = frozenset(
    name for name, _ in GOVERNED_FIELDS if name not in ("services", "templates")
)


def who(actor: User) -> str:
    """The actor's name for change reasons ("system" for a worker)."""
    return getattr(actor, "username", None) or "system"


# --- RFC content and hash ----------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def rfc_content(rfc: Rfc) -> dict[str, Any]:
    """The governed content of an RFC as plain JSON (linked objects with their names)."""
    content: dict[str, Any] = {}
    for name, _ in GOVERNED_FIELDS:
        if name in ("services", "templates"):
            related = getattr(rfc, name).all() if rfc.pk else []
            content[name] = sorted(
                ({"id": obj.pk, "name": str(obj)} for obj in related), key=lambda d: d["id"]
            )
        elif name in ("desired_window_start", "desired_window_end"):
            content[name] = _iso(getattr(rfc, name))
        elif name == "channels":
            content[name] = sorted(rfc.channels or [])
        elif name == "risk_answers":
            content[name] = dict(sorted((rfc.risk_answers or {}).items()))
        else:
            content[name] = getattr(rfc, name)
    return content


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON; linked objects count by id, so renaming a service
    does not void an approval."""
    hashed = {
        key: [item["id"] for item in value] if key in ("services", "templates") else value
        for key, value in content.items()
    }
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _event(rfc: Rfc, actor: User, name: str, note: str = "", **kw: Any) -> RfcEvent:
    return RfcEvent.objects.create(
        rfc=rfc,
        actor=actor if getattr(actor, "pk", None) else None,
        name=name,
        note=note,
        revision_number=rfc.version,
        **kw,
    )


def _notify(user: User, rfc: Rfc, text: str, *, email: bool = True) -> None:
    """Tell someone about the RFC, with a link to its page."""
    notification_create(user=user, text=text, url=rfc.get_absolute_url(), email=email)


def _snapshot(rfc: Rfc, actor: User) -> RfcRevision:
    content = rfc_content(rfc)
    digest = content_hash(content)
    rfc.content_hash = digest
    Rfc.objects.filter(pk=rfc.pk).update(content_hash=digest)
    return RfcRevision.objects.create(
        rfc=rfc, number=rfc.version, content=content, content_hash=digest, author=actor
    )


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - RFC_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({f: "Not an editable RFC field." for f in sorted(unknown)})
    cleaned = dict(fields)
    if "risk_answers" in cleaned:
        try:
            cleaned["risk_answers"] = risk_answers_clean(cleaned["risk_answers"])
        except ValueError as exc:
            raise ValidationError({"risk_answers": str(exc)}) from None
    for key in ("channels",):
        if key in cleaned and cleaned[key] is None:
            cleaned[key] = []
    return cleaned


def _set_links(rfc: Rfc, services: Iterable[Any] | None, templates: Iterable[Any] | None) -> None:
    if services is not None:
        rfc.services.set(list(services))
    if templates is not None:
        rfc.templates.set(list(templates))


def can_write_rfcs(user: Any) -> bool:
    return has_role(user, RFC_AUTHORS)


def rfc_create(
    *,
    actor: User,
    services: Iterable[Any] = (),
    templates: Iterable[Any] = (),
    submit: bool = False,
    **fields: Any,
) -> Rfc:
    """A new RFC in draft (or straight into review with `submit=True`)."""
    require_role(actor, RFC_AUTHORS, "write RFCs")
    rfc = Rfc(author=actor, **_clean_fields(fields))
    with transaction.atomic():
        rfc_insert(rfc=rfc, actor=actor, services=services, templates=templates)
        if submit:
            rfc = rfc_transition(rfc=rfc, name="submit", actor=actor)
    return rfc


def rfc_insert(
    *,
    rfc: Rfc,
    actor: User,
    services: Iterable[Any] = (),
    templates: Iterable[Any] = (),
    reason: str = "",
) -> Rfc:
    """Validate and store a new RFC with its first revision and 'created' event (the
    caller decided who may write it: `rfc_create` for staff, self-serve drafts)."""
    with transaction.atomic():
        model_save(rfc, reason=reason or f"created by {who(actor)}")
        _set_links(rfc, services, templates)
        _snapshot(rfc, actor)
        _event(rfc, actor, "created", to_status=rfc.status)
    return rfc


def rfc_update(
    *,
    rfc: Rfc,
    actor: User,
    expected_version: int | None = None,
    services: Iterable[Any] | None = None,
    templates: Iterable[Any] | None = None,
    **changes: Any,
) -> Rfc:
    """Edit the content. A content change bumps the version, snapshots a revision, voids
    live approvals of the older content and sends an approved RFC back to review."""
    require_role(actor, RFC_AUTHORS, "edit RFCs")
    changes = _clean_fields(changes)
    with transaction.atomic():
        rfc = Rfc.objects.select_for_update().get(pk=rfc.pk)
        if expected_version is not None and expected_version != rfc.version:
            raise StaleVersion()
        if not rfc_may_edit(rfc, actor):
            raise PermissionDenied("Only the author or MOPS staff can edit this RFC.")
        if not rfc_is_editable(rfc):
            raise TransitionError(
                f"An RFC that is {rfc.get_status_display().lower()} can no longer be edited."
            )
        before = content_hash(rfc_content(rfc))
        for field, value in changes.items():
            setattr(rfc, field, value)
        rfc.full_clean()
        _set_links(rfc, services, templates)
        after = content_hash(rfc_content(rfc))
        if after == before:
            return rfc
        rfc.version += 1
        set_change_reason(rfc, f"edited by {who(actor)} (v{rfc.version})")
        rfc.save()
        _snapshot(rfc, actor)
        _event(rfc, actor, "edited", note=f"v{rfc.version}")
        voided = _void_stale_approvals(rfc, actor)
        if rfc.status == RfcStatus.APPROVED and voided:
            _apply_transition(
                rfc,
                "reopen_review",
                actor,
                note="Edited after approval: approvals voided, review again.",
                check_roles=False,
            )
    return rfc


def _void_stale_approvals(rfc: Rfc, actor: User) -> list[Approval]:
    stale = list(
        rfc.approvals.select_related("reviewer")
        .filter(voided_at__isnull=True, decision=Decision.APPROVED)
        .exclude(content_hash=rfc.content_hash)
    )
    now = timezone.now()
    for approval in stale:
        approval.voided_at = now
        approval.void_reason = f"RFC changed to v{rfc.version} after this approval"
        set_change_reason(approval, "voided by an edit")
        approval.save(update_fields=["voided_at", "void_reason"])
        _event(
            rfc,
            actor,
            "approval_voided",
            note=f"{approval.reviewer.username}'s approval of v{approval.revision_number} voided",
        )
        _notify(
            approval.reviewer,
            rfc,
            f"{rfc.reference} changed after your approval; please review it again",
        )
    return stale


# --- transitions ---------------------------------------------------------------------------


def _apply_transition(
    rfc: Rfc, name: str, actor: User, note: str = "", *, check_roles: bool = True
) -> Rfc:
    """`Lifecycle.apply` on an RFC its caller has locked (and may have edited in memory);
    the RFC's `version` counts content revisions, not steps, so none is bumped."""
    roles = user_roles(actor) if check_roles else RFC_AUTHORS | REVIEWERS | ADMINS

    def guard(locked: Rfc, transition: Transition, source: str) -> None:
        if transition.needs_note and not note.strip():
            raise ValidationError({"note": f"Say why ({transition.title.lower()} needs a note)."})

    def event(locked: Rfc, transition: Transition, source: str) -> None:
        _event(locked, actor, name, note=note, from_status=source, to_status=locked.status)

    return Rfc.lifecycle.apply(
        rfc,
        name,
        actor,
        note,
        roles=roles,
        version_field="",
        guard=guard,
        event=event,
        reason=f"{name} by {who(actor)}",
        lock=lambda held: held,
    )


def rfc_transition(*, rfc: Rfc, name: str, actor: User, note: str = "") -> Rfc:
    """Take a lifecycle step a person asks for (submit, implement, verify, roll back...).

    Approvals and scheduling have their own services (`rfc_approve`, `rfc_schedule`).
    """
    if name not in STEP_TRANSITIONS:
        Rfc.lifecycle.get(name)
        raise TransitionError(
            f"'{name}' is not taken directly; use the approval or schedule actions.",
            code="invalid_transition",
        )
    with transaction.atomic():
        rfc = Rfc.objects.select_for_update().get(pk=rfc.pk)
        _apply_transition(rfc, name, actor, note)
        if name == "unschedule":
            rfc.scheduled_start = rfc.scheduled_end = None
            rfc.scheduled_ref = ""
            rfc.save(update_fields=["scheduled_start", "scheduled_end", "scheduled_ref"])
        if name in ("submit", "resubmit"):
            _notify_reviewers(rfc, actor)
        elif rfc.author_id != getattr(actor, "pk", None):
            _notify(
                rfc.author,
                rfc,
                f"{rfc.reference} is now {rfc.get_status_display().lower()}",
                email=False,
            )
    return rfc


def rfc_reviewers(rfc: Rfc) -> list[Any]:
    """Who may review this RFC under its policy (approvers, in the eligible group)."""
    policy = approval_policy_for(rfc.risk)
    users = get_user_model().objects.filter(groups__name=GROUP_NAMES[Role.APPROVER], is_active=True)
    if policy.eligible_group:
        users = users.filter(
            Q(groups__name=policy.eligible_group) | Q(team__name=policy.eligible_group)
        )
    return list(users.exclude(pk=rfc.author_id).distinct().order_by("username"))


def _notify_reviewers(rfc: Rfc, actor: User) -> None:
    for user in rfc_reviewers(rfc):
        _notify(
            user,
            rfc,
            f"{rfc.reference} ({rfc.get_risk_display().lower()} risk) awaits your review: {rfc.title}",
        )


# --- approvals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    met: bool
    counted: tuple[str, ...]
    needed: int
    missing: str


def quorum_evaluate(policy: ApprovalPolicy, approvals: Iterable[Approval]) -> Quorum:
    """Is the policy met by these live approvals (of the current content)?"""
    counted: dict[str, Approval] = {}
    for approval in approvals:
        if approval.decision != Decision.APPROVED or approval.voided_at is not None:
            continue
        if policy.eligible_group and policy.eligible_group not in approval.groups:
            continue
        counted.setdefault(approval.reviewer.username, approval)
    missing = []
    if len(counted) < policy.required_approvals:
        missing.append(f"{policy.required_approvals - len(counted)} more approval(s)")
    if policy.must_include_group and not any(
        policy.must_include_group in a.groups for a in counted.values()
    ):
        missing.append(f"one from {policy.must_include_group}")
    return Quorum(
        met=not missing,
        counted=tuple(sorted(counted)),
        needed=policy.required_approvals,
        missing=" and ".join(missing),
    )


def rfc_quorum(rfc: Rfc) -> Quorum:
    live = rfc.approvals.select_related("reviewer").filter(
        voided_at__isnull=True, content_hash=rfc.content_hash
    )
    return quorum_evaluate(approval_policy_for(rfc.risk), live)


def _check_reviewer(rfc: Rfc, actor: User, expected_hash: str | None) -> list[str]:
    require_role(actor, REVIEWERS, "review RFCs")
    if not rfc_may_review(rfc, actor):
        raise PermissionDenied("You cannot review your own RFC (no self-approval).")
    if expected_hash is not None and expected_hash != rfc.content_hash:
        raise StaleVersion(
            "The RFC changed since you loaded it; read the new version before deciding."
        )
    return reviewer_groups(actor)


def _review_save(
    rfc: Rfc, actor: User, groups: list[str], decision: str, comment: str, *, reason: str
) -> Approval:
    """Store a reviewer's decision on the RFC's current content (its hash and revision)."""
    review = Approval(
        rfc=rfc,
        reviewer=actor,
        decision=decision,
        content_hash=rfc.content_hash,
        revision_number=rfc.version,
        groups=groups,
        comment=comment.strip(),
    )
    model_save(review, reason=reason)
    return review


def rfc_approve(
    *, rfc: Rfc, actor: User, comment: str = "", expected_hash: str | None = None
) -> Approval:
    """Approve the RFC's current content; approved when the policy's quorum is met.

    `expected_hash` is the content hash the reviewer read (the page and API send it):
    a different current hash means they approved something else, refused with 412.
    """
    with transaction.atomic():
        rfc = Rfc.objects.select_for_update().select_related("author").get(pk=rfc.pk)
        groups = _check_reviewer(rfc, actor, expected_hash)
        if rfc.status != RfcStatus.IN_REVIEW:
            raise TransitionError(
                f"Only an RFC in review can be approved (this one is {rfc.get_status_display().lower()})."
            )
        policy = approval_policy_for(rfc.risk)
        if not policy_admits(policy, groups):
            raise PermissionDenied(
                f"{rfc.get_risk_display()}-risk RFCs are approved by members of "
                f"{policy.eligible_group}."
            )
        if rfc_approved_by(rfc, actor):
            raise TransitionError("You already approved this version.", code="duplicate")
        approval = _review_save(
            rfc, actor, groups, Decision.APPROVED, comment, reason=f"approved by {who(actor)}"
        )
        quorum = rfc_quorum(rfc)
        note = f"v{rfc.version} sha256:{rfc.content_hash[:12]}" + (
            f" — {comment.strip()}" if comment.strip() else ""
        )
        _event(rfc, actor, "approval", note=note)
        if quorum.met:
            _apply_transition(
                rfc, "approve", actor, note="Quorum met: " + ", ".join(quorum.counted)
            )
            _notify(rfc.author, rfc, f"{rfc.reference} is approved ({', '.join(quorum.counted)})")
    return approval


def _review_decision(
    rfc: Rfc, actor: User, comment: str, expected_hash: str | None, decision: str, name: str
) -> Approval:
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs to change, or why."})
    with transaction.atomic():
        rfc = Rfc.objects.select_for_update().select_related("author").get(pk=rfc.pk)
        groups = _check_reviewer(rfc, actor, expected_hash)
        _apply_transition(rfc, name, actor, note=comment.strip())
        review = _review_save(
            rfc, actor, groups, decision, comment, reason=f"{name} by {who(actor)}"
        )
        _notify(
            rfc.author,
            rfc,
            f"{rfc.reference}: {decision.replace('_', ' ')} by {who(actor)} — {comment.strip()[:120]}",
        )
    return review


def rfc_request_changes(
    *, rfc: Rfc, actor: User, comment: str, expected_hash: str | None = None
) -> Approval:
    """A reviewer asks the author for changes (from review, or even after approval)."""
    return _review_decision(
        rfc, actor, comment, expected_hash, Decision.CHANGES_REQUESTED, "request_changes"
    )


def rfc_reject(
    *, rfc: Rfc, actor: User, comment: str, expected_hash: str | None = None
) -> Approval:
    return _review_decision(rfc, actor, comment, expected_hash, Decision.REJECTED, "reject")


# --- scheduling (called by releases with a departure's window) --------------------------------


def rfc_schedule(
    *,
    rfc: Rfc,
    actor: User,
    window_start: datetime | None,
    window_end: datetime | None,
    window_ref: str = "",
    note: str = "",
) -> Rfc:
    """approved → scheduled into a window (a release-train departure, `window_ref` names it).

    Whether the window is inside a freeze is decided here, by the freeze checks releases
    registers (`hooks.window_in_freeze`, for the RFC's channels), never by the caller.
    Refused: an RFC whose quorum no longer holds; a policy requiring a change window with
    no window; such an RFC inside a freeze unless it is an emergency RFC.
    """
    if (window_start is None) != (window_end is None):
        raise ValidationError({"window_end": "Give both the start and the end of the window."})
    if window_start and window_end and window_end <= window_start:
        raise ValidationError({"window_end": "The window must end after it starts."})
    for name, value in (("window_start", window_start), ("window_end", window_end)):
        if value is not None and timezone.is_naive(value):
            raise ValidationError({name: "Give a date-time with a time zone."})
    with transaction.atomic():
        rfc = Rfc.objects.select_for_update().get(pk=rfc.pk)
        Rfc.lifecycle.check(state=rfc.status, name="schedule", roles=user_roles(actor))
        quorum = rfc_quorum(rfc)
        if not quorum.met:
            raise TransitionError(f"The approvals no longer hold: needs {quorum.missing}.")
        in_freeze = hooks.window_in_freeze(window_start, window_end, rfc.channels or ())
        policy = approval_policy_for(rfc.risk)
        if policy.requires_change_window:
            if window_start is None:
                raise ValidationError(
                    {
                        "window_start": f"A {rfc.get_risk_display().lower()}-risk RFC is implemented "
                        "only inside a change window (a release-train departure)."
                    }
                )
            if in_freeze and not rfc.emergency:
                raise TransitionError(
                    f"The window is inside a freeze: a {rfc.get_risk_display().lower()}-risk RFC "
                    "can be scheduled there only as an approved emergency RFC.",
                    code="freeze",
                )
        rfc.scheduled_start, rfc.scheduled_end = window_start, window_end
        rfc.scheduled_ref = window_ref[:200]
        where = window_ref or (
            f"{window_start:%Y-%m-%d %H:%M}–{window_end:%H:%M %Z}" if window_start else "no window"
        )
        extra = " (inside a freeze, emergency RFC)" if in_freeze else ""
        _apply_transition(rfc, "schedule", actor, note=(note or f"Scheduled: {where}") + extra)
        if rfc.author_id != getattr(actor, "pk", None):
            _notify(rfc.author, rfc, f"{rfc.reference} is scheduled: {where}")
    return rfc


# --- approval policies -----------------------------------------------------------------------


def approval_policy_save(*, actor: User, risk: str, **values: Any) -> ApprovalPolicy:
    require_role(actor, ADMINS, "change approval policies")
    with transaction.atomic():
        policy = ApprovalPolicy.objects.select_for_update().filter(risk=risk).first()
        if policy is None:
            policy = approval_policy_for(risk)
        for field, value in values.items():
            setattr(policy, field, value)
        model_save(policy, reason=f"changed by {who(actor)}")
    return policy
