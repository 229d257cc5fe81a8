"""Business calendars and catalog services from a CSV or YAML file (#21), through the catalog
services (`calendar_create` / `calendar_update`, `service_create` / `service_update` /
`service_publish`), so every row is validated, permission-checked and audited exactly as on
the pages.

Conventions (the same as the request import): every row is checked first and the answer
lists each row with what would happen (`create`, `update`, `unchanged`) or its errors
("Line N: column: problem"); nothing is written unless `commit` and no row has an error;
the write is one transaction, so a service refusing row 7 leaves rows 1–6 unwritten too
(the refusal is reported on line 7). Rows are matched by `slug`: importing the same file
twice changes nothing the second time.

Calendars — columns: name, slug, time_zone, mon … sun ("09:00-17:00", "09:00-12:00,
13:00-17:00", empty = closed), holiday_regions ("US;US-NY"), closed_days ("2026-12-24
Christmas Eve; 2026-12-31"). Services — columns: name, slug, description, owner_team (team
name), channels ("email;landing_page"), change_type, default_complexity, sla_policy (slug),
self_serve (yes/no), instructions, input_definition (JSON, or a YAML list), status
("active" publishes it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mops.accounts.models import Team, User
from mops.core.lifecycle import TransitionError
from mops.core.services import require_role
from mops.core.tabular import Table, TableError, read_table
from mops.core.uploads import upload_max_bytes

from .models import Calendar, Service, ServiceStatus, SlaPolicy
from .services import (
    CALENDAR_EDITORS,
    CATALOG_EDITORS,
    calendar_create,
    calendar_update,
    parse_week_text,
    service_create,
    service_publish,
    service_update,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRUE = {"yes", "true", "1", "y"}
FALSE = {"no", "false", "0", "n", ""}


@dataclass
class ImportRow:
    line: int
    key: str
    action: str = ""  # create | update | unchanged
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


class _Rollback(Exception):
    pass


def _table(data: bytes, filename: str, key: str) -> Table:
    try:
        return read_table(
            data,
            filename=filename,
            max_bytes=upload_max_bytes(),
            yaml_key=key,
        )
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {m}" for name, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]


def _keyed_rows(table: Table) -> Iterator[tuple[ImportRow, Callable[..., str | None]]]:
    """Each row of `table` with its cell reader (column names trimmed and lower-cased, values
    trimmed), already refused when its name or slug is missing or its slug came before."""
    seen: dict[str, int] = {}
    for line, raw in table.rows:
        get = {k.strip().lower(): (v or "").strip() for k, v in raw.items()}.get
        row = ImportRow(line=line, key=get("slug", "") or "")
        if not row.key or not get("name", ""):
            row.errors.append("name, slug: both are required.")
        elif row.key in seen:
            row.errors.append(f"slug: {row.key} already appears on line {seen[row.key]}.")
        seen.setdefault(row.key, line)
        yield row, get


def _run(
    rows: list[ImportRow],
    commit: bool,
    write: Callable[[ImportRow], None],
) -> list[ImportRow]:
    """Write every row in one transaction when asked and nothing is wrong; a refusal from
    a service lands on its row and undoes the rest."""
    if not commit or any(r.errors for r in rows):
        return rows
    try:
        with transaction.atomic():
            for row in rows:
                if row.action == "unchanged":
                    continue
                try:
                    write(row)
                except ValidationError as exc:
                    row.errors.extend(_messages(exc))
                except (PermissionDenied, TransitionError) as exc:
                    row.errors.append(str(exc))
            if any(r.errors for r in rows):
                raise _Rollback
    except _Rollback:
        pass
    return rows


# --- calendars ----------------------------------------------------------------------------


def _closed_days(text: str) -> list[tuple[date, str]]:
    days = []
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        day, _, name = part.partition(" ")
        try:
            days.append((date.fromisoformat(day), name.strip() or "Company closed day"))
        except ValueError:
            raise ValidationError(
                {"closed_days": f"'{day}' is not a date like 2026-12-24."}
            ) from None
    return days


def calendars_import(*, actor: User, data: bytes, filename: str, commit: bool) -> list[ImportRow]:
    """Business calendars (working week, holiday regions, closed days) by slug."""
    require_role(actor, CALENDAR_EDITORS, "import business calendars")
    table = _table(data, filename, "calendars")
    existing = {c.slug: c for c in Calendar.objects.prefetch_related("closed_days")}
    rows: list[ImportRow] = []
    for row, get in _keyed_rows(table):
        try:
            week = parse_week_text({i: get(day, "") or "" for i, day in enumerate(DAYS)})
        except ValidationError as exc:
            week = {}
            for name, messages in exc.message_dict.items():
                day = DAYS[int(name[4:])] if name.startswith("day_") else name
                row.errors.extend(f"{day}: {m}" for m in messages)
        try:
            closed = _closed_days(get("closed_days", "") or "")
        except ValidationError as exc:
            closed = []
            row.errors.extend(_messages(exc))
        row.values = {
            "name": get("name", ""),
            "slug": row.key,
            "time_zone": get("time_zone", "") or "",
            "working_hours": week,
            "holiday_regions": _split(get("holiday_regions", "") or ""),
            "closed_days": closed,
        }
        current = existing.get(row.key)
        row.action = "create" if current is None else _calendar_action(current, row.values)
        rows.append(row)

    def write(row: ImportRow) -> None:
        values = dict(row.values)
        if row.action == "create":
            calendar_create(actor=actor, **values)
        else:
            values.pop("slug")
            calendar_update(calendar=existing[row.key], actor=actor, **values)

    return _run(rows, commit, write)


def _calendar_action(current: Calendar, values: dict[str, Any]) -> str:
    same = (
        current.name == values["name"]
        and (not values["time_zone"] or current.time_zone == values["time_zone"])
        and current.working_hours == values["working_hours"]
        and list(current.holiday_regions) == values["holiday_regions"]
        and sorted((c.date, c.name) for c in current.closed_days.all())
        == sorted(values["closed_days"])
    )
    return "unchanged" if same else "update"


# --- services -----------------------------------------------------------------------------

SERVICE_COLUMNS = (
    "description",
    "channels",
    "change_type",
    "default_complexity",
    "self_serve",
    "instructions",
    "input_definition",
)


def services_import(*, actor: User, data: bytes, filename: str, commit: bool) -> list[ImportRow]:
    """Catalog services by slug: new ones are created (published with status 'active'),
    known ones updated (a definition change makes a new service version, as on the page)."""
    require_role(actor, CATALOG_EDITORS, "import catalog services")
    table = _table(data, filename, "services")
    existing = {s.slug: s for s in Service.objects.select_related("sla_policy", "owner_team")}
    policies = {p.slug: p for p in SlaPolicy.objects.all()}
    teams = {t.name.lower(): t for t in Team.objects.all()}
    rows: list[ImportRow] = []
    for row, get in _keyed_rows(table):
        values: dict[str, Any] = {"name": get("name", "")}
        for column in SERVICE_COLUMNS:
            text = get(column, None)
            if text is None:
                continue
            if column == "channels":
                values[column] = _split(text)
            elif column == "self_serve":
                if text.lower() not in TRUE | FALSE:
                    row.errors.append(f"self_serve: '{text[:40]}' is not yes or no.")
                values[column] = text.lower() in TRUE
            elif column == "input_definition":
                try:
                    values[column] = json.loads(text) if text else []
                except json.JSONDecodeError as exc:
                    row.errors.append(f"input_definition: not JSON ({exc.msg}).")
            else:
                values[column] = text
        policy = get("sla_policy", "")
        if policy:
            if policy in policies:
                values["sla_policy"] = policies[policy]
            else:
                row.errors.append(f"sla_policy: no SLA policy '{policy[:60]}'.")
        elif row.key not in existing:
            row.errors.append("sla_policy: required for a new service.")
        team = get("owner_team", "")
        if team:
            if team.lower() in teams:
                values["owner_team"] = teams[team.lower()]
            else:
                row.errors.append(f"owner_team: no team '{team[:60]}'.")
        status = (get("status", "") or "").lower()
        if status and status not in ServiceStatus.values:
            row.errors.append(f"status: use one of {', '.join(ServiceStatus.values)}.")
        row.values = {"fields": values, "publish": status == ServiceStatus.ACTIVE}
        current = existing.get(row.key)
        if current is None:
            row.action = "create"
        else:
            changed = any(getattr(current, k) != v for k, v in values.items())
            publish = row.values["publish"] and current.status != ServiceStatus.ACTIVE
            row.action = "update" if changed or publish else "unchanged"
        rows.append(row)

    def write(row: ImportRow) -> None:
        fields = row.values["fields"]
        if row.action == "create":
            service = service_create(actor=actor, slug=row.key, **fields)
        else:
            service = existing[row.key]
            changes = {k: v for k, v in fields.items() if getattr(service, k) != v}
            if changes:
                service = service_update(service=service, actor=actor, **changes)
        if row.values["publish"] and service.status != ServiceStatus.ACTIVE:
            service_publish(service=service, actor=actor)

    return _run(rows, commit, write)
