"""Pure core of the request import (#21): guess which columns of a Jira Service Management
or Asana CSV export hold which request field, map its statuses to lifecycle states, check
every row ("Line N: column: problem") and work out the lifecycle history each row becomes.

No Django import: `intake.imports.services` resolves services and people and writes.

History: a row's final status is reached along the lifecycle's usual path (create, submit,
then triage, build, QA, schedule, live, close) and each step is an event at the time the
file gives for that milestone. A step the file has no time for takes the time of the step
before it (submitted ← created, triaged ← submitted, started ← triaged, live ← resolved),
so an unknown duration counts as zero, never an invented one; map a column to a milestone
for real figures. A status that ends the request (closed, rejected, cancelled, rolled back)
needs its end time (`resolved`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from dateutil import parser as dateparser

SYSTEMS = ("jira", "asana")
FIELDS = (
    "source_id",
    "title",
    "description",
    "status",
    "service",
    "requester",
    "assignee",
    "team",
    "priority",
    "labels",
    "due",
    "created",
    "submitted",
    "triaged",
    "started",
    "live",
    "resolved",
)
REQUIRED = ("source_id", "title", "status", "created")
TIME_FIELDS = ("created", "submitted", "triaged", "started", "live", "resolved")
FIELD_LABELS = {
    "source_id": "Source id (Issue key / Task ID)",
    "title": "Title",
    "description": "Description (the brief)",
    "status": "Status",
    "service": "Service (request type)",
    "requester": "Requester (e-mail or username)",
    "assignee": "Assignee (e-mail or username)",
    "team": "Team",
    "priority": "Priority",
    "labels": "Labels / tags",
    "due": "Due date (desired live date)",
    "created": "Created",
    "submitted": "Submitted",
    "triaged": "Triaged (accepted / rejected / asked for info)",
    "started": "Work started",
    "live": "Went live",
    "resolved": "Resolved / completed",
}
TITLE_MAX = 200

# The usual headers of each tool's CSV export, lower-cased, best first.
DEFAULT_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "jira": {
        "source_id": ("issue key", "key"),
        "title": ("summary",),
        "description": ("description",),
        "status": ("status",),
        "service": ("customer request type", "request type", "issue type"),
        "requester": ("reporter", "creator"),
        "assignee": ("assignee",),
        "team": ("team", "organizations", "component/s"),
        "priority": ("priority",),
        "labels": ("labels",),
        "due": ("due date", "due"),
        "created": ("created",),
        "submitted": ("custom field (submitted)",),
        "triaged": (
            "custom field (accepted)",
            "custom field (triaged)",
            "accepted",
            "triaged",
        ),
        "started": ("custom field (start date)", "start date"),
        "live": ("custom field (go-live date)", "custom field (live date)", "live date"),
        "resolved": ("resolved", "resolution date"),
    },
    "asana": {
        "source_id": ("task id",),
        "title": ("name",),
        "description": ("notes",),
        "status": ("status", "section/column"),
        "service": ("request type", "service"),
        "requester": ("created by", "requester"),
        "assignee": ("assignee email", "assignee"),
        "team": ("team", "projects"),
        "priority": ("priority",),
        "labels": ("tags",),
        "due": ("due date",),
        "created": ("created at",),
        "triaged": ("accepted", "triaged"),
        "started": ("start date",),
        "live": ("live date", "went live"),
        "resolved": ("completed at",),
    },
}

# Source status (lower-cased) -> mops lifecycle state.
DEFAULT_STATUSES: dict[str, str] = {
    "open": "submitted",
    "to do": "submitted",
    "new": "submitted",
    "backlog": "submitted",
    "triage": "submitted",
    "waiting for support": "submitted",
    "waiting for customer": "needs_info",
    "pending": "needs_info",
    "accepted": "accepted",
    "selected for development": "accepted",
    "in progress": "in_progress",
    "doing": "in_progress",
    "in review": "in_qa",
    "qa": "in_qa",
    "in qa": "in_qa",
    "scheduled": "scheduled",
    "live": "live",
    "done": "closed",
    "resolved": "closed",
    "closed": "closed",
    "completed": "closed",
    "declined": "rejected",
    "won't do": "rejected",
    "rejected": "rejected",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "rolled back": "rolled_back",
}
STATES = (
    "draft",
    "submitted",
    "needs_info",
    "accepted",
    "rejected",
    "in_progress",
    "in_qa",
    "scheduled",
    "live",
    "closed",
    "cancelled",
    "rolled_back",
)

# (transition, target state, the milestone whose time the step takes)
_CREATE = ("create", "draft", "created")
_SUBMIT = ("submit", "submitted", "submitted")
_ACCEPT = ("accept", "accepted", "triaged")
_BUILD = (
    _CREATE,
    _SUBMIT,
    _ACCEPT,
    ("start", "in_progress", "started"),
    ("send_to_qa", "in_qa", "started"),
    ("schedule", "scheduled", "started"),
)
_LIVE = ("go_live", "live", "live")
PATHS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "draft": (_CREATE,),
    "submitted": (_CREATE, _SUBMIT),
    "needs_info": (_CREATE, _SUBMIT, ("needs_info", "needs_info", "triaged")),
    "accepted": (_CREATE, _SUBMIT, _ACCEPT),
    "rejected": (_CREATE, _SUBMIT, ("reject", "rejected", "triaged")),
    "in_progress": _BUILD[:4],
    "in_qa": _BUILD[:5],
    "scheduled": _BUILD,
    "live": (*_BUILD, _LIVE),
    "closed": (*_BUILD, _LIVE, ("close", "closed", "resolved")),
    "rolled_back": (*_BUILD, _LIVE, ("roll_back", "rolled_back", "resolved")),
    "cancelled": (_CREATE, _SUBMIT, ("cancel", "cancelled", "resolved")),
}
ENDING = frozenset({"closed", "rejected", "cancelled", "rolled_back"})

_JIRA_DATE = "%d/%b/%y %I:%M %p"
_HAS_DIGIT = re.compile(r"\d")
_DEFAULT_A = datetime(2000, 1, 1)  # noqa: DTZ001 - sentinels that reveal missing date parts
_DEFAULT_B = datetime(2001, 2, 2)  # noqa: DTZ001


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.field}: {self.problem}"


@dataclass(frozen=True)
class Step:
    transition: str
    from_status: str
    to_status: str
    at: datetime


@dataclass
class ParsedRow:
    line: int
    values: dict[str, str]
    status: str
    times: dict[str, datetime]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        return self.values["source_id"]

    def history(self) -> list[Step]:
        """The lifecycle steps to this row's status, each at its milestone's time."""
        return history(self.status, self.times)


@dataclass
class Parsed:
    mapping: dict[str, str]
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def detect_system(headers: Iterable[str]) -> str:
    """'asana' when the headers look like an Asana export (Task ID), else 'jira'."""
    lowered = {h.strip().lower() for h in headers}
    return "asana" if "task id" in lowered else "jira"


def detect_mapping(*, headers: list[str], system: str) -> dict[str, str]:
    """Map each mops field to the first CSV header that the system's export usually uses
    (a header is used once)."""
    lowered = {h.strip().lower(): h for h in headers}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name, candidates in DEFAULT_HEADERS[system].items():
        for candidate in candidates:
            if candidate in lowered and lowered[candidate] not in used:
                mapping[name] = lowered[candidate]
                used.add(lowered[candidate])
                break
    return mapping


def guess_statuses(values: Iterable[str]) -> dict[str, str]:
    """The lifecycle state each source status value maps to by default ('' when unknown)."""
    return {v: DEFAULT_STATUSES.get(v.strip().lower(), "") for v in values}


def parse_date(value: str, *, tz: tzinfo, dayfirst: bool = False) -> datetime | None:
    """An aware datetime from the formats Jira, Asana and spreadsheets write (ISO 8601,
    '02/Mar/26 9:00 AM', 'Mar 2, 2026', '03/02/2026' — month first unless `dayfirst`);
    a value without a zone is in `tz`. None when the text is not a full date."""
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text, _JIRA_DATE)  # noqa: DTZ007 - localised below
        except ValueError:
            parsed = _parse_loose(text, dayfirst)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _parse_loose(text: str, dayfirst: bool) -> datetime | None:
    if not _HAS_DIGIT.search(text):
        return None
    try:
        a = dateparser.parse(text, default=_DEFAULT_A, dayfirst=dayfirst)
        b = dateparser.parse(text, default=_DEFAULT_B, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None
    # A part the text lacks is filled from the default: two defaults disagree on it.
    return a if a.date() == b.date() else None


def history(status: str, times: Mapping[str, datetime]) -> list[Step]:
    """The steps from nothing to `status`; a milestone without a time takes the previous
    step's time (live falls back to resolved first)."""
    steps: list[Step] = []
    previous_state = ""
    previous_at: datetime | None = None
    for transition, target, milestone in PATHS[status]:
        at = times.get(milestone)
        if at is None and milestone == "live":
            at = times.get("resolved")
        if at is None:
            at = previous_at
        assert at is not None  # created is required
        steps.append(Step(transition, previous_state, target, at))
        previous_state, previous_at = target, at
    return steps


def parse_rows(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    mapping: Mapping[str, str],
    statuses: Mapping[str, str] | None = None,
    tz: tzinfo,
    now: datetime,
    dayfirst: bool = False,
) -> Parsed:
    """Check every row and parse the good ones. Every problem of a row is reported, each
    naming its line and the file's column; a row with any problem is not parsed."""
    status_map = {**DEFAULT_STATUSES, **{k.strip().lower(): v for k, v in (statuses or {}).items()}}
    parsed = Parsed(mapping=dict(mapping))
    for name in REQUIRED:
        if not mapping.get(name):
            parsed.errors.append(RowError(1, FIELD_LABELS[name], "no column is mapped to it"))
    if parsed.errors:
        return parsed
    mapped_columns = set(mapping.values())
    first_line: dict[str, int] = {}
    for line, raw in rows:
        values = {name: (raw.get(column) or "").strip() for name, column in mapping.items()}
        errors: list[RowError] = []

        def fail(name: str, problem: str, *, line: int = line, errors: list = errors) -> None:
            errors.append(RowError(line, mapping.get(name, name), problem))

        for name in REQUIRED:
            if not values.get(name):
                fail(name, "is empty (it is required)")
        source_id = values["source_id"]
        if source_id:
            if source_id in first_line:
                fail("source_id", f"{source_id} already appears on line {first_line[source_id]}")
            else:
                first_line[source_id] = line
        status = ""
        if values["status"]:
            status = status_map.get(values["status"].lower(), "")
            if status not in STATES:
                fail(
                    "status",
                    f"unknown status {values['status']!r}; map it to a lifecycle state",
                )
                status = ""
        times: dict[str, datetime] = {}
        for name in TIME_FIELDS:
            text = values.get(name, "")
            if not text:
                continue
            at = parse_date(text, tz=tz, dayfirst=dayfirst)
            if at is None:
                fail(name, f"{text!r} is not a date (use e.g. 2026-03-02 09:00)")
            elif at > now:
                fail(name, f"{text!r} is in the future")
            else:
                times[name] = at
        errors.extend(_order_errors(line, mapping, times))
        if status in ENDING and "resolved" not in times and not errors:
            if not (status == "rejected" and "triaged" in times):
                fail("resolved", f"a {status} request needs its end time")
        due = values.get("due", "")
        if due and parse_date(due, tz=tz, dayfirst=dayfirst) is None:
            fail("due", f"{due!r} is not a date")
        if errors:
            parsed.errors.extend(errors)
            continue
        if len(values["title"]) > TITLE_MAX:
            values["title"] = values["title"][: TITLE_MAX - 1] + "…"
        extra = {
            column: value.strip()[:2000]
            for column, value in raw.items()
            if column not in mapped_columns and value and value.strip()
        }
        parsed.rows.append(ParsedRow(line, values, status, times, extra))
    return parsed


def _order_errors(
    line: int, mapping: Mapping[str, str], times: Mapping[str, datetime]
) -> list[RowError]:
    """Milestones must not go back in time (created ≤ submitted ≤ … ≤ resolved)."""
    errors: list[RowError] = []
    latest: tuple[str, datetime] | None = None
    for name in TIME_FIELDS:
        at = times.get(name)
        if at is None:
            continue
        if latest is not None and at < latest[1]:
            errors.append(
                RowError(
                    line,
                    mapping[name],
                    f"is before {mapping[latest[0]]} ({latest[1]:%Y-%m-%d %H:%M})",
                )
            )
        else:
            latest = (name, at)
    return errors
