"""Writing a checked plan: new requests in bulk with their imported history, priority and
source link; changed ones rewritten with their history replaced from the file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from simple_history.utils import bulk_create_with_history

from mops.accounts.models import User
from mops.core.audit import set_change_reason, set_history_user

from ... import importmapping as im
from ... import scoring
from ...models import Priority, Request, RequestEvent, Status
from ...services import _refresh_sla, default_scoring_version
from ..models import ImportedRequest, ImportRun, ImportSystem
from .planning import Plan, Planned
from .progress import CHUNK, _set_progress

SLA_FIELDS = (
    "triage_due_at",
    "delivery_due_at",
    "sla_clock",
    "sla_state",
    "sla_due_at",
    "sla_at_risk_at",
    "paused_since",
)
MILESTONE_FIELDS = ("status", "submitted_at", "accepted_at", "live_at", "closed_at")
RELATED = ["service", "service_version", "team", "requester", "assignee", "template_version"]
UPDATE_FIELDS = (
    "title",
    "brief",
    "desired_live_date",
    "assignee",
    "team",
    "requester",
    "service",
    "service_version",
    "complexity",
    "created_at",
    *MILESTONE_FIELDS,
    *SLA_FIELDS,
)


def _fill(request: Request, p: Planned, now: datetime) -> list[im.Step]:
    """Set the request's fields (SLA ones included) from the planned row; the steps of its
    history."""
    steps = p.row.history()
    version = p.service.current_version
    if version is None:  # planned only from published services
        raise ValueError(f"Service {p.service.slug} has no published version.")
    request.title = p.row.values["title"]
    request.brief = p.row.values.get("description", "")
    request.desired_live_date = p.due
    request.assignee = p.assignee
    request.team = p.team
    request.requester = p.requester
    request.service = p.service
    request.service_version = version
    request.complexity = version.complexity
    request.created_at = steps[0].at
    request.status = steps[-1].to_status
    firsts: dict[str, datetime] = {}
    for step in steps:
        firsts.setdefault(step.to_status, step.at)
    request.submitted_at = firsts.get(Status.SUBMITTED)
    request.accepted_at = firsts.get(Status.ACCEPTED)
    request.live_at = firsts.get(Status.LIVE)
    request.closed_at = firsts.get(Status.CLOSED)
    # The SLA fields from the steps about to be stored, as intake computes them (no query).
    _refresh_sla(request, now=now, timeline=[(step.to_status, step.at) for step in steps])
    return steps


def _events(
    request: Request, steps: Iterable[im.Step], actor: User, note: str
) -> list[RequestEvent]:
    return [
        RequestEvent(
            request=request,
            actor=actor,
            at=step.at,
            transition=step.transition,
            from_status=step.from_status,
            to_status=step.to_status,
            note=note,
        )
        for step in steps
    ]


def _write(run: ImportRun, plan: Plan, now: datetime) -> list[int]:
    """Write the plan (inside the caller's transaction). Returns the ids of the requests
    created (bulk-written, so no post_save told anyone; updated ones are saved one by one)."""
    actor = run.created_by
    system_label = ImportSystem(run.system).label.split()[0]
    reason = f"imported from {system_label} by {actor.username} (import {run.pk})"
    version = default_scoring_version()
    factors = version.parsed()
    score = scoring.score(factors, scoring.clean_inputs(factors, {}, partial=True))
    done = 0
    written: list[int] = []
    for start in range(0, len(plan.creates), CHUNK):
        chunk = plan.creates[start : start + CHUNK]
        requests, steps_of = [], []
        for p in chunk:
            request = Request(version=1)
            steps_of.append(_fill(request, p, now))
            # Field checks only: the related rows were just read, nothing is unique here.
            request.full_clean(exclude=RELATED, validate_unique=False, validate_constraints=False)
            requests.append(request)
        requests = bulk_create_with_history(
            requests, Request, default_user=actor, default_change_reason=reason
        )
        Priority.objects.bulk_create(
            Priority(request=r, score=score, model_version=version) for r in requests
        )
        events: list[RequestEvent] = []
        for request, steps, p in zip(requests, steps_of, chunk, strict=True):
            events.extend(
                _events(request, steps, actor, f"Imported from {system_label} {p.row.source_id}")
            )
        RequestEvent.objects.bulk_create(events, batch_size=2000)
        ImportedRequest.objects.bulk_create(
            ImportedRequest(
                system=run.system,
                source_id=p.row.source_id,
                request=r,
                run=run,
                row_hash=p.digest,
                request_version=r.version,
                extra=p.extra,
                imported_at=now,
            )
            for r, p in zip(requests, chunk, strict=True)
        )
        written.extend(r.pk for r in requests)
        done += len(chunk)
        _set_progress(run.pk, "writing", done)
    if plan.updates:
        _write_updates(run, plan.updates, actor, reason, system_label, now)
        done += len(plan.updates)
        _set_progress(run.pk, "writing", done)
    return written


def _write_updates(
    run: ImportRun, updates: list[Planned], actor: User, reason: str, label: str, now: datetime
) -> list[int]:
    """Rewrite changed rows: fields, and the imported history replaced from the file."""
    requests = []
    events: list[RequestEvent] = []
    for p in updates:
        assert p.link is not None
        request = p.link.request
        steps = _fill(request, p, now)
        request.version += 1
        requests.append(request)
        events.extend(_events(request, steps, actor, f"Imported from {label} {p.row.source_id}"))
    ids = [r.pk for r in requests]
    RequestEvent.objects.filter(request_id__in=ids).delete()
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    # One UPDATE each: Django's bulk_update builds a CASE per field and row, far slower for
    # this many fields; each save writes its history row with the reason.
    for request in requests:
        set_change_reason(request, f"{reason}: updated, history replaced from the file")
        set_history_user(request, actor)  # also in a worker
        request.save(update_fields=[*UPDATE_FIELDS, "version"])
    links = []
    for p, request in zip(updates, requests, strict=True):
        link = p.link
        assert link is not None
        link.row_hash, link.run, link.extra = p.digest, run, p.extra
        link.request_version, link.imported_at = request.version, now
        links.append(link)
    ImportedRequest.objects.bulk_update(
        links, ["row_hash", "run", "extra", "request_version", "imported_at"]
    )
    return ids
