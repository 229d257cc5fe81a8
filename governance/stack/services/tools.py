"""Writes of tools: create, update, and the tool CSV import."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.services import fields_check, model_update, require_role
from mops.core.versioned import lock_for_edit

from .. import evaluation
from ..models import (
    GoldenPath,
    Layer,
    Tool,
)
from ._common import (
    STACK_EDITORS,
    TOOL_FIELDS,
    ImportRow,
    _choice,
    _flag,
    _lookup_contract,
    _lookup_team,
    _lookup_user,
    _validation_messages,
    _who,
    csv_header,
    csv_rows,
)

# --- tools ------------------------------------------------------------------------------------


def _tool_save(
    tool: Tool,
    *,
    reason: str,
    runbooks: Any,
    monitors: Any,
    previous: tuple[str, int | None] | None = None,
) -> Tool:
    """Validate (the model's rules, then the evaluation path's) and save. `previous`: the
    status and evaluation RFC before an edit."""
    tool.full_clean()
    previous_status, previous_rfc = previous or (None, None)
    if previous_rfc is not None and tool.evaluation_rfc_id is None:
        raise ValidationError(
            {"evaluation_rfc": "A tool's evaluation RFC stays on record; it cannot be removed."}
        )
    if previous_status == GoldenPath.EVALUATING and tool.status not in (
        GoldenPath.EVALUATING,
        GoldenPath.APPROVED,
        GoldenPath.REJECTED,
    ):
        raise ValidationError(
            {"status": "A tool under evaluation is either approved (new-tool RFC) or rejected."}
        )
    evaluation.check_evaluation_path(tool, previous_status=previous_status)
    set_change_reason(tool, reason)
    tool.save()
    if runbooks is not None:
        tool.runbooks.set(runbooks)
    if monitors is not None:
        tool.monitors.set(monitors)
    return tool


def tool_create(*, actor: User, runbooks: Any = None, monitors: Any = None, **fields: Any) -> Tool:
    """Register a tool. An *approved* one needs an owner, SSO and, if it holds personal
    data, its data contract (`Tool.clean`)."""
    require_role(actor, STACK_EDITORS, "edit the tech stack")
    fields_check(fields, fields=TOOL_FIELDS, message="Not a tool field.")
    tool = Tool(**fields)
    with transaction.atomic():
        return _tool_save(
            tool, reason=f"registered by {_who(actor)}", runbooks=runbooks, monitors=monitors
        )


def tool_update(
    *,
    tool: Tool,
    actor: User,
    expected_version: int | None = None,
    runbooks: Any = None,
    monitors: Any = None,
    **changes: Any,
) -> Tool:
    """Edit a tool (If-Match / hidden version). Moving it to *approved* re-checks the
    golden-path preconditions on the edited values."""
    require_role(actor, STACK_EDITORS, "edit the tech stack")
    fields_check(changes, fields=TOOL_FIELDS, message="Not a tool field.")
    with transaction.atomic():
        tool = lock_for_edit(tool, expected_version)
        previous = (tool.status, tool.evaluation_rfc_id)
        changed = model_update(tool, fields=TOOL_FIELDS, data=changes)
        reason = f"edited by {_who(actor)}"
        if "status" in changed:
            reason = f"{tool.get_status_display().lower()} by {_who(actor)}"
            if tool.status == GoldenPath.APPROVED and tool.evaluation_rfc is not None:
                reason += f" ({tool.evaluation_rfc.reference})"
        return _tool_save(
            tool, reason=reason, runbooks=runbooks, monitors=monitors, previous=previous
        )


# The tool's fields as CSV columns: `personal_data` for `holds_personal_data`; the evaluation
# RFC is set by the new-tool RFC, never imported.
TOOL_CSV_COLUMNS = tuple(
    "personal_data" if name == "holds_personal_data" else name
    for name in TOOL_FIELDS
    if name != "evaluation_rfc"
)


def tools_import_csv(*, actor: User, text: str, commit: bool) -> list[ImportRow]:
    """Create or update tools from a CSV (columns `TOOL_CSV_COLUMNS`, upsert by name).

    Every line is checked first, each error naming its line and column; nothing is written
    unless `commit` and no line has an error, and then all lines in one transaction.
    """
    require_role(actor, STACK_EDITORS, "import tools")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = csv_header(reader)
    missing = [c for c in ("name", "layer") if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": f"Line 1: the header needs the column(s) {', '.join(missing)} "
                f"(columns: {', '.join(TOOL_CSV_COLUMNS)})."
            }
        )
    existing = {t.name.lower(): t for t in Tool.objects.all()}
    rows: list[ImportRow] = []
    seen: set[str] = set()
    for raw in csv_rows(reader):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        row = ImportRow(line=reader.line_num, name=data.get("name", ""))
        errors = row.errors
        if not row.name:
            errors.append("name: required.")
        elif row.name.lower() in seen:
            errors.append(f"name: '{row.name}' appears twice in the file.")
        seen.add(row.name.lower())
        values: dict[str, Any] = {
            "name": row.name,
            "layer": _choice(data.get("layer", ""), Layer, "layer", errors),
            "vendor": data.get("vendor", ""),
            "owner": _lookup_user(data.get("owner", ""), errors),
            "team": _lookup_team(data.get("team", ""), errors),
            "status": _choice(data.get("status") or "tolerated", GoldenPath, "status", errors),
            "status_reason": data.get("status_reason", ""),
            "purpose": data.get("purpose", ""),
            "holds_personal_data": _flag(data.get("personal_data", ""), "personal_data", errors),
            "data_contract": _lookup_contract(data.get("data_contract", ""), errors),
            "sso": _flag(data.get("sso", ""), "sso", errors),
            "admin_url": data.get("admin_url", ""),
            "docs_url": data.get("docs_url", ""),
        }
        current = existing.get(row.name.lower())
        row.action = "update" if current else "create"
        if not errors:
            candidate = Tool(pk=current.pk if current else None, **values)
            try:
                candidate.full_clean(validate_unique=False)
            except ValidationError as exc:
                errors.extend(_validation_messages(exc))
        row.values = values
        rows.append(row)
    if not rows:
        raise ValidationError({"file": "The file has a header but no tools."})
    if commit and not any(r.errors for r in rows):
        with transaction.atomic():
            for row in rows:
                current = existing.get(row.name.lower())
                if current is None:
                    tool_create(actor=actor, **row.values)
                else:
                    tool_update(tool=current, actor=actor, **row.values)
    return rows
