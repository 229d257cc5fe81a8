"""RFC reads: RFC lists and pages, approval policies, diffs, emergency RFCs for a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from mops.accounts.roles import READ_EVERYTHING, Role, has_role

from .contentdiff import (
    FieldChange,
    content_changes,
)
from .models import (
    GOVERNED_FIELDS,
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
