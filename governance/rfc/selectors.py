"""RFC reads: RFC lists and pages, approval policies, diffs, emergency RFCs for a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from mops.accounts.roles import MOPS_STAFF, READ_EVERYTHING, Role, has_role, user_roles

from .contentdiff import (
    FieldChange,
    content_changes,
)
from .models import (
    EDITABLE_STATES,
    GOVERNED_FIELDS,
    REVIEWERS,
    RFC_AUTHORS,
    SYSTEM_TRANSITIONS,
    Approval,
    ApprovalPolicy,
    Decision,
    Rfc,
    RfcRevision,
    RfcStatus,
    Risk,
)

# Used when no ApprovalPolicy row exists for a risk level (admins override them as data).
DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    Risk.LOW: {"required_approvals": 1},
    Risk.MEDIUM: {"required_approvals": 2},
    # The CAB quorum on a clean install: two people in the Approver role (a role that exists
    # from migrations), inside a change window. Admins narrow it to a group or team.
    Risk.HIGH: {"required_approvals": 2, "requires_change_window": True},
}
RFC_READERS: frozenset[str] = READ_EVERYTHING | {Role.APPROVER}


def approval_policy_for(risk: str) -> ApprovalPolicy:
    """The stored policy for a risk level, or the default (unsaved) one."""
    policy = ApprovalPolicy.objects.filter(risk=risk).first()
    if policy is None:
        policy = ApprovalPolicy(risk=risk, **DEFAULT_POLICIES.get(risk, {}))
    return policy


def approval_policies() -> list[ApprovalPolicy]:
    stored = {p.risk: p for p in ApprovalPolicy.objects.all()}
    return [stored.get(r) or ApprovalPolicy(risk=r, **DEFAULT_POLICIES[r]) for r in Risk.values]


# --- RFCs ----------------------------------------------------------------------------------


def rfcs_visible_to(user: Any) -> QuerySet[Rfc]:
    """Staff, approvers and leadership read every RFC (requesters none)."""
    qs = (
        Rfc.objects.select_related("author")
        .annotate(
            live_approvals=Count(
                "approvals",
                filter=Q(
                    approvals__voided_at__isnull=True,
                    approvals__decision=Decision.APPROVED,
                ),
                distinct=True,
            )
        )
        .order_by("-updated_at", "-pk")
    )
    if has_role(user, RFC_READERS):
        return qs
    return qs.none()


def rfc_page(rfc: Rfc) -> Rfc:
    """One RFC with everything its page shows, in a fixed number of queries."""
    return (
        Rfc.objects.select_related("author")
        .prefetch_related(
            "services",
            "templates",
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related("reviewer").order_by("-created_at"),
            ),
        )
        .get(pk=rfc.pk)
    )


def rfcs_awaiting_review_by(user: Any) -> QuerySet[Rfc]:
    """RFCs in review this person could approve and has not approved in this version."""
    if not has_role(user, {Role.APPROVER, Role.ADMIN}):
        return Rfc.objects.none()
    mine = Approval.objects.filter(
        reviewer=user, voided_at__isnull=True, decision=Decision.APPROVED
    ).values("content_hash")
    return (
        Rfc.objects.filter(status=RfcStatus.IN_REVIEW)
        .exclude(author=user)
        .exclude(content_hash__in=mine)
        .order_by("updated_at")
    )


def rfc_revisions(rfc: Rfc) -> QuerySet[RfcRevision]:
    return rfc.revisions.select_related("author").order_by("-number")


def rfc_diff(rfc: Rfc, *, from_number: int, to_number: int) -> list[FieldChange]:
    """What changed between two versions of an RFC (missing versions raise DoesNotExist)."""
    revisions = {
        r.number: r.content for r in rfc.revisions.filter(number__in=[from_number, to_number])
    }
    if from_number not in revisions or to_number not in revisions:
        raise RfcRevision.DoesNotExist(f"{rfc.reference} has no such version")
    return content_changes(revisions[from_number], revisions[to_number], GOVERNED_FIELDS)


def rfc_last_approved_revision(rfc: Rfc) -> int | None:
    """The version of the most recent approval (live or voided), if any."""
    return (
        rfc.approvals.filter(decision=Decision.APPROVED)
        .order_by("-created_at")
        .values_list("revision_number", flat=True)
        .first()
    )


def rfc_changes_since_approval(rfc: Rfc) -> tuple[int | None, list[FieldChange]]:
    """(approved version, changes from it to the current version)."""
    approved = rfc_last_approved_revision(rfc)
    if approved is None or approved == rfc.version:
        return approved, []
    return approved, rfc_diff(rfc, from_number=approved, to_number=rfc.version)


def rfc_emergencies_approved_between(window_start: datetime, window_end: datetime) -> QuerySet[Rfc]:
    """Approved (or already scheduled) emergency RFCs whose desired window overlaps
    [window_start, window_end), earliest first: releases lets work into a freeze on their
    authority."""
    return Rfc.objects.filter(
        emergency=True,
        status__in=[RfcStatus.APPROVED, RfcStatus.SCHEDULED],
        desired_window_start__lt=window_end,
        desired_window_end__gt=window_start,
    ).order_by("desired_window_start", "pk")


def rfc_emergency_approved_for(window_start: datetime, window_end: datetime) -> Rfc | None:
    return rfc_emergencies_approved_between(window_start, window_end).first()


# --- who may do what ---------------------------------------------------------------------------
# The RFC's permission rules, written once: the services refuse with them and
# `rfc_allowed_actions` offers the page's buttons with them.

# Steps a person takes through `services.rfc_transition` (the rest have their own service).
STEP_TRANSITIONS: frozenset[str] = frozenset(
    name for name in Rfc.lifecycle.transitions if name not in SYSTEM_TRANSITIONS | {"schedule"}
)


def rfc_is_author(rfc: Rfc, user: Any) -> bool:
    return rfc.author_id is not None and rfc.author_id == getattr(user, "pk", None)


def rfc_may_edit(rfc: Rfc, user: Any) -> bool:
    """An RFC author role, and the RFC's own author or MOPS staff (whatever its state)."""
    return has_role(user, RFC_AUTHORS) and (rfc_is_author(rfc, user) or has_role(user, MOPS_STAFF))


def rfc_is_editable(rfc: Rfc) -> bool:
    """Content may change until the RFC is scheduled (an edit when approved voids approvals)."""
    return rfc.status in EDITABLE_STATES


def rfc_may_review(rfc: Rfc, user: Any) -> bool:
    """A reviewer role, and never the RFC's author (no self-approval)."""
    return has_role(user, REVIEWERS) and not rfc_is_author(rfc, user)


def reviewer_groups(user: Any) -> list[str]:
    """What a reviewer counts as for a policy: their groups and their team (by name), as
    recorded on the approval."""
    names = set(user.groups.values_list("name", flat=True))
    if getattr(user, "team_id", None):
        names.add(user.team.name)
    return sorted(names)


def policy_admits(policy: ApprovalPolicy, groups: list[str]) -> bool:
    """Whether a reviewer in `groups` may approve under `policy` (its eligible group)."""
    return not policy.eligible_group or policy.eligible_group in groups


def rfc_approved_by(rfc: Rfc, user: Any) -> bool:
    """Whether `user` holds a live approval of the RFC's current content."""
    return rfc.approvals.filter(
        reviewer_id=getattr(user, "pk", None),
        decision=Decision.APPROVED,
        voided_at__isnull=True,
        content_hash=rfc.content_hash,
    ).exists()


def rfc_allowed_actions(*, rfc: Rfc, user: Any) -> frozenset[str]:
    """The actions `user` may take on `rfc` now: "edit", "approve", "request_changes",
    "reject", "schedule" and the lifecycle steps (`STEP_TRANSITIONS`: submit, verify...).

    The page shows a button for each; the services refuse with the same predicates and
    lifecycle, so no button offers what a service refuses for a role, an author or a
    state (a stale hash, a missing note or a freeze are refused when the service runs).
    """
    possible = {t.name for t in Rfc.lifecycle.available(state=rfc.status, roles=user_roles(user))}
    allowed = possible & (STEP_TRANSITIONS | {"schedule"})
    if rfc_may_edit(rfc, user) and rfc_is_editable(rfc):
        allowed.add("edit")
    if rfc_may_review(rfc, user):
        allowed |= possible & {"request_changes", "reject"}
        if (
            "approve" in possible
            and policy_admits(approval_policy_for(rfc.risk), reviewer_groups(user))
            and not rfc_approved_by(rfc, user)
        ):
            allowed.add("approve")
    return frozenset(allowed)
