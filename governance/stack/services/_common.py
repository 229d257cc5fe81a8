"""What the stack's writes share: roles, field lists, version and field checks, and the
CSV line reading and lookups of the tool, inventory and seat imports."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from governance.models import DataContract
from mops.accounts.models import Team, User
from mops.accounts.roles import MOPS_STAFF, READ_EVERYTHING

STACK_READERS: frozenset[str] = READ_EVERYTHING
STACK_EDITORS: frozenset[str] = MOPS_STAFF

TOOL_FIELDS = (
    "name",
    "layer",
    "vendor",
    "owner",
    "team",
    "status",
    "status_reason",
    "purpose",
    "holds_personal_data",
    "data_contract",
    "sso",
    "admin_url",
    "docs_url",
    "evaluation_rfc",
)
FLOW_FIELDS = (
    "source",
    "target",
    "objects_synced",
    "direction",
    "schedule",
    "owner",
    "pattern",
    "monitor",
    "data_contract",
)
CONTRACT_FIELDS = (
    "tool",
    "vendor",
    "starts_on",
    "ends_on",
    "annual_cost",
    "currency",
    "seats_bought",
    "notice_days",
    "auto_renew",
    "owner",
)
# Days before the notice deadline at which the contract's owner is alerted.
RENEWAL_ALERT_DAYS: tuple[int, ...] = (90, 60, 30)


def _who(actor: User) -> str:
    return actor.username if actor is not None else "system"


@dataclass
class ImportRow:
    """One line of a tool CSV: what would happen to it, or why it cannot."""

    line: int
    name: str
    action: str = ""  # "create" | "update"
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}


def _choice(raw: str, choices: Any, column: str, errors: list[str]) -> str:
    """A choice matched by code or label, case-insensitive; an error names the column."""
    wanted = raw.strip().lower()
    for value, label in choices.choices:
        if wanted in (value, str(label).lower()):
            return value
    allowed = ", ".join(value for value, _ in choices.choices)
    errors.append(f"{column}: '{raw}' is not one of {allowed}.")
    return ""


def _flag(raw: str, column: str, errors: list[str]) -> bool:
    wanted = raw.strip().lower()
    if wanted in _TRUE:
        return True
    if wanted not in _FALSE:
        errors.append(f"{column}: '{raw}' is not yes or no.")
    return False


def _lookup_user(raw: str, errors: list[str]) -> Any:
    if not raw:
        return None
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=raw) | Q(email__iexact=raw), is_active=True)
        .first()
    )
    if user is None:
        errors.append(f"owner: no active person '{raw}' (username or e-mail).")
    return user


def _lookup_team(raw: str, errors: list[str]) -> Team | None:
    if not raw:
        return None
    team = Team.objects.filter(Q(slug__iexact=raw) | Q(name__iexact=raw)).first()
    if team is None:
        errors.append(f"team: no team '{raw}'.")
    return team


def _lookup_contract(raw: str, errors: list[str]) -> DataContract | None:
    if not raw:
        return None
    schema, _, table = raw.strip().partition(".")
    contract = DataContract.objects.filter(dataset__schema=schema, dataset__table=table).first()
    if contract is None:
        errors.append(f"data_contract: no data contract for dataset '{raw}' (schema.table).")
    return contract


def csv_rows(reader: csv.DictReader) -> Iterator[dict[str, str]]:
    """The reader's rows; a line the csv module cannot read (a field over its size limit,
    an unclosed quote at the end) is a 400 naming the line, not a 500."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationError(
            {"file": f"Line {reader.line_num + 1}: not readable as CSV ({exc})."}
        ) from None


def csv_header(reader: csv.DictReader) -> list[str]:
    """The header's column names, lower-case and trimmed (a 400 if unreadable)."""
    try:
        return [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationError({"file": f"Line 1: not readable as CSV ({exc})."}) from None


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{f}: {m}" for f, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)
