"""Planning a run: every row checked and resolved (service, people, team) and sorted into
creates, updates, unchanged and skipped, with every error — nothing is written here."""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from catalog.models import Service
from mops.accounts.models import Team
from mops.accounts.roles import Role, has_role

from ... import importmapping as im
from ..models import ImportedRequest, ImportRun
from .progress import CHUNK, _set_progress
from .upload import _table

STAFF = frozenset({Role.PM, Role.ENGINEER, Role.ADMIN})


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


@dataclass
class _Lookups:
    """What every row of a run is resolved against, read once for the run."""

    services: dict[str, Service]
    people: dict[str, Any]
    teams: dict[str, Team]
    fallback_team: Any
    links: dict[str, ImportedRequest]
    tz: zoneinfo.ZoneInfo
    dayfirst: bool


def _plan(run: ImportRun, now: datetime) -> Plan:
    """Check every row and decide what each becomes (no write)."""
    parsed = _parse(run, now)
    plan = Plan(errors=list(parsed.errors))
    lookups = _lookups(run, parsed.rows)
    for index, row in enumerate(parsed.rows, start=1):
        if index % CHUNK == 0:
            _set_progress(run.pk, "checking", index)
        planned = _plan_row(run, row, lookups, plan.errors)
        if planned is not None:
            _classify(plan, planned, lookups.links.get(row.source_id))
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _parse(run: ImportRun, now: datetime) -> im.Parsed:
    """The run's file read with its mapping, statuses, time zone and date order."""
    options = run.options
    return im.parse_rows(
        rows=_table(run.text).rows,
        mapping=run.mapping,
        statuses=run.statuses,
        tz=zoneinfo.ZoneInfo(options.get("time_zone") or settings.TIME_ZONE),
        now=now,
        dayfirst=bool(options.get("dayfirst")),
    )


def _lookups(run: ImportRun, rows: list[im.ParsedRow]) -> _Lookups:
    options = run.options
    services, people = _services(run, rows), _people(rows)
    teams = {t.name.lower(): t for t in Team.objects.all()}
    default_team = teams.get(str(options.get("default_team") or "").lower())
    links = {
        link.source_id: link
        for link in ImportedRequest.objects.filter(
            system=run.system, source_id__in=[r.source_id for r in rows]
        ).select_related("request")
    }
    return _Lookups(
        services=services,
        people=people,
        teams=teams,
        fallback_team=default_team or getattr(run.created_by, "team", None),
        links=links,
        tz=zoneinfo.ZoneInfo(options.get("time_zone") or settings.TIME_ZONE),
        dayfirst=bool(options.get("dayfirst")),
    )


def _plan_row(
    run: ImportRun, row: im.ParsedRow, lookups: _Lookups, errors: list[im.RowError]
) -> Planned | None:
    """One row resolved to a service, people and a team; None, with its error added to
    `errors`, when no service or no team fits."""
    values, mapping = row.values, run.mapping
    service = lookups.services.get(values.get("service", "")) or lookups.services.get("")
    if service is None:
        shown = values.get("service") or "(empty)"
        errors.append(
            im.RowError(
                row.line,
                mapping.get("service", "service"),
                f"{shown!r} is not mapped to a catalog service (map it, or choose a "
                "default service)",
            )
        )
        return None
    extra = dict(row.extra)
    requester, assignee = _row_people(run, row, lookups.people, extra)
    team = (
        (getattr(requester, "team", None) if requester is not run.created_by else None)
        or lookups.teams.get(values.get("team", "").lower())
        or lookups.fallback_team
    )
    if team is None:
        errors.append(
            im.RowError(row.line, mapping.get("team", "team"),
                        "no team: map a Team column or choose a default team")
        )  # fmt: skip
        return None
    due_at = im.parse_date(values.get("due", ""), tz=lookups.tz, dayfirst=lookups.dayfirst)
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
    return planned


def _row_people(
    run: ImportRun, row: im.ParsedRow, people: dict[str, Any], extra: dict[str, str]
) -> tuple[Any, Any]:
    """(requester, assignee) of a row: an unknown requester is the importer, an unknown or
    non-staff assignee none; the names not matched are kept in `extra`."""
    values, mapping = row.values, run.mapping
    requester = people.get(values.get("requester", "").lower())
    if requester is None:
        if values.get("requester"):
            extra[mapping["requester"]] = values["requester"]
        requester = run.created_by
    assignee = people.get(values.get("assignee", "").lower())
    if values.get("assignee") and (assignee is None or not has_role(assignee, STAFF)):
        extra[mapping["assignee"]] = values["assignee"]
        assignee = None
    return requester, assignee


def _classify(plan: Plan, planned: Planned, link: ImportedRequest | None) -> None:
    """New, unchanged (same digest), skipped (changed in mops since) or an update."""
    if link is None:
        plan.creates.append(planned)
    elif link.row_hash == planned.digest:
        plan.unchanged += 1
    elif link.request.version != link.request_version:
        plan.skipped += 1
    else:
        planned.link = link
        plan.updates.append(planned)


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
