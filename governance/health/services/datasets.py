"""Data-health writes for warehouses, datasets (+ their beat schedule), contracts and the dbt
import. `<entity>_<verb>(*, ..., actor)`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from governance.health.checks import connect_readonly, describe_error
from mops.accounts.models import User
from mops.accounts.roles import ADMINS
from mops.core.concurrency import StaleVersion
from mops.core.services import model_save, model_update, require_role

from ..contracts.codec import ContractYamlError, contract_from_yaml
from ..contracts.spec import FIELD_TYPES, ContractSpec
from ..models import (
    DataContract,
    Dataset,
    Warehouse,
)
from ..warehouse_access import (
    Endpoint,
    connection_refusal,
    dsn_refusal,
    endpoint,
    refuse,
    schema_refusal,
)

DATA_ADMINS: frozenset[str] = ADMINS
RUN_TASK = "governance.tasks.dataset_run_checks_task"


# --- warehouses and datasets -----------------------------------------------------------------


def app_database_conninfo() -> str:
    """Connection string of the app's own database role: for creating the demo warehouse
    only (`governance.health.demo`), never for data-health queries."""
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
    app's own database or role, or a superuser login — see `governance.health.warehouse_access`."""
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
    actor: User,
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
    require_role(actor, DATA_ADMINS, "manage warehouses")
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
    with transaction.atomic():
        model_save(warehouse, reason="warehouse saved")
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
        # No event: the link to the beat row is derived from the schedule, whose change the
        # dataset's own save already writes to its history (who, when, which schedule).
        Dataset.objects.filter(pk=dataset.pk).update(periodic_task=task)
        dataset.periodic_task = task
    return task


# What `dataset_save` sets from its keyword arguments (others are ignored).
DATASET_FIELDS = ("description", "owner", "team", "schedule", "enabled")


def dataset_save(
    *,
    actor: User,
    warehouse: Warehouse,
    schema: str,
    table: str,
    dataset: Dataset | None = None,
    **values: Any,
) -> Dataset:
    """Create or update a dataset and its beat schedule."""
    require_role(actor, DATA_ADMINS, "manage datasets")
    dataset = dataset or Dataset()
    dataset.warehouse = warehouse
    dataset.schema = schema
    dataset.table = table
    model_update(dataset, fields=DATASET_FIELDS, data=values)
    _cron_parts(dataset.schedule)
    with transaction.atomic():
        model_save(dataset, reason="dataset saved")
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
    # No event: last_columns is a cache of the warehouse's own catalogue (read-only
    # introspection, refreshed on demand), not a change anyone made to the dataset.
    Dataset.objects.filter(pk=dataset.pk).update(last_columns=columns)
    dataset.last_columns = columns
    return columns


# --- contracts -------------------------------------------------------------------------------


def contract_draft(*, dataset: Dataset, actor: User) -> dict[str, Any]:
    """A first contract drafted from the table (types, NOT NULL, keys, formats observed in a
    bounded sample) as {"spec", "yaml", "notes", "formats"}; nothing is saved — the owner
    refines the YAML and saves it through `contract_import_yaml`."""
    from ..contracts.codec import contract_to_yaml, spec_to_dict
    from ..contracts.draft import draft_contract

    require_role(actor, DATA_ADMINS, "edit data contracts")
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
        owner=dataset.owner.username if dataset.owner is not None else "",
        consumers=[],
        server=dataset.warehouse.name,
    )
    return {"spec": spec, "yaml": text, "notes": draft.notes, "formats": draft.formats}


def contract_save(
    *,
    dataset: Dataset,
    actor: User,
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
    from ..contracts.codec import spec_to_dict

    require_role(actor, DATA_ADMINS, "edit data contracts")
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
            model_save(contract, reason=reason, exclude=["dataset"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from None
    return contract


def contract_import_yaml(
    *, dataset: Dataset, actor: User, text: str, expected_version: int | None = None
) -> DataContract:
    """Replace the contract from ODCS YAML; errors name the YAML line."""
    require_role(actor, DATA_ADMINS, "edit data contracts")
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


# --- dbt import ------------------------------------------------------------------------------

_CONTRACT_TYPE_ORDER = ("integer", "number", "boolean", "timestamp", "date", "uuid", "json")


def _contract_type(pg_type: str) -> str:
    return next((t for t in _CONTRACT_TYPE_ORDER if pg_type in FIELD_TYPES[t]), "text")


def datasets_import_dbt(
    *, actor: User, warehouse: Warehouse, manifest: str
) -> tuple[list[Dataset], list[str]]:
    """A dbt ``manifest.json`` → one dataset per model in ``warehouse`` (created, or found by
    schema and table) and a new contract version from its schema tests; all or nothing.

    Columns dbt gives no ``data_type`` take the table's type when the warehouse answers, so a
    guess never shows as schema drift. Errors name the JSON line or the dbt node (400 on
    ``manifest``); tests that are not imported are returned as notes.
    """
    from governance.health.dbt_import import ManifestError, import_manifest

    require_role(actor, DATA_ADMINS, "import dbt projects")
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
