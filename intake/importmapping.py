"""Pure core of the request import (#21): detect a Jira/Asana CSV's columns, map them to mops
fields and its status values to lifecycle states, and report problems as "row N: field: problem".

No Django import: the import service (to come) writes what this module parses."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

FIELDS = (
    "source_id",
    "title",
    "service",
    "requester",
    "team",
    "status",
    "created",
    "resolved",
    "description",
)
REQUIRED = ("source_id", "title", "status", "created")

# The usual headers of each tool's CSV export, lower-cased.
DEFAULT_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "jira": {
        "source_id": ("issue key", "key"),
        "title": ("summary",),
        "service": ("request type", "customer request type", "issue type"),
        "requester": ("reporter", "creator"),
        "team": ("team", "organizations", "component/s"),
        "status": ("status",),
        "created": ("created",),
        "resolved": ("resolved", "resolution date"),
        "description": ("description",),
    },
    "asana": {
        "source_id": ("task id",),
        "title": ("name",),
        "service": ("section/column", "tags"),
        "requester": ("created by", "assignee email", "assignee"),
        "team": ("projects",),
        "status": ("status", "section/column"),
        "created": ("created at",),
        "resolved": ("completed at",),
        "description": ("notes",),
    },
}

# Source status (lower-cased) -> mops lifecycle state.
DEFAULT_STATUSES: dict[str, str] = {
    "open": "submitted",
    "to do": "submitted",
    "new": "submitted",
    "waiting for support": "submitted",
    "waiting for customer": "needs_info",
    "pending": "needs_info",
    "accepted": "accepted",
    "selected for development": "accepted",
    "in progress": "in_progress",
    "in review": "in_qa",
    "qa": "in_qa",
    "scheduled": "scheduled",
    "done": "closed",
    "resolved": "closed",
    "closed": "closed",
    "completed": "closed",
    "live": "live",
    "declined": "rejected",
    "won't do": "rejected",
    "rejected": "rejected",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}
DATE_FORMATS = ("%d/%b/%y %I:%M %p", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.problem}"


@dataclass
class ParsedRow:
    row: int
    values: dict[str, str]
    status: str
    created: datetime
    resolved: datetime | None


@dataclass
class Parsed:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def detect_mapping(*, headers: list[str], system: str) -> dict[str, str]:
    """Map each mops field to the first CSV header that the system's export usually uses."""
    lowered = {h.strip().lower(): h for h in headers}
    mapping: dict[str, str] = {}
    for name, candidates in DEFAULT_HEADERS[system].items():
        for candidate in candidates:
            if candidate in lowered:
                mapping[name] = lowered[candidate]
                break
    return mapping


def parse_date(value: str) -> datetime | None:
    """A naive datetime from the formats Jira and Asana export; None when none fits."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - the service localises it in the import's time zone
        except ValueError:
            continue
    return None


def parse_csv(
    *,
    text: str,
    system: str,
    mapping: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
) -> Parsed:
    """Parse an export; row numbers count the header as row 1, as a spreadsheet shows them."""
    reader = csv.DictReader(io.StringIO(text))
    headers = list(reader.fieldnames or [])
    mapping = mapping if mapping is not None else detect_mapping(headers=headers, system=system)
    statuses = {**DEFAULT_STATUSES, **{k.lower(): v for k, v in (statuses or {}).items()}}
    parsed = Parsed(headers=headers, mapping=mapping)
    for name in REQUIRED:
        if name not in mapping:
            parsed.errors.append(RowError(1, name, "no column mapped"))
    if parsed.errors:
        return parsed
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        values = {name: (raw.get(column) or "").strip() for name, column in mapping.items()}
        errors = [RowError(number, name, "required") for name in REQUIRED if not values.get(name)]
        if values["source_id"] in seen:
            errors.append(RowError(number, "source_id", f"duplicate {values['source_id']}"))
        seen.add(values["source_id"])
        status = statuses.get(values["status"].lower(), "")
        if values["status"] and not status:
            errors.append(RowError(number, "status", f"unknown status {values['status']!r}"))
        created = parse_date(values["created"]) if values["created"] else None
        if values["created"] and created is None:
            errors.append(RowError(number, "created", f"not a date: {values['created']!r}"))
        resolved = parse_date(values["resolved"]) if values.get("resolved") else None
        if values.get("resolved") and resolved is None:
            errors.append(RowError(number, "resolved", f"not a date: {values['resolved']!r}"))
        if created and resolved and resolved < created:
            errors.append(RowError(number, "resolved", "before created"))
        if errors:
            parsed.errors.extend(errors)
        elif created is not None:
            parsed.rows.append(ParsedRow(number, values, status, created, resolved))
    return parsed
