"""Writes of the metrics app: the quarterly NPS survey, answers to it, the weekly digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from mops.accounts.models import Team, User
from mops.accounts.roles import GROUP_NAMES, Role, has_role
from mops.core.services import model_save
from mops.notify.models import Kind
from mops.notify.services import notification_create, outbox_enqueue

from . import periods
from .definitions import HEADLINE, METRICS
from .filters import MetricFilters
from .models import NpsInvitation, NpsResponse, NpsSurvey, RequestFact

SURVEY_SENDERS = frozenset({Role.PM, Role.ADMIN})


def nps_survey_send(*, quarter: str, actor: User | None) -> NpsSurvey:
    """Invite every requester whose work went live in `quarter` (one invitation each).

    `actor` None is the scheduled run. Each invitation is an in-app notification with the
    answer link, and the same by e-mail through the outbox. A quarter is surveyed once.
    """
    if actor is not None and not has_role(actor, SURVEY_SENDERS):
        raise PermissionDenied("Only MOPS PMs and admins send the survey.")
    try:
        start, end = periods.quarter_bounds(quarter)
    except ValueError as exc:
        raise ValidationError({"quarter": str(exc)}) from None
    quarter = periods.quarter_of(start)
    if start > timezone.localdate():
        raise ValidationError({"quarter": f"{quarter} has not started yet."})
    tz = timezone.get_current_timezone()
    lo, hi = periods.local_midnight(start, tz), periods.local_midnight(end, tz)
    with transaction.atomic():
        if NpsSurvey.objects.select_for_update().filter(quarter=quarter).exists():
            raise ValidationError({"quarter": f"The {quarter} survey was already sent."})
        survey = NpsSurvey(quarter=quarter, sent_by=actor)
        model_save(survey, reason=f"survey {quarter} sent")
        latest = (
            RequestFact.objects.filter(live_at__gte=lo, live_at__lt=hi)
            .values("request__requester_id")
            .annotate(last_request=Max("request_id"))
            .order_by("request__requester_id")
        )
        requester_ids = {row["request__requester_id"]: row["last_request"] for row in latest}
        people = User.objects.filter(pk__in=requester_ids, is_active=True).select_related("team")
        for person in people:
            invitation = NpsInvitation.objects.create(
                survey=survey,
                requester=person,
                request_id=requester_ids[person.pk],
                group=person.team.group if person.team else Team.Group.OTHER,
            )
            notification_create(
                user=person,
                text=f"How did Marketing Ops do in {quarter}? Two questions, one minute.",
                url=reverse("metrics:nps_answer", args=[invitation.token]),
                key=f"nps:{quarter}:{person.pk}",
            )
    return survey


def nps_respond(
    *, invitation: NpsInvitation, score: Any, comment: str = "", actor: User
) -> NpsResponse:
    """Record the invited requester's 0–10 answer; once per invitation, only by its requester."""
    if getattr(actor, "pk", None) != invitation.requester_id:
        raise PermissionDenied("This survey invitation is someone else's.")
    try:
        value = int(score)
        if str(score).strip() != str(value):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"score": "Give a whole number from 0 to 10."}) from None
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = NpsInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.responded_at is not None:
            raise ValidationError({"score": "You already answered this survey. Thank you!"})
        response = NpsResponse(
            invitation=locked,
            survey_id=locked.survey_id,
            group=locked.group,
            score=value,
            comment=comment,
        )
        response.full_clean(exclude=["invitation"])
        response.save()
        locked.responded_at = response.responded_at
        locked.save(update_fields=["responded_at"])
    invitation.responded_at = response.responded_at
    return response


# --- weekly digest ------------------------------------------------------------------------


def digest_week(today: date) -> tuple[date, date]:
    """The last full week (Monday–Sunday) before `today`."""
    this_monday = periods.period_floor(today, "week")
    return this_monday - timedelta(days=7), this_monday - timedelta(days=1)


def digest_compose(*, today: date) -> tuple[str, str]:
    """Subject and plain-text body: the dashboard's headline figures for last week."""
    from .selectors import metric_result

    first, last = digest_week(today)
    filters = MetricFilters(period="week", start=first, end=last)
    lines = [
        f"Marketing Ops — week of {first:%d %b %Y} ({periods.period_label(first, 'week')})",
        "",
    ]
    arrows = {"up": "↑", "down": "↓", "flat": "→", "": ""}
    for key in HEADLINE:
        result = metric_result(key, filters)
        point = result.current
        definition = METRICS[key]
        if not result.tracked or point is None or point.value is None:
            lines.append(f"- {definition.title}: no data")
            continue
        change = (
            ""
            if point.change is None
            else f" ({arrows[result.trend]} {point.change:+g} vs previous week)"
        )
        lines.append(f"- {definition.title}: {point.value:g} {definition.unit}{change}")
    url = f"{settings.SITE_URL}{reverse('metrics:dashboard')}?period=week"
    lines += ["", f"The dashboard, with definitions and drill-downs: {url}", ""]
    return f"[mops] Weekly metrics — {periods.period_label(first, 'week')}", "\n".join(lines)


def digest_send(*, now: datetime | None = None) -> int:
    """E-mail the digest to every active leadership user (outbox; one per person and week)."""
    today = timezone.localdate(now or timezone.now())
    first, _ = digest_week(today)
    subject, body = digest_compose(today=today)
    with transaction.atomic():
        return leadership_email(
            subject=subject,
            body=body,
            key=f"metrics-digest:{first.isoformat()}",
            source="metrics.digest",
        )


def leadership_email(*, subject: str, body: str, key: str, source: str) -> int:
    """E-mail every active leadership user with an address through the outbox, inside the
    caller's transaction: one message each, keyed `<key>:<user pk>` (so a repeat sends
    nothing twice). Returns how many people it is addressed to."""
    readers = list(
        User.objects.filter(groups__name=GROUP_NAMES[Role.LEADERSHIP], is_active=True)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )
    for person in readers:
        outbox_enqueue(
            kind=Kind.EMAIL,
            target=person.email,
            subject=subject,
            body=body,
            idempotency_key=f"{key}:{person.pk}",
            source=source,
        )
    return len(readers)
