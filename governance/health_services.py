"""Every data-health and watch write: warehouses, datasets (+ their beat schedule),
contracts, check runs, monitors and pings, incidents, on-call, runbooks.
`<entity>_<verb>(*, ..., actor)`.

Rules a reader could not guess:
- A run claims its dataset with a conditional UPDATE (`running_since` NULL or older than
  GOVERNANCE_RUN_CLAIM_SECONDS); a second run of the same dataset gets `RunInProgress`.
- A run whose database is unreachable, times out, or whose table is gone is stored with
  status `error` and the reason; the Celery task then retries per policy. Never skipped.
- Incidents are keyed by their problem (`source_key`); opening one that is already open
  only counts another occurrence. Failing checks open them, passing checks resolve them;
  missed heartbeats open them, the next ping resolves them. Alerts and recovery notices go
  to the on-call person (in-app + e-mail) and the rotation's channels through the outbox.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from governance.health.checks import CheckResult as EngineResult
from governance.health.checks import RunResult, connect_readonly, describe_error, run_dataset
from mops.accounts.roles import ADMINS, MOPS_STAFF, has_role, user_roles
from mops.core.audit import set_change_reason
from mops.notify.services import notification_create, outbox_enqueue_to_channels

from . import anomaly
from .contract_codec import ContractYamlError, contract_from_yaml
from .contract_spec import DIMENSIONS, FIELD_TYPES, ContractSpec
from .models import (
    CheckResult,
    CheckRun,
    DataContract,
    Dataset,
    Incident,
    IncidentEvent,
    IncidentStatus,
    Monitor,
    MonitorStatus,
    Ping,
    Rotation,
    Runbook,
    RunStatus,
    Warehouse,
)
from .services import StaleVersion
from .warehouse_access import (
    Endpoint,
    WarehouseRefused,
    connection_refusal,
    dsn_refusal,
    endpoint,
    refuse,
    schema_refusal,
)

DATA_ADMINS: frozenset[str] = ADMINS
RUNNERS: frozenset[str] = MOPS_STAFF
RUN_TASK = "governance.tasks.dataset_run_checks_task"


class RunInProgress(Exception):
    """Another run of this dataset holds the claim."""


def knob(name: str, default: int) -> int:
    """A governance setting: Django setting, else environment variable, else the default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "").strip() or default
    return int(value)


def _require(actor: Any, roles: Iterable[str], what: str) -> None:
    if not has_role(actor, roles):
        raise PermissionDenied(f"Your role does not allow {what}.")


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


# --- warehouses and datasets -----------------------------------------------------------------


def app_database_conninfo() -> str:
    """Connection string of the app's own database role: for creating the demo warehouse
    only (`health_demo`), never for data-health queries."""
    db = connections["default"].settings_dict
    return psycopg.conninfo.make_conninfo(
        host=db.get("HOST") or "127.0.0.1",
        port=str(db.get("PORT") or 5432),
        dbname=db["NAME"],
        user=db.get("USER") or "",
        password=db.get("PASSWORD") or "",
    )


def _app_endpoint() -> Endpoint:
    return endpoint(app_database_conninfo())


def _app_identity() -> tuple[str, str] | None:
    """(system_identifier, current_database()) of the app's database, None if unreadable."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT system_identifier::text FROM pg_control_system()), "
                "current_database()"
            )
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return (row[0], row[1]) if row and row[0] else None


def warehouse_connect(warehouse: Warehouse) -> psycopg.Connection:
    """A read-only connection with the warehouse's statement timeout, as the warehouse's own
    login role. Raises WarehouseRefused (naming `dsn`) for a blank connection string, the
    app's own database or role, or a superuser login — see `governance.warehouse_access`."""
    refusal = dsn_refusal(warehouse.dsn or "", _app_endpoint())
    if refusal:
        raise refuse(f"{warehouse}: {refusal}")
    conn = connect_readonly(warehouse.dsn, timeout_ms=warehouse.statement_timeout_ms)
    try:
        refusal = connection_refusal(conn, _app_identity())
    except psycopg.Error:
        conn.close()
        raise
    if refusal:
        conn.close()
        raise refuse(f"{warehouse}: {refusal}")
    return conn


def warehouse_save(
    *,
    actor: Any,
    name: str,
    dsn: str | None = None,
    statement_timeout_ms: int = 30_000,
    is_demo: bool = False,
    warehouse: Warehouse | None = None,
) -> Warehouse:
    """Create or update a warehouse; a `dsn` of None keeps the stored secret.

    The connection string is refused (on `dsn`) when blank, when it resolves to the app's own
    database or logs in as the app's own role on its server.
    """
    _require(actor, DATA_ADMINS, "managing warehouses")
    warehouse = warehouse or Warehouse()
    warehouse.name = name
    warehouse.statement_timeout_ms = statement_timeout_ms
    warehouse.is_demo = is_demo
    if dsn is not None:
        dsn = dsn.strip()
        if dsn and not dsn.startswith(("postgresql://", "postgres://", "host=", "dbname=")):
            raise ValidationError(
                {"dsn": "Use a PostgreSQL URL (postgresql://…) or key=value DSN."}
            )
        warehouse.dsn = dsn
    refusal = dsn_refusal(warehouse.dsn or "", _app_endpoint())
    if refusal:
        raise ValidationError({"dsn": refusal})
    warehouse.full_clean()
    with transaction.atomic():
        set_change_reason(warehouse, "warehouse saved")
        warehouse.save()
    return warehouse


def _cron_parts(expression: str) -> dict[str, str]:
    parts = expression.split()
    if len(parts) != 5:
        raise ValidationError({"schedule": "A cron expression has five fields: m h dom mon dow."})
    names = ["minute", "hour", "day_of_month", "month_of_year", "day_of_week"]
    values = dict(zip(names, parts, strict=True))
    try:
        from celery.schedules import crontab

        crontab(**values)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"schedule": f"Invalid cron expression: {exc}"}) from None
    return values


def dataset_schedule_sync(dataset: Dataset) -> PeriodicTask:
    """One django-celery-beat PeriodicTask per dataset, following `schedule` and `enabled`."""
    values = _cron_parts(dataset.schedule)
    crontab, _ = CrontabSchedule.objects.get_or_create(**values, timezone=settings.CELERY_TIMEZONE)
    name = f"governance: checks of dataset {dataset.pk}"
    task = dataset.periodic_task or PeriodicTask.objects.filter(name=name).first() or PeriodicTask()
    task.name = name
    task.task = RUN_TASK
    task.crontab = crontab
    task.interval = None
    task.kwargs = json.dumps({"dataset_id": dataset.pk, "mode": "full", "trigger": "schedule"})
    task.enabled = dataset.enabled
    task.description = f"Data-health checks of {dataset}"
    task.save()
    if dataset.periodic_task_id != task.pk:
        Dataset.objects.filter(pk=dataset.pk).update(periodic_task=task)
        dataset.periodic_task = task
    return task


def dataset_save(
    *,
    actor: Any,
    warehouse: Warehouse,
    schema: str,
    table: str,
    dataset: Dataset | None = None,
    **values: Any,
) -> Dataset:
    """Create or update a dataset and its beat schedule."""
    _require(actor, DATA_ADMINS, "managing datasets")
    dataset = dataset or Dataset()
    dataset.warehouse = warehouse
    dataset.schema = schema
    dataset.table = table
    for key in ("description", "owner", "team", "schedule", "enabled"):
        if key in values:
            setattr(dataset, key, values[key])
    _cron_parts(dataset.schedule)
    dataset.full_clean()
    with transaction.atomic():
        set_change_reason(dataset, "dataset saved")
        dataset.save()
        dataset_schedule_sync(dataset)
    return dataset


def dataset_introspect(*, dataset: Dataset) -> list[dict[str, str]]:
    """Columns and types of the dataset, read from its warehouse (stored in last_columns)."""
    from governance.health.checks import introspect

    try:
        with warehouse_connect(dataset.warehouse) as conn:
            info = introspect(conn, [(dataset.schema, dataset.table)]).get(
                (dataset.schema, dataset.table)
            )
    except psycopg.Error as exc:
        raise ValidationError(f"Cannot reach the warehouse: {describe_error(exc, 0)}") from None
    if info is None:
        raise ValidationError(f"{dataset} was not found in {dataset.warehouse}.")
    columns = [{"name": n, "type": t} for n, t in info.columns.items()]
    Dataset.objects.filter(pk=dataset.pk).update(last_columns=columns)
    dataset.last_columns = columns
    return columns


# --- contracts -------------------------------------------------------------------------------


def contract_draft(*, dataset: Dataset, actor: Any) -> dict[str, Any]:
    """A first contract drafted from the table (types, NOT NULL, keys, formats observed in a
    bounded sample) as {"spec", "yaml", "notes", "formats"}; nothing is saved — the owner
    refines the YAML and saves it through `contract_import_yaml`."""
    from .contract_codec import contract_to_yaml, spec_to_dict
    from .contract_draft import draft_contract

    _require(actor, DATA_ADMINS, "editing data contracts")
    try:
        with warehouse_connect(dataset.warehouse) as conn:
            draft = draft_contract(
                conn,
                schema=dataset.schema,
                table=dataset.table,
                timeout_ms=dataset.warehouse.statement_timeout_ms,
            )
    except psycopg.Error as exc:
        raise ValidationError(f"Cannot reach the warehouse: {describe_error(exc, 0)}") from None
    except LookupError as exc:
        raise ValidationError({"table": str(exc)}) from None
    spec = spec_to_dict(draft.spec)
    text = contract_to_yaml(
        spec,
        name=str(dataset),
        version=1,
        status="draft",
        description=f"Drafted from {dataset} — review types, add rules and thresholds.",
        owner=dataset.owner.username if dataset.owner_id else "",
        consumers=[],
        server=dataset.warehouse.name,
    )
    return {"spec": spec, "yaml": text, "notes": draft.notes, "formats": draft.formats}


def contract_save(
    *,
    dataset: Dataset,
    actor: Any,
    spec: Mapping[str, Any] | ContractSpec,
    description: str | None = None,
    consumers: list[str] | None = None,
    status: str | None = None,
    expected_version: int | None = None,
    reason: str = "contract saved",
) -> DataContract:
    """Create or replace the dataset's contract; every save is a new version.

    The spec must name the dataset's own table. A stale `expected_version` → 412.
    """
    from .contract_codec import spec_to_dict

    _require(actor, DATA_ADMINS, "editing data contracts")
    data = spec_to_dict(spec) if isinstance(spec, ContractSpec) else dict(spec)
    if (data.get("schema"), data.get("table")) != (dataset.schema, dataset.table):
        raise ValidationError(
            {
                "spec": f"The contract must describe {dataset} (schema and table), not "
                f"{data.get('schema')}.{data.get('table')}."
            }
        )
    for ref in data.get("references") or []:
        target = ref.get("target_schema") if isinstance(ref, Mapping) else None
        if target and schema_refusal(str(target)):
            raise ValidationError(
                {"spec": f"references.{ref.get('name')}: {schema_refusal(str(target))}"}
            )
    with transaction.atomic():
        contract = DataContract.objects.select_for_update().filter(dataset=dataset).first()
        if contract is None:
            contract = DataContract(dataset=dataset, version=0)
        elif expected_version is not None and expected_version != contract.version:
            raise StaleVersion()
        contract.spec = data
        contract.version += 1
        if description is not None:
            contract.description = description
        if consumers is not None:
            contract.consumers = [c.strip() for c in consumers if c.strip()]
        if status is not None:
            contract.status = status
        try:
            contract.full_clean(exclude=["dataset"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        set_change_reason(contract, reason)
        contract.save()
    return contract


def contract_import_yaml(
    *, dataset: Dataset, actor: Any, text: str, expected_version: int | None = None
) -> DataContract:
    """Replace the contract from ODCS YAML; errors name the YAML line."""
    _require(actor, DATA_ADMINS, "editing data contracts")
    try:
        parsed = contract_from_yaml(text)
    except ContractYamlError as exc:
        raise ValidationError(
            {
                "yaml": [
                    f"line {ln}: {path}: {msg}" if ln else f"{path}: {msg}"
                    for ln, path, msg in exc.errors
                ]
            }
        ) from None
    return contract_save(
        dataset=dataset,
        actor=actor,
        spec=parsed["spec"],
        description=parsed["description"],
        consumers=parsed["consumers"],
        expected_version=expected_version,
        reason="contract imported from YAML",
    )


# --- runs ---------------------------------------------------------------------------------------


def _queued_key(dataset_id: int) -> str:
    return f"governance:run-queued:{dataset_id}"


def dataset_run_queue(*, dataset: Dataset, actor: Any, mode: str = "full") -> None:
    """ "Run checks now" from the page: the run goes to the worker (a warehouse query has no
    place in a web request). The dataset is marked queued (in the cache, for at most
    `GOVERNANCE_RUN_CLAIM_SECONDS`) until the worker's run ends, so the page polls meanwhile;
    a dataset already queued or running is refused (RunInProgress)."""
    from django.core.cache import cache

    _require(actor, RUNNERS, "running checks")
    if mode not in CheckRun.Mode.values:
        raise ValidationError({"mode": f"Unknown mode {mode!r}; use full or incremental."})
    if dataset_run_pending(dataset):
        raise RunInProgress(f"Dataset {dataset.pk} is already queued or being checked.")
    claim = knob("GOVERNANCE_RUN_CLAIM_SECONDS", 900)
    cache.set(_queued_key(dataset.pk), timezone.now().isoformat(), timeout=claim)

    def send() -> None:
        from .tasks import dataset_run_checks_task

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

    stale = timezone.now() - timedelta(seconds=knob("GOVERNANCE_RUN_CLAIM_SECONDS", 900))
    running = dataset.running_since is not None and dataset.running_since >= stale
    return running or cache.get(_queued_key(dataset.pk)) is not None


def dataset_run_dequeue(dataset_id: int) -> None:
    """The worker's run ended (or was dropped): the dataset is no longer queued."""
    from django.core.cache import cache

    cache.delete(_queued_key(dataset_id))


def _claim(dataset_id: int, now: datetime) -> bool:
    stale = now - timedelta(seconds=knob("GOVERNANCE_RUN_CLAIM_SECONDS", 900))
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
    actor: Any = None,
    attempt: int = 1,
) -> CheckRun:
    """Run one dataset's checks and store the run, results, scores, anomalies, incidents.

    Raises RunInProgress when another run holds the dataset. A database that cannot be
    reached, a timeout or a missing table gives a run with status `error` and the reason.
    """
    if actor is not None:
        _require(actor, RUNNERS, "running checks")
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
                        sample_limit=knob("GOVERNANCE_SAMPLE_LIMIT", 20),
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
        check = judged.get(incident.check_key)
        if check is not None and check.status in ("pass", "warn"):
            incident_resolve_for_source(
                source_key=incident.source_key,
                note=f"{check.key} is {check.status} again in run #{run.pk}.",
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
    incident: Incident, name: str, actor: Any = None, note: str = "", at: datetime | None = None
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
    runbook = incident.runbook.get_absolute_url() if incident.runbook_id else ""
    body = f"{incident.summary}\n\n{settings.SITE_URL}{url}\n" + (
        f"Runbook: {settings.SITE_URL}{runbook}\n" if runbook else ""
    )
    key = f"incident:{incident.pk}:{what}{key_suffix}"
    if incident.rotation_id:
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


def incident_acknowledge(*, incident: Incident, actor: Any, note: str = "") -> Incident:
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
    *, incident: Incident, actor: Any = None, note: str = "", now: datetime | None = None
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
        wait = timedelta(minutes=incident.rotation.escalate_after_minutes)
        since = incident.escalated_at or incident.opened_at
        if since + wait > now:
            continue
        level = incident.escalation_level + 1
        members = oncall_members(incident.rotation)
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
    actor: Any,
    name: str,
    period: timedelta,
    grace: timedelta,
    description: str = "",
    runbook: Runbook | None = None,
    monitor: Monitor | None = None,
    paused: bool | None = None,
) -> Monitor:
    _require(actor, DATA_ADMINS, "managing monitors")
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


def monitor_ping(
    *,
    monitor: Monitor,
    method: str = "GET",
    remote_addr: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Ping:
    """Record a heartbeat: the monitor is up until now + period + grace; an open
    missed-ping incident is resolved (recovery notice). Status moves by UPDATE (no history
    row per ping)."""
    now = now or timezone.now()
    with transaction.atomic():
        ping = Ping.objects.create(
            monitor=monitor,
            received_at=now,
            method=method[:8],
            remote_addr=remote_addr,
            user_agent=user_agent[:200],
        )
        Monitor.objects.filter(pk=monitor.pk).exclude(status=MonitorStatus.PAUSED).update(
            status=MonitorStatus.UP
        )
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
    actor: Any,
    slug: str,
    title: str,
    body: str,
    summary: str = "",
    failure_modes: list[str] | None = None,
    runbook: Runbook | None = None,
    expected_version: int | None = None,
) -> Runbook:
    """Create or edit a runbook; each edit is a new version (history keeps them all)."""
    _require(actor, MOPS_STAFF, "editing runbooks")
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
        runbook.full_clean()
        set_change_reason(runbook, "runbook saved")
        runbook.save()
    return runbook


# --- dbt import ------------------------------------------------------------------------------

_CONTRACT_TYPE_ORDER = ("integer", "number", "boolean", "timestamp", "date", "uuid", "json")


def _contract_type(pg_type: str) -> str:
    return next((t for t in _CONTRACT_TYPE_ORDER if pg_type in FIELD_TYPES[t]), "text")


def datasets_import_dbt(
    *, actor: Any, warehouse: Warehouse, manifest: str
) -> tuple[list[Dataset], list[str]]:
    """A dbt ``manifest.json`` → one dataset per model in ``warehouse`` (created, or found by
    schema and table) and a new contract version from its schema tests; all or nothing.

    Columns dbt gives no ``data_type`` take the table's type when the warehouse answers, so a
    guess never shows as schema drift. Errors name the JSON line or the dbt node (400 on
    ``manifest``); tests that are not imported are returned as notes.
    """
    from governance.health.dbt_import import ManifestError, import_manifest

    _require(actor, DATA_ADMINS, "importing dbt projects")
    try:
        imported = import_manifest(manifest)
    except ManifestError as exc:
        raise ValidationError({"manifest": exc.errors}) from None
    notes = list(imported.notes)
    datasets = []
    with transaction.atomic():
        for model in imported.models:
            existing = Dataset.objects.filter(
                warehouse=warehouse, schema=model.schema, table=model.table
            ).first()
            extra = {"description": model.description} if model.description else {}
            dataset = dataset_save(
                actor=actor,
                warehouse=warehouse,
                schema=model.schema,
                table=model.table,
                dataset=existing,
                **extra,
            )
            spec = dict(model.spec)
            if any("type" not in f for f in spec["fields"]):
                try:
                    types = {c["name"]: c["type"] for c in dataset_introspect(dataset=dataset)}
                except ValidationError as exc:
                    types = {}
                    notes.append(
                        f"{model.node_id}: types not read from the table ({exc.messages[0]})"
                    )
                spec["fields"] = [
                    f
                    if "type" in f or f["name"] not in types
                    else {**f, "type": _contract_type(types[f["name"]])}
                    for f in spec["fields"]
                ]
            contract_save(dataset=dataset, actor=actor, spec=spec, reason="imported from dbt")
            datasets.append(dataset)
    return datasets, notes
