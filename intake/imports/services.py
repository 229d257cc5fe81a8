"""Importing requests from a Jira Service Management or Asana CSV export (#21).

The flow: `import_run_create` stores the upload and guesses the mapping; `import_run_start`
takes the mapping (columns, statuses, services, defaults) and runs it — as a dry run that
only reports what would happen, or for real — synchronously for a small file, else in the
Celery task `intake.tasks.import_run`, which calls `import_run_execute`.

Rules a reader could not guess:
- **All or nothing.** Every row is checked before anything is written; with any error the
  run ends `failed` with every error listed ("Line N: column: problem") and nothing
  written. The write is one transaction: a crash half-way leaves no request behind.
- **Idempotent by source id** (`ImportedRequest`, unique per system): a row seen before is
  unchanged (same values), updated (values changed: fields rewritten and its imported
  history replaced from the file), or skipped when the request was changed in mops since
  it was imported (mops is then the source of truth; the run counts it as skipped).
- **History with the file's times**: each row becomes the lifecycle events of its path to
  its status (`importmapping.history`), written as `RequestEvent` rows at those times with
  the importer as actor and "Imported from Jira MOPS-1" as note, so TTC, SLA and aging are
  computed from them like any other request's. The request's SLA fields are computed from
  those steps before the insert (`intake.services._refresh_sla` with the timeline, the same
  code a transition runs), and the hooks in
  `intake.hooks.requests_imported` (metrics' facts) run after commit.
- People are matched by e-mail, username or full name; an unknown requester becomes the
  importer, an unknown assignee none — the original names are kept in the row's `extra`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from catalog.models import Service
from mops.accounts.models import Team, User
from mops.accounts.roles import Role, has_role
from mops.core.audit import set_change_reason, set_history_user
from mops.core.lifecycle import TransitionError
from mops.core.services import require_role
from mops.core.tabular import Table, TableError, read_csv, upload_bytes
from mops.core.uploads import upload_max_bytes

from .. import hooks, scoring
from .. import importmapping as im
from ..models import Priority, Request, RequestEvent, Status
from ..services import _refresh_sla, default_scoring_version
from .models import ImportedRequest, ImportRun, ImportStatus, ImportSystem

log = logging.getLogger(__name__)

IMPORTERS = frozenset({Role.PM, Role.ADMIN})
STAFF = frozenset({Role.PM, Role.ENGINEER, Role.ADMIN})
ERRORS_KEPT = 1000
PREVIEW_ROWS = 5
CHUNK = 1000
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


def import_max_bytes() -> int:
    """IMPORT_MAX_BYTES, never above UPLOAD_MAX_BYTES (past it no byte is kept)."""
    return min(int(getattr(settings, "IMPORT_MAX_BYTES", upload_max_bytes())), upload_max_bytes())


def import_upload_bytes(upload: Any) -> bytes:
    """An uploaded export's bytes; ValidationError on `file` when it is too large."""
    try:
        return upload_bytes(upload, max_bytes=import_max_bytes())
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def import_sync_rows() -> int:
    """Files with at most this many rows run in the request; larger ones in the worker."""
    return int(getattr(settings, "IMPORT_SYNC_ROWS", 200))


def can_import(user: Any) -> bool:
    return has_role(user, IMPORTERS)


def _progress_key(run_id: int) -> str:
    return f"intake:import:{run_id}:progress"


def import_progress(run: ImportRun) -> tuple[str, int]:
    """(phase, rows done) of a running import: its worker keeps them in the cache, because
    its own writes are invisible until its transaction commits."""
    if not run.is_active:
        return "", run.rows_done
    found = cache.get(_progress_key(run.pk)) or {}
    return found.get("phase", "queued"), int(found.get("done", 0))


def _set_progress(run_id: int, phase: str, done: int) -> None:
    try:
        cache.set(_progress_key(run_id), {"phase": phase, "done": done}, 3600)
    except Exception:  # progress is a nicety: a cache outage must not fail the import
        log.warning("import %s: could not record progress", run_id)


# --- upload and mapping -------------------------------------------------------------------


def _table(text: str) -> Table:
    try:
        return read_csv(text)
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def import_run_create(*, actor: User, filename: str, data: bytes, system: str = "") -> ImportRun:
    """Store an uploaded export and guess its mapping (nothing is imported yet)."""
    require_role(actor, IMPORTERS, "import requests")
    from mops.core.tabular import decode

    try:
        text = decode(data, max_bytes=import_max_bytes())
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None
    table = _table(text)
    if system and system not in ImportSystem.values:
        raise ValidationError({"system": f"Choose one of {', '.join(ImportSystem.values)}."})
    system = system or im.detect_system(table.headers)
    run = ImportRun(
        system=system,
        filename=(filename or "import.csv")[-200:],
        text=text,
        size=len(data),
        headers=table.headers,
        mapping=im.detect_mapping(headers=table.headers, system=system),
        options={"time_zone": settings.TIME_ZONE, "dayfirst": False},
        rows_total=len(table.rows),
        created_by=actor,
    )
    if not table.rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    with transaction.atomic():
        set_change_reason(run, f"uploaded by {actor.username}")
        run.save()
    return run


@dataclass
class Preview:
    """What the mapping page shows: the guessed mapping, each distinct status and service
    value with the state / service it maps to, and the first rows as mapped."""

    mapping: dict[str, str]
    statuses: dict[str, str]
    services: dict[str, str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def import_preview(run: ImportRun) -> Preview:
    table = _table(run.text)
    mapping = dict(run.mapping)

    def distinct(name: str) -> list[str]:
        column = mapping.get(name)
        if not column:
            return []
        return sorted({(raw.get(column) or "").strip() for _, raw in table.rows} - {""})[:200]

    statuses = im.guess_statuses(distinct("status"))
    statuses.update({k: v for k, v in run.statuses.items() if k in statuses})
    services = {value: _guess_service(value) for value in distinct("service")}
    services.update({k: v for k, v in run.services.items() if k in services})
    rows = [
        (line, {name: (raw.get(column) or "") for name, column in mapping.items()})
        for line, raw in table.rows[:PREVIEW_ROWS]
    ]
    return Preview(mapping=mapping, statuses=statuses, services=services, rows=rows)


def _guess_service(value: str) -> str:
    found = (
        Service.objects.filter(Q(name__iexact=value) | Q(slug__iexact=value))
        .exclude(current_version=None)
        .values_list("slug", flat=True)
        .first()
    )
    return found or ""


def _clean_config(
    run: ImportRun,
    mapping: Any,
    statuses: Any,
    services: Any,
    options: Any,
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, Any]]:
    """Validate what the person chose; each problem names its field (mapping.status …)."""
    errors: dict[str, str] = {}
    for name, value in (("mapping", mapping), ("statuses", statuses), ("services", services)):
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            errors[name] = "Send an object of text → text."
    if not isinstance(options, Mapping):
        errors["options"] = "Send an object (default_service, default_team, time_zone, dayfirst)."
    if errors:
        raise ValidationError(errors)
    clean_mapping = {k: v for k, v in mapping.items() if v}
    for name, column in clean_mapping.items():
        if name not in im.FIELDS:
            errors[f"mapping.{name}"] = f"Not a request field; use {', '.join(im.FIELDS)}."
        elif column not in run.headers:
            errors[f"mapping.{name}"] = f"The file has no column '{column[:80]}'."
    for name in im.REQUIRED:
        if name not in clean_mapping and f"mapping.{name}" not in errors:
            errors[f"mapping.{name}"] = f"Map a column to {im.FIELD_LABELS[name]} (required)."
    clean_statuses = {k: v for k, v in statuses.items() if v}
    for value, state in clean_statuses.items():
        if state not in im.STATES:
            errors[f"statuses.{value[:60]}"] = (
                f"'{state[:40]}' is not a lifecycle state; use {', '.join(im.STATES)}."
            )
    clean_services = {k: v for k, v in services.items() if v}
    slugs = set(clean_services.values())
    default_service = str(options.get("default_service") or "")
    if default_service:
        slugs.add(default_service)
    known = set(
        Service.objects.filter(slug__in=slugs)
        .exclude(current_version=None)
        .values_list("slug", flat=True)
    )
    for value, slug in clean_services.items():
        if slug not in known:
            errors[f"services.{value[:60]}"] = f"No catalog service '{slug[:60]}'."
    if default_service and default_service not in known:
        errors["options.default_service"] = f"No catalog service '{default_service[:60]}'."
    default_team = str(options.get("default_team") or "")
    if default_team and not Team.objects.filter(name__iexact=default_team).exists():
        errors["options.default_team"] = f"No team '{default_team[:60]}'."
    zone = str(options.get("time_zone") or settings.TIME_ZONE)
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
        errors["options.time_zone"] = f"'{zone[:60]}' is not a time zone (e.g. Europe/Berlin)."
    if errors:
        raise ValidationError(errors)
    clean_options = {
        "default_service": default_service,
        "default_team": default_team,
        "time_zone": zone,
        "dayfirst": bool(options.get("dayfirst")),
    }
    return clean_mapping, clean_statuses, clean_services, clean_options


def import_run_start(
    *,
    run: ImportRun,
    actor: User,
    dry_run: bool,
    mapping: Any = None,
    statuses: Any = None,
    services: Any = None,
    options: Any = None,
) -> ImportRun:
    """Save the mapping and run it: in this request for a small file (the returned run is
    finished), else queued for the worker (the returned run is `queued`)."""
    require_role(actor, IMPORTERS, "import requests")
    mapping = run.mapping if mapping is None else mapping
    statuses = run.statuses if statuses is None else statuses
    services = run.services if services is None else services
    options = run.options if options is None else options
    cleaned = _clean_config(run, mapping, statuses, services, options)
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.is_active:
            raise TransitionError("This import is already running; wait for it to finish.")
        if locked.status == ImportStatus.DONE:
            raise TransitionError(
                "This file was imported already; upload it again to re-import (rows seen "
                "before are updated, not duplicated)."
            )
        locked.mapping, locked.statuses, locked.services, locked.options = cleaned
        locked.dry_run = dry_run
        locked.status = ImportStatus.QUEUED
        locked.rows_done = 0
        locked.version += 1
        set_change_reason(
            locked, f"{'dry run' if dry_run else 'import'} started by {actor.username}"
        )
        locked.save()
        if locked.rows_total > import_sync_rows():
            from ..tasks import import_run as task

            transaction.on_commit(lambda: task.delay(locked.pk))
    if locked.rows_total <= import_sync_rows():
        return import_run_execute(run_id=locked.pk)
    return locked


# --- the run ------------------------------------------------------------------------------


@dataclass
class Planned:
    row: im.ParsedRow
    service: Service
    team: Any
    requester: Any
    assignee: Any
    due: date | None
    digest: str
    extra: dict[str, str]
    link: ImportedRequest | None = None


@dataclass
class Plan:
    creates: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    errors: list[im.RowError] = field(default_factory=list)


def import_run_execute(*, run_id: int, now: datetime | None = None) -> ImportRun:
    """Run a queued import (the worker's entry, also called in-request for small files).
    Never leaves the run `running`: any failure ends it `failed` with the reason."""
    now = now or timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, finished_at=None
    )
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    if not claimed:
        return run
    _set_progress(run.pk, "checking", 0)
    try:
        plan = _plan(run, now)
        if plan.errors:
            _finish(run, ImportStatus.CHECKED if run.dry_run else ImportStatus.FAILED, plan)
        elif run.dry_run:
            _finish(run, ImportStatus.CHECKED, plan)
        else:
            with transaction.atomic():
                written = _write(run, plan, now)
                _finish(run, ImportStatus.DONE, plan)
            transaction.on_commit(lambda: hooks.imported(request_ids=written))
    except Exception as exc:
        log.exception("import %s failed", run_id)
        run.refresh_from_db()
        reason = (
            "another import wrote some of these rows at the same time; run it again (rows "
            "imported meanwhile are then updated or unchanged)"
            if isinstance(exc, IntegrityError)
            else type(exc).__name__
        )
        failure = im.RowError(0, "file", f"The import stopped: {reason}. Nothing was imported.")
        _finish(run, ImportStatus.FAILED, Plan(errors=[failure]))
    cache.delete(_progress_key(run.pk))
    return run


def _finish(run: ImportRun, status: str, plan: Plan) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.created_count = len(plan.creates)
    run.updated_count = len(plan.updates)
    run.unchanged_count = plan.unchanged
    run.skipped_count = plan.skipped
    run.error_count = len(plan.errors)
    run.errors = [
        {"line": e.line, "field": e.field, "message": str(e)} for e in plan.errors[:ERRORS_KEPT]
    ]
    run.rows_done = run.rows_total if status == ImportStatus.DONE else 0
    verb = {"done": "imported", "checked": "dry run done", "failed": "failed"}[status]
    set_change_reason(run, f"{verb}: {len(plan.creates)} new, {len(plan.updates)} updated, "
                           f"{len(plan.errors)} error(s)")  # fmt: skip
    run.save()


def _plan(run: ImportRun, now: datetime) -> Plan:
    """Check every row and decide what each becomes (no write)."""
    table = _table(run.text)
    options = run.options
    parsed = im.parse_rows(
        rows=table.rows,
        mapping=run.mapping,
        statuses=run.statuses,
        tz=zoneinfo.ZoneInfo(options.get("time_zone") or settings.TIME_ZONE),
        now=now,
        dayfirst=bool(options.get("dayfirst")),
    )
    plan = Plan(errors=list(parsed.errors))
    services = _services(run, parsed.rows)
    people = _people(parsed.rows)
    teams = {t.name.lower(): t for t in Team.objects.all()}
    default_team = teams.get(str(options.get("default_team") or "").lower())
    fallback_team = default_team or getattr(run.created_by, "team", None)
    links = {
        link.source_id: link
        for link in ImportedRequest.objects.filter(
            system=run.system, source_id__in=[r.source_id for r in parsed.rows]
        ).select_related("request")
    }
    tz = zoneinfo.ZoneInfo(options.get("time_zone") or settings.TIME_ZONE)
    for index, row in enumerate(parsed.rows, start=1):
        if index % CHUNK == 0:
            _set_progress(run.pk, "checking", index)
        values = row.values
        mapping = run.mapping
        service = services.get(values.get("service", "")) or services.get("")
        if service is None:
            shown = values.get("service") or "(empty)"
            plan.errors.append(
                im.RowError(
                    row.line,
                    mapping.get("service", "service"),
                    f"{shown!r} is not mapped to a catalog service (map it, or choose a "
                    "default service)",
                )
            )
            continue
        extra = dict(row.extra)
        requester = people.get(values.get("requester", "").lower())
        if requester is None:
            if values.get("requester"):
                extra[mapping["requester"]] = values["requester"]
            requester = run.created_by
        assignee = people.get(values.get("assignee", "").lower())
        if values.get("assignee") and (assignee is None or not has_role(assignee, STAFF)):
            extra[mapping["assignee"]] = values["assignee"]
            assignee = None
        team = (
            (getattr(requester, "team", None) if requester is not run.created_by else None)
            or teams.get(values.get("team", "").lower())
            or fallback_team
        )
        if team is None:
            plan.errors.append(
                im.RowError(row.line, mapping.get("team", "team"),
                            "no team: map a Team column or choose a default team")
            )  # fmt: skip
            continue
        due_text = values.get("due", "")
        due_at = im.parse_date(due_text, tz=tz, dayfirst=bool(options.get("dayfirst")))
        planned = Planned(
            row=row,
            service=service,
            team=team,
            requester=requester,
            assignee=assignee,
            due=due_at.date() if due_at else None,
            digest="",
            extra=extra,
        )
        planned.digest = _digest(planned)
        link = links.get(row.source_id)
        if link is None:
            plan.creates.append(planned)
        elif link.row_hash == planned.digest:
            plan.unchanged += 1
        elif link.request.version != link.request_version:
            plan.skipped += 1
        else:
            planned.link = link
            plan.updates.append(planned)
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _services(run: ImportRun, rows: list[im.ParsedRow]) -> dict[str, Service]:
    """Source value → service ('' → the default service): the chosen mapping, else a
    service whose name or slug is the value."""
    values = {r.values.get("service", "") for r in rows} - {""}
    wanted = {v: run.services.get(v, "") for v in values}
    default = run.options.get("default_service") or ""
    by_slug = {
        s.slug: s
        for s in Service.objects.filter(Q(slug__in=[*wanted.values(), default]))
        .exclude(current_version=None)
        .select_related("current_version__sla_policy__calendar")
    }
    by_name = {
        s.name.lower(): s
        for s in Service.objects.filter(name__in=[v for v, s in wanted.items() if not s])
        .exclude(current_version=None)
        .select_related("current_version__sla_policy__calendar")
    }
    found: dict[str, Service] = {}
    for value, slug in wanted.items():
        service = by_slug.get(slug) if slug else by_name.get(value.lower())
        if service is not None:
            found[value] = service
    if default in by_slug:
        found[""] = by_slug[default]
    return found


def _people(rows: list[im.ParsedRow]) -> dict[str, Any]:
    """Requesters and assignees by lower-cased e-mail, username or full name."""
    User = get_user_model()
    names = {r.values.get(k, "").lower() for r in rows for k in ("requester", "assignee")} - {""}
    if not names:
        return {}
    users = (
        User.objects.annotate(
            e=Lower("email"),
            u=Lower("username"),
            full=Lower(Concat("first_name", Value(" "), "last_name")),
        )
        .filter(Q(e__in=names) | Q(u__in=names) | Q(full__in=names), is_active=True)
        .select_related("team")
    )
    found: dict[str, Any] = {}
    for user in users:
        for key in (user.e, user.u, user.full):
            if key in names:
                found.setdefault(key, user)
    return found


def _digest(p: Planned) -> str:
    data = {
        "values": p.row.values,
        "status": p.row.status,
        "times": {k: v.isoformat() for k, v in sorted(p.row.times.items())},
        "service": p.service.pk,
        "team": p.team.pk,
        "requester": p.requester.pk,
        "assignee": p.assignee.pk if p.assignee else None,
        "extra": p.extra,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


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


# --- reads --------------------------------------------------------------------------------


def import_runs_visible_to(user: Any) -> Any:
    """Import runs for importers (PM / admin); none for anyone else."""
    if not can_import(user):
        return ImportRun.objects.none()
    return ImportRun.objects.select_related("created_by").defer("text")


def imported_requests(run: ImportRun, *, limit: int = 50) -> list[Request]:
    return list(
        Request.objects.filter(imported_from__run=run)
        .select_related("service", "team")
        .order_by("-created_at")[:limit]
    )
