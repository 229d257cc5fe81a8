"""The SLA sweep (at-risk and breached notices) and the weekly backlog review mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from mops.accounts.roles import Role
from mops.notify.models import Kind
from mops.notify.services import notification_create, outbox_enqueue

from ..models import (
    Request,
    SlaNotice,
    SlaState,
)
from .access import _now

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

    from ..selectors import weekly_review

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
