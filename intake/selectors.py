"""Reads on requests: visibility, the backlog list, the detail page, the weekly review."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Complexity
from governance.taxonomy.selectors import (
    campaigns_visible_to,
    taxonomy_current,
)
from mops.accounts.roles import READ_EVERYTHING, has_role

from .models import (
    OPEN_STATUSES,
    Comment,
    Request,
    RequestAttachment,
    RequestEvent,
    SavedView,
    ScoringModel,
    SlaState,
    Status,
    Watcher,
)

AGING_DAYS = 14


def sees_all_requests(user: Any) -> bool:
    """MOPS staff and leadership see every request; others only their team's."""
    return has_role(user, READ_EVERYTHING)


def request_visible_to(user: Any) -> QuerySet[Request]:
    """Requests `user` may see: all for staff/leadership, their team's for everyone else
    (no team → none). Page and API both start here, so a hidden request is a 404."""
    qs = Request.objects.all()
    if sees_all_requests(user):
        return qs
    team_id = getattr(user, "team_id", None)
    if team_id is None:
        return qs.none()
    return qs.filter(team_id=team_id)


def request_list(user: Any) -> QuerySet[Request]:
    """The list rows with everything a row shows, in a constant number of queries."""
    return request_visible_to(user).select_related(
        "service", "team", "requester", "assignee", "priority"
    )


def request_detail(user: Any) -> QuerySet[Request]:
    return (
        request_visible_to(user)
        .select_related(
            "service",
            "service_version__sla_policy__calendar",
            "template_version__template",
            "team",
            "requester",
            "assignee",
            "priority__model_version__scoring_model",
        )
        .prefetch_related(
            Prefetch(
                "events", queryset=RequestEvent.objects.select_related("actor").order_by("at", "id")
            ),
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author").prefetch_related("mentions"),
            ),
            Prefetch("watchers", queryset=Watcher.objects.select_related("user")),
            Prefetch(
                "attachments", queryset=RequestAttachment.objects.select_related("uploaded_by")
            ),
        )
    )


def saved_views(user: Any) -> QuerySet[SavedView]:
    """The user's own saved views and those their teammates shared, own first."""
    mine = Q(user=user)
    team_id = getattr(user, "team_id", None)
    if team_id is not None:
        mine |= Q(shared=True, user__team_id=team_id)
    return (
        SavedView.objects.filter(mine)
        .select_related("user")
        .annotate(own=Q(user=user))
        .order_by("-own", "name", "id")
    )


def request_attachments(user: Any, request_id: int) -> QuerySet[RequestAttachment]:
    """Files of one request, if `user` may see the request (else none)."""
    visible = request_visible_to(user).filter(pk=request_id).values("pk")
    return RequestAttachment.objects.filter(request__in=visible).select_related("uploaded_by")


def scoring_models() -> QuerySet[ScoringModel]:
    return ScoringModel.objects.select_related("current_version").prefetch_related("versions")


def team_panel_rows(user: Any, limit: int = 5) -> tuple[int, list[Request]]:
    """Requests of the user's team waiting on the requester (drafts, needs info)."""
    qs = request_visible_to(user).filter(status__in=[Status.NEEDS_INFO, Status.DRAFT])
    return qs.count(), list(qs.order_by("-updated_at")[:limit])


def weekly_review(*, now: datetime | None = None, limit: int = 10) -> dict[str, Any]:
    """The weekly backlog review, every figure computed in the database.

    The week is the seven days up to `now`. Aging: open requests submitted more than 14
    days ago, counted by class. Top-scored: submitted (or needs info), not yet accepted.
    """
    now = now or timezone.now()
    since = now - timedelta(days=7)
    aging_before = now - timedelta(days=AGING_DAYS)
    base = Request.objects.select_related("service", "team", "assignee", "priority")
    counts = Request.objects.aggregate(
        new=Count("pk", filter=Q(submitted_at__gte=since, submitted_at__lt=now)),
        accepted=Count("pk", filter=Q(accepted_at__gte=since, accepted_at__lt=now)),
        shipped=Count("pk", filter=Q(live_at__gte=since, live_at__lt=now)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        aging=Count("pk", filter=Q(status__in=OPEN_STATUSES, submitted_at__lt=aging_before)),
        at_risk=Count("pk", filter=Q(status__in=OPEN_STATUSES, sla_state=SlaState.AT_RISK)),
        breached=Count("pk", filter=Q(status__in=OPEN_STATUSES, sla_state=SlaState.BREACHED)),
    )
    by_class = {
        row["complexity"]: row["n"]
        for row in Request.objects.filter(status__in=OPEN_STATUSES, submitted_at__lt=aging_before)
        .values("complexity")
        .annotate(n=Count("pk"))
    }
    return {
        "now": now,
        "since": since,
        "counts": counts,
        "aging_by_class": [(c.label, by_class.get(c.value, 0)) for c in Complexity],
        "new": list(
            base.filter(submitted_at__gte=since, submitted_at__lt=now).order_by("-submitted_at")[
                :limit
            ]
        ),
        "accepted": list(
            base.filter(accepted_at__gte=since, accepted_at__lt=now).order_by("-accepted_at")[
                :limit
            ]
        ),
        "shipped": list(
            base.filter(live_at__gte=since, live_at__lt=now).order_by("-live_at")[:limit]
        ),
        "aging": list(
            base.filter(status__in=OPEN_STATUSES, submitted_at__lt=aging_before).order_by(
                "submitted_at"
            )[:limit]
        ),
        "at_risk": list(
            base.filter(
                status__in=OPEN_STATUSES, sla_state__in=[SlaState.AT_RISK, SlaState.BREACHED]
            ).order_by("sla_due_at")[:limit]
        ),
        "top_unaccepted": list(
            base.filter(
                status__in=[Status.SUBMITTED, Status.NEEDS_INFO], priority__score__isnull=False
            ).order_by("-priority__score", "submitted_at")[:limit]
        ),
    }


TRACKING_CAMPAIGNS_SHOWN = 200


def tracking_choices(user: Any) -> dict[str, list[str]]:
    """What the request form's tracking plan offers: the taxonomy's sources and mediums, and
    the registered campaigns the person may use (newest first, bounded)."""
    taxonomy = taxonomy_current()
    campaigns = list(
        campaigns_visible_to(user)
        .order_by("-start_date", "-pk")
        .values_list("name", flat=True)[:TRACKING_CAMPAIGNS_SHOWN]
    )
    return {
        "sources": sorted(taxonomy.sources),
        "mediums": sorted(taxonomy.mediums),
        "campaigns": campaigns,
    }
