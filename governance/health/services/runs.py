"""Check runs: queue, claim, run, record; incidents and anomalies from a run's results.

- A run claims its dataset with a conditional UPDATE (`running_since` NULL or older than
  GOVERNANCE_RUN_CLAIM_SECONDS); a second run of the same dataset gets `RunInProgress`.
- A run whose database is unreachable, times out, or whose table is gone is stored with
  status `error` and the reason; the Celery task then retries per policy. Never skipped.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.health.checks import CheckResult as EngineResult
from governance.health.checks import RunResult, describe_error, run_dataset
from mops.accounts.models import User
from mops.accounts.roles import MOPS_STAFF
from mops.core.services import require_role

from .. import anomaly
from ..contracts.spec import DIMENSIONS
from ..models import (
    CheckResult,
    CheckRun,
    Dataset,
    Incident,
    IncidentStatus,
    RunStatus,
)
from ..warehouse_access import (
    WarehouseRefused,
)
from .datasets import warehouse_connect
from .incidents import incident_open, incident_resolve_for_source

RUNNERS: frozenset[str] = MOPS_STAFF


class RunInProgress(Exception):
    """Another run of this dataset holds the claim."""


def _clean_json(value: Any) -> Any:
    """JSON PostgreSQL accepts: non-finite floats become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


# --- runs ---------------------------------------------------------------------------------------


def _queued_key(dataset_id: int) -> str:
    return f"governance:run-queued:{dataset_id}"


def dataset_run_queue(*, dataset: Dataset, actor: User, mode: str = "full") -> None:
    """ "Run checks now" from the page: the run goes to the worker (a warehouse query has no
    place in a web request). The dataset is marked queued (in the cache, for at most
    `GOVERNANCE_RUN_CLAIM_SECONDS`) until the worker's run ends, so the page polls meanwhile;
    a dataset already queued or running is refused (RunInProgress)."""
    from django.core.cache import cache

    require_role(actor, RUNNERS, "run checks")
    if mode not in CheckRun.Mode.values:
        raise ValidationError({"mode": f"Unknown mode {mode!r}; use full or incremental."})
    if dataset_run_pending(dataset):
        raise RunInProgress(f"Dataset {dataset.pk} is already queued or being checked.")
    claim = settings.GOVERNANCE_RUN_CLAIM_SECONDS
    cache.set(_queued_key(dataset.pk), timezone.now().isoformat(), timeout=claim)

    def send() -> None:
        from governance.tasks import dataset_run_checks_task

        try:
            dataset_run_checks_task.delay(
                dataset_id=dataset.pk,
                mode=mode,
                trigger=CheckRun.Trigger.MANUAL,
                actor_id=actor.pk,
            )
        except Exception:  # broker down: say so on the page instead of polling forever
            cache.delete(_queued_key(dataset.pk))
            raise

    transaction.on_commit(send)


def dataset_run_pending(dataset: Dataset) -> bool:
    """Whether a run of `dataset` is queued (page) or running (any trigger)."""
    from django.core.cache import cache

    stale = timezone.now() - timedelta(seconds=settings.GOVERNANCE_RUN_CLAIM_SECONDS)
    running = dataset.running_since is not None and dataset.running_since >= stale
    return running or cache.get(_queued_key(dataset.pk)) is not None


def dataset_run_dequeue(dataset_id: int) -> None:
    """The worker's run ended (or was dropped): the dataset is no longer queued."""
    from django.core.cache import cache

    cache.delete(_queued_key(dataset_id))


def _claim(dataset_id: int, now: datetime) -> bool:
    stale = now - timedelta(seconds=settings.GOVERNANCE_RUN_CLAIM_SECONDS)
    return bool(
        Dataset.objects.filter(pk=dataset_id)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=stale))
        .update(running_since=now)
    )


def dataset_run_checks(
    *,
    dataset_id: int,
    mode: str = "full",
    trigger: str = CheckRun.Trigger.SCHEDULE,
    actor: User | None = None,
    attempt: int = 1,
) -> CheckRun:
    """Run one dataset's checks and store the run, results, scores, anomalies, incidents.

    Raises RunInProgress when another run holds the dataset. A database that cannot be
    reached, a timeout or a missing table gives a run with status `error` and the reason.
    """
    if actor is not None:
        require_role(actor, RUNNERS, "run checks")
    if mode not in CheckRun.Mode.values:
        raise ValidationError({"mode": f"Unknown mode {mode!r}; use full or incremental."})
    now = timezone.now()
    if not _claim(dataset_id, now):
        if not Dataset.objects.filter(pk=dataset_id).exists():
            raise Dataset.DoesNotExist(f"No dataset {dataset_id}.")
        raise RunInProgress(f"Dataset {dataset_id} is being checked by another run.")
    try:
        dataset = Dataset.objects.select_related("warehouse", "contract").get(pk=dataset_id)
        contract = getattr(dataset, "contract", None)
        run = CheckRun.objects.create(
            dataset=dataset,
            contract_version=contract.version if contract else None,
            mode=mode,
            trigger=trigger,
            attempt=attempt,
            watermark_in=dataset.watermark if mode == "incremental" else None,
            requested_by=actor,
            started_at=now,
        )
        result: RunResult | None = None
        error = ""
        if contract is None:
            error = "The dataset has no data contract yet."
        else:
            try:
                spec = contract.build_spec()
                with warehouse_connect(dataset.warehouse) as conn:
                    result = run_dataset(
                        conn,
                        spec,
                        mode=mode,
                        watermark=run.watermark_in,
                        timeout_ms=dataset.warehouse.statement_timeout_ms,
                        sample_limit=settings.GOVERNANCE_SAMPLE_LIMIT,
                    )
            except WarehouseRefused as exc:
                error = exc.messages[0]
            except psycopg.OperationalError as exc:
                # libpq's own text names host and port only; no row value can be in it.
                error = f"Database unreachable: {str(exc).strip().splitlines()[0][:400]}"
            except psycopg.Error as exc:
                error = describe_error(exc, dataset.warehouse.statement_timeout_ms)
            except ValueError as exc:
                error = f"Contract cannot be compiled: {exc}"
        if result is not None and not result.checks:
            error = "; ".join(result.notes) or "The run produced no checks."
        with transaction.atomic():  # the run, its results and its incidents appear together
            _record_run(run, dataset, result, error)
            _incidents_for_run(run, dataset, result)
            if run.status != RunStatus.ERROR and mode == CheckRun.Mode.FULL:
                _anomalies_for_run(run, dataset)
        return run
    finally:
        Dataset.objects.filter(pk=dataset_id, running_since=now).update(running_since=None)


def _record_run(run: CheckRun, dataset: Dataset, result: RunResult | None, error: str) -> None:
    finished = timezone.now()
    run.finished_at = finished
    if result is not None:
        run.duration_ms = result.duration_ms
        run.statements = result.statements + result.sample_statements
        run.watermark_out = result.watermark_out
        run.rows_in_scope = result.rows_in_scope
        run.notes = _clean_json(list(result.notes))
        for dimension in DIMENSIONS:
            setattr(run, f"score_{dimension}", result.scores.get(dimension))
    else:
        run.duration_ms = (finished - run.started_at).total_seconds() * 1000
    check_errors = sorted({c.error for c in (result.checks if result else []) if c.error})
    if error:
        run.status, run.error = RunStatus.ERROR, error
    elif result is not None and check_errors:
        run.status, run.error = RunStatus.ERROR, "; ".join(check_errors)[:2000]
    else:
        status = result.status if result else "error"
        run.status = {"skipped": RunStatus.PASS}.get(status, status)
    with transaction.atomic():
        run.save()
        if result is not None:
            CheckResult.objects.bulk_create([_result_row(run, c) for c in result.checks])
        updates: dict[str, Any] = {"last_run": run}
        if run.mode == CheckRun.Mode.INCREMENTAL and run.watermark_out is not None:
            updates["watermark"] = run.watermark_out
        Dataset.objects.filter(pk=dataset.pk).update(**updates)
        dataset.last_run = run


def _result_row(run: CheckRun, c: EngineResult) -> CheckResult:
    return CheckResult(
        run=run,
        key=c.key[:200],
        kind=c.kind,
        dimension=c.dimension,
        status=c.status,
        value=_finite(c.value),
        count=_finite(c.count),
        denominator=_finite(c.denominator),
        unit=c.unit,
        warn=c.warn,
        fail=c.fail,
        semantics=c.semantics,
        error=c.error or "",
        error_code=c.error_code[:5],
        error_detail=c.error_detail,
        detail=_clean_json(c.detail),
        sample=_clean_json(c.sample) if c.sample is not None else None,
    )


def _incidents_for_run(run: CheckRun, dataset: Dataset, result: RunResult | None) -> None:
    run_key = f"run:{dataset.pk}"
    if run.status == RunStatus.ERROR:
        incident_open(
            source_key=run_key,
            source=Incident.Source.RUN,
            title=f"{dataset}: check run failed",
            summary=run.error,
            failure_mode="run_error",
            dataset=dataset,
            run=run,
        )
    else:
        incident_resolve_for_source(source_key=run_key, note=f"Run #{run.pk} completed.")
    judged = {c.key: c for c in (result.checks if result else [])}
    for check in judged.values():
        if check.status != "fail":
            continue
        limit = f"fail above {check.fail:g}" if check.fail is not None else "failing"
        value = f"{check.value:.4g} {check.unit}" if check.value is not None else "—"
        incident_open(
            source_key=f"check:{dataset.pk}:{check.key}",
            source=Incident.Source.CHECK,
            title=f"{dataset}: {check.key} failing",
            summary=f"{value} ({limit}). {check.semantics}",
            failure_mode=check.kind,
            dataset=dataset,
            check_key=check.key,
            run=run,
        )
    still_open = Incident.objects.filter(dataset=dataset, source=Incident.Source.CHECK).exclude(
        status=IncidentStatus.RESOLVED
    )
    for incident in still_open:
        verdict = judged.get(incident.check_key)
        if verdict is not None and verdict.status in ("pass", "warn"):
            incident_resolve_for_source(
                source_key=incident.source_key,
                note=f"{verdict.key} is {verdict.status} again in run #{run.pk}.",
            )


def _anomalies_for_run(run: CheckRun, dataset: Dataset) -> None:
    """Volume (drops) and freshness lag (late) against this dataset's own run history."""
    history = list(
        CheckResult.objects.filter(
            run__dataset=dataset,
            run__mode=CheckRun.Mode.FULL,
            key__in=["volume", "freshness"],
            run__started_at__lt=run.started_at,
        )
        .order_by("-run__started_at")
        .values_list("key", "run__started_at", "count", "value")[:120]
    )
    current = {
        r.key: r
        for r in run.results.filter(key__in=["volume", "freshness"])
        if r.status != "skipped"
    }
    for key, direction, pick in (
        ("volume", "low", lambda count, value: count),
        ("freshness", "high", lambda count, value: value),
    ):
        now_row = current.get(key)
        if now_row is None:
            continue
        points = [
            (at, pick(count, value))
            for k, at, count, value in history
            if k == key and pick(count, value) is not None
        ]
        now_value = pick(now_row.count, now_row.value)
        if now_value is None:
            continue
        verdict = anomaly.detect(points, (run.started_at, now_value), direction=direction)
        source_key = f"anomaly:{dataset.pk}:{key}"
        if verdict.is_anomaly:
            incident_open(
                source_key=source_key,
                source=Incident.Source.ANOMALY,
                title=f"{dataset}: unusual {key}",
                summary=f"{key} = {now_value:.4g}: {verdict.explanation}",
                failure_mode="anomaly",
                dataset=dataset,
                check_key=key,
                run=run,
            )
        elif verdict.basis != "insufficient":
            incident_resolve_for_source(source_key=source_key, note=f"{key} back to normal.")
