"""The watch: on-call, incidents (open, acknowledge, resolve, escalate), monitors and pings,
runbooks.

- Incidents are keyed by their problem (`source_key`); opening one that is already open
  only counts another occurrence. Failing checks open them, passing checks resolve them;
  missed heartbeats open them, the next ping resolves them. Alerts and recovery notices go
  to the on-call person (in-app + e-mail) and the rotation's channels through the outbox.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mops.accounts.models import User
from mops.accounts.roles import MOPS_STAFF, user_roles
from mops.core.audit import set_change_reason, set_history_user
from mops.core.concurrency import StaleVersion
from mops.core.services import model_save, require_role
from mops.notify.services import notification_create, outbox_enqueue_to_channels

from ..models import (
    CheckRun,
    Dataset,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorStatus,
    Ping,
    Rotation,
    Runbook,
)
from .datasets import DATA_ADMINS

# --- on-call -------------------------------------------------------------------------------------


def rotation_default() -> Rotation | None:
    return Rotation.objects.order_by("id").first()


def oncall_members(rotation: Rotation) -> list[Any]:
    return [m.user for m in rotation.members.select_related("user").order_by("position")]


def oncall_user(rotation: Rotation | None, at: datetime, *, level: int = 0) -> Any:
    """Who is on call at `at` (level 0), or the level-th person to escalate to.

    An override covering `at` decides level 0; the weekly turn is members[weeks % n],
    weeks counted from `rotation.starts_at`. Level k is the k-th member after the turn.
    """
    if rotation is None:
        return None
    members = oncall_members(rotation)
    if level == 0:
        override = (
            rotation.overrides.filter(starts_at__lte=at, ends_at__gt=at)
            .select_related("user")
            .order_by("-starts_at")
            .first()
        )
        if override is not None:
            return override.user
    if not members:
        return None
    weeks = math.floor((at - rotation.starts_at) / timedelta(weeks=1))
    return members[(weeks + level) % len(members)]


# --- incidents -----------------------------------------------------------------------------------


def _event(
    incident: Incident,
    name: str,
    actor: User | None = None,
    note: str = "",
    at: datetime | None = None,
) -> None:
    IncidentEvent.objects.create(
        incident=incident,
        name=name,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        at=at or timezone.now(),
    )


def _alert(incident: Incident, what: str, user: Any = None, key_suffix: str = "") -> None:
    """Fan an incident alert out: in-app + e-mail to `user`, and the rotation's channels."""
    verb = {"opened": "Incident", "escalated": "Escalated", "resolved": "Recovered"}[what]
    subject = f"[mops] {verb}: {incident.title}"[:300]
    url = incident.get_absolute_url()
    runbook = incident.runbook.get_absolute_url() if incident.runbook is not None else ""
    body = f"{incident.summary}\n\n{settings.SITE_URL}{url}\n" + (
        f"Runbook: {settings.SITE_URL}{runbook}\n" if runbook else ""
    )
    key = f"incident:{incident.pk}:{what}{key_suffix}"
    if incident.rotation is not None:
        outbox_enqueue_to_channels(
            channels=incident.rotation.channels.all(),
            subject=subject,
            body=body,
            payload={
                "event": f"incident.{what}",
                "incident": incident.pk,
                "title": incident.title,
                "status": incident.status,
                "source": incident.source_key,
                "url": f"{settings.SITE_URL}{url}",
                "runbook": f"{settings.SITE_URL}{runbook}" if runbook else None,
            },
            key=key,
            source="governance.incident",
        )
    if user is not None:
        notification_create(user=user, text=subject.removeprefix("[mops] "), url=url, key=key)


def _runbook_for(failure_mode: str, monitor: Monitor | None) -> Runbook | None:
    if monitor is not None and monitor.runbook_id:
        return monitor.runbook
    return Runbook.objects.filter(failure_modes__contains=[failure_mode]).order_by("id").first()


def incident_open(
    *,
    source_key: str,
    source: str,
    title: str,
    summary: str = "",
    failure_mode: str = "",
    dataset: Dataset | None = None,
    monitor: Monitor | None = None,
    run: CheckRun | None = None,
    check_key: str = "",
    now: datetime | None = None,
) -> tuple[Incident, bool]:
    """Open the incident of a problem, or count another occurrence of the open one.

    Returns (incident, created). The partial unique constraint on open `source_key`s makes
    this safe against concurrent openers: the loser re-reads the winner's row.
    """
    now = now or timezone.now()
    with transaction.atomic():
        existing = (
            Incident.objects.select_for_update()
            .filter(source_key=source_key)
            .exclude(status=IncidentStatus.RESOLVED)
            .first()
        )
        if existing is not None:
            Incident.objects.filter(pk=existing.pk).update(
                occurrences=F("occurrences") + 1, last_seen_at=now, run=run or existing.run
            )
            existing.refresh_from_db()
            return existing, False
        rotation = rotation_default()
        assignee = oncall_user(rotation, now)
        incident = Incident(
            source_key=source_key,
            source=source,
            title=title[:300],
            summary=summary,
            dataset=dataset,
            monitor=monitor,
            run=run,
            check_key=check_key,
            runbook=_runbook_for(failure_mode, monitor),
            rotation=rotation,
            assignee=assignee,
            opened_at=now,
            last_seen_at=now,
        )
        incident.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                set_change_reason(incident, "opened")
                incident.save()
        except IntegrityError:
            winner = Incident.objects.exclude(status=IncidentStatus.RESOLVED).get(
                source_key=source_key
            )
            return winner, False
        _event(incident, "opened", note=summary[:500], at=now)
        _alert(incident, "opened", user=assignee)
    return incident, True


def incident_acknowledge(*, incident: Incident, actor: User, note: str = "") -> Incident:
    """open → acknowledged (idempotent: acknowledging an acknowledged incident is a no-op)."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == IncidentStatus.ACKNOWLEDGED:
            return incident
        incident.lifecycle.check(state=incident.status, name="acknowledge", roles=user_roles(actor))
        incident.status = IncidentStatus.ACKNOWLEDGED
        incident.acknowledged_at = timezone.now()
        incident.acknowledged_by = actor
        set_change_reason(incident, note or "acknowledged")
        incident.save()
        _event(incident, "acknowledged", actor, note)
    return incident


def incident_resolve(
    *, incident: Incident, actor: User | None = None, note: str = "", now: datetime | None = None
) -> Incident:
    """open/acknowledged → resolved, with a recovery notice. `actor=None` is the system
    (a passing check, a ping). Resolving a resolved incident is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == IncidentStatus.RESOLVED:
            return incident
        if actor is not None:
            incident.lifecycle.check(state=incident.status, name="resolve", roles=user_roles(actor))
        incident.status = IncidentStatus.RESOLVED
        incident.resolved_at = now
        incident.resolved_by = actor
        incident.resolution = note
        set_change_reason(incident, note or "resolved")
        incident.save()
        _event(incident, "resolved", actor, note, at=now)
        _alert(incident, "resolved", user=incident.assignee)
    return incident


def incident_resolve_for_source(
    *, source_key: str, note: str, now: datetime | None = None
) -> Incident | None:
    incident = (
        Incident.objects.filter(source_key=source_key)
        .exclude(status=IncidentStatus.RESOLVED)
        .first()
    )
    if incident is None:
        return None
    return incident_resolve(incident=incident, note=note, now=now)


def incident_escalate_sweep(*, now: datetime | None = None) -> int:
    """Alert the next person of the rotation for incidents still open (not acknowledged)
    `escalate_after_minutes` after opening or the last escalation."""
    now = now or timezone.now()
    escalated = 0
    candidates = Incident.objects.filter(
        status=IncidentStatus.OPEN, rotation__isnull=False
    ).select_related("rotation")
    for incident in candidates:
        rotation = incident.rotation
        if rotation is None:  # the query keeps only incidents with one
            continue
        wait = timedelta(minutes=rotation.escalate_after_minutes)
        since = incident.escalated_at or incident.opened_at
        if since + wait > now:
            continue
        level = incident.escalation_level + 1
        members = oncall_members(rotation)
        if level >= len(members):
            continue  # everyone on the rotation was alerted already
        claimed = Incident.objects.filter(
            pk=incident.pk, status=IncidentStatus.OPEN, escalation_level=level - 1
        ).update(escalation_level=level, escalated_at=now)
        if not claimed:
            continue
        incident.escalation_level, incident.escalated_at = level, now
        target = oncall_user(incident.rotation, incident.opened_at, level=level)
        with transaction.atomic():
            _event(incident, "escalated", note=f"level {level}: {target or 'nobody'}", at=now)
            _alert(incident, "escalated", user=target, key_suffix=f":{level}")
        escalated += 1
    return escalated


# --- monitors -----------------------------------------------------------------------------------


def monitor_save(
    *,
    actor: User,
    name: str,
    period: timedelta,
    grace: timedelta,
    description: str = "",
    runbook: Runbook | None = None,
    monitor: Monitor | None = None,
    paused: bool | None = None,
) -> Monitor:
    require_role(actor, DATA_ADMINS, "manage monitors")
    monitor = monitor or Monitor()
    monitor.name, monitor.period, monitor.grace = name, period, grace
    monitor.description, monitor.runbook = description, runbook
    if paused is True:
        monitor.status = MonitorStatus.PAUSED
    elif paused is False and monitor.status == MonitorStatus.PAUSED:
        monitor.status = MonitorStatus.UP if monitor.last_ping_at else MonitorStatus.NEW
    monitor.full_clean()
    origin = monitor.last_ping_at or monitor.started_at
    monitor.next_due_at = origin + period + grace
    with transaction.atomic():
        set_change_reason(monitor, "monitor saved")
        monitor.save()
    return monitor


def _monitor_status_event(monitor: Monitor, reason: str, at: datetime) -> None:
    """The audit row of a status change made by a conditional UPDATE (which sends no
    post_save): the monitor as it now is, changed by the system, at `at`, with `reason`."""
    monitor.refresh_from_db()
    row = Monitor.objects.get(pk=monitor.pk)  # fresh: no reason or user left by an earlier save
    set_change_reason(row, reason)
    set_history_user(row, None)
    Monitor.history.bulk_history_create([row], update=True, default_date=at)


def monitor_ping(
    *,
    monitor: Monitor,
    method: str = "GET",
    remote_addr: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Ping:
    """Record a heartbeat: the monitor is up until now + period + grace; an open
    missed-ping incident is resolved (recovery notice). Status moves by a conditional UPDATE;
    a change of status (not every ping) writes a history row."""
    now = now or timezone.now()
    with transaction.atomic():
        ping = Ping.objects.create(
            monitor=monitor,
            received_at=now,
            method=method[:8],
            remote_addr=remote_addr,
            user_agent=user_agent[:200],
        )
        # Conditional: only the ping that moves the monitor up claims the change (a second,
        # concurrent ping re-reads the row after the first commits and updates nothing), and
        # that change alone is written to the monitor's history.
        if (
            Monitor.objects.filter(pk=monitor.pk)
            .exclude(status__in=[MonitorStatus.PAUSED, MonitorStatus.UP])
            .update(status=MonitorStatus.UP)
        ):
            _monitor_status_event(monitor, "monitor up: heartbeat received", now)
        # last_ping_at / next_due_at are the heartbeat clock, excluded from the history
        # (one row per ping would bury the status changes), so they move without an event.
        Monitor.objects.filter(pk=monitor.pk).filter(
            Q(last_ping_at__isnull=True) | Q(last_ping_at__lt=now)
        ).update(last_ping_at=now, next_due_at=now + monitor.period + monitor.grace)
        incident_resolve_for_source(
            source_key=f"monitor:{monitor.pk}", note="Heartbeat received again.", now=now
        )
    return ping


def monitor_sweep(*, now: datetime | None = None) -> int:
    """Mark monitors past their due time down and open one incident each (idempotent)."""
    now = now or timezone.now()
    opened = 0
    overdue = Monitor.objects.filter(next_due_at__lt=now).exclude(
        status__in=[MonitorStatus.PAUSED, MonitorStatus.DOWN]
    )
    for monitor in overdue:
        with transaction.atomic():
            claimed = Monitor.objects.filter(pk=monitor.pk, status=monitor.status).update(
                status=MonitorStatus.DOWN
            )
            if not claimed:
                continue
            _monitor_status_event(monitor, "monitor down: missed its heartbeat", now)
            last = (
                monitor.last_ping_at.isoformat(timespec="minutes")
                if monitor.last_ping_at
                else "never"
            )
            _, created = incident_open(
                source_key=f"monitor:{monitor.pk}",
                source=Incident.Source.MONITOR,
                title=f"{monitor.name} missed its heartbeat",
                summary=f"Last ping: {last}; expected every {monitor.period} (+{monitor.grace} grace).",
                failure_mode="monitor",
                monitor=monitor,
                now=now,
            )
            opened += int(created)
    return opened


# --- runbooks -----------------------------------------------------------------------------------


def runbook_save(
    *,
    actor: User,
    slug: str,
    title: str,
    body: str,
    summary: str = "",
    failure_modes: list[str] | None = None,
    runbook: Runbook | None = None,
    expected_version: int | None = None,
) -> Runbook:
    """Create or edit a runbook; each edit is a new version (history keeps them all)."""
    require_role(actor, MOPS_STAFF, "edit runbooks")
    with transaction.atomic():
        if runbook is not None:
            runbook = Runbook.objects.select_for_update().get(pk=runbook.pk)
            if expected_version is not None and expected_version != runbook.version:
                raise StaleVersion()
            runbook.version += 1
        else:
            runbook = Runbook()
        runbook.slug, runbook.title, runbook.body, runbook.summary = slug, title, body, summary
        if failure_modes is not None:
            runbook.failure_modes = [m.strip() for m in failure_modes if m.strip()]
        model_save(runbook, reason="runbook saved")
    return runbook
