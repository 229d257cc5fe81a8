"""Running an import: saving the chosen mapping and starting it (in the request for a small
file, else in the worker), and the run itself — plan, then write all or nothing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.lifecycle import TransitionError
from mops.core.services import require_role

from ... import hooks
from ... import importmapping as im
from ..models import ImportRun, ImportStatus
from ..selectors import IMPORTERS
from .mapping import _clean_config
from .planning import Plan, _plan
from .progress import _progress_key, _set_progress
from .writing import _write

log = logging.getLogger(__name__)

ERRORS_KEPT = 1000


def import_sync_rows() -> int:
    """Files with at most this many rows run in the request; larger ones in the worker."""
    return int(getattr(settings, "IMPORT_SYNC_ROWS", 200))


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
            from ...tasks import import_run as task

            transaction.on_commit(lambda: task.delay(locked.pk))
    if locked.rows_total <= import_sync_rows():
        return import_run_execute(run_id=locked.pk)
    return locked


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
