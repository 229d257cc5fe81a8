"""The mapping of an uploaded export: previewing what it gives, checking what was chosen
(columns, statuses, services, defaults) before a run."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

from catalog.models import Service
from mops.accounts.models import Team

from ... import importmapping as im
from ..models import ImportRun
from .upload import _table

PREVIEW_ROWS = 5


@dataclass
class Preview:
    """What the mapping page shows: the guessed mapping, each distinct status and service
    value with the state / service it maps to, and the first rows as mapped."""

    mapping: dict[str, str]
    statuses: dict[str, str]
    services: dict[str, str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def import_preview(run: ImportRun) -> Preview:
    table = _table(run.text)
    mapping = dict(run.mapping)

    def distinct(name: str) -> list[str]:
        column = mapping.get(name)
        if not column:
            return []
        return sorted({(raw.get(column) or "").strip() for _, raw in table.rows} - {""})[:200]

    statuses = im.guess_statuses(distinct("status"))
    statuses.update({k: v for k, v in run.statuses.items() if k in statuses})
    services = {value: _guess_service(value) for value in distinct("service")}
    services.update({k: v for k, v in run.services.items() if k in services})
    rows = [
        (line, {name: (raw.get(column) or "") for name, column in mapping.items()})
        for line, raw in table.rows[:PREVIEW_ROWS]
    ]
    return Preview(mapping=mapping, statuses=statuses, services=services, rows=rows)


def _guess_service(value: str) -> str:
    found = (
        Service.objects.filter(Q(name__iexact=value) | Q(slug__iexact=value))
        .exclude(current_version=None)
        .values_list("slug", flat=True)
        .first()
    )
    return found or ""


def _clean_config(
    run: ImportRun,
    mapping: Any,
    statuses: Any,
    services: Any,
    options: Any,
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, Any]]:
    """Validate what the person chose; each problem names its field (mapping.status …)."""
    errors: dict[str, str] = {}
    for name, value in (("mapping", mapping), ("statuses", statuses), ("services", services)):
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            errors[name] = "Send an object of text → text."
    if not isinstance(options, Mapping):
        errors["options"] = "Send an object (default_service, default_team, time_zone, dayfirst)."
    if errors:
        raise ValidationError(errors)
    clean_mapping = {k: v for k, v in mapping.items() if v}
    for name, column in clean_mapping.items():
        if name not in im.FIELDS:
            errors[f"mapping.{name}"] = f"Not a request field; use {', '.join(im.FIELDS)}."
        elif column not in run.headers:
            errors[f"mapping.{name}"] = f"The file has no column '{column[:80]}'."
    for name in im.REQUIRED:
        if name not in clean_mapping and f"mapping.{name}" not in errors:
            errors[f"mapping.{name}"] = f"Map a column to {im.FIELD_LABELS[name]} (required)."
    clean_statuses = {k: v for k, v in statuses.items() if v}
    for value, state in clean_statuses.items():
        if state not in im.STATES:
            errors[f"statuses.{value[:60]}"] = (
                f"'{state[:40]}' is not a lifecycle state; use {', '.join(im.STATES)}."
            )
    clean_services = {k: v for k, v in services.items() if v}
    slugs = set(clean_services.values())
    default_service = str(options.get("default_service") or "")
    if default_service:
        slugs.add(default_service)
    known = set(
        Service.objects.filter(slug__in=slugs)
        .exclude(current_version=None)
        .values_list("slug", flat=True)
    )
    for value, slug in clean_services.items():
        if slug not in known:
            errors[f"services.{value[:60]}"] = f"No catalog service '{slug[:60]}'."
    if default_service and default_service not in known:
        errors["options.default_service"] = f"No catalog service '{default_service[:60]}'."
    default_team = str(options.get("default_team") or "")
    if default_team and not Team.objects.filter(name__iexact=default_team).exists():
        errors["options.default_team"] = f"No team '{default_team[:60]}'."
    zone = str(options.get("time_zone") or settings.TIME_ZONE)
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
        errors["options.time_zone"] = f"'{zone[:60]}' is not a time zone (e.g. Europe/Berlin)."
    if errors:
        raise ValidationError(errors)
    clean_options = {
        "default_service": default_service,
        "default_team": default_team,
        "time_zone": zone,
        "dayfirst": bool(options.get("dayfirst")),
    }
    return clean_mapping, clean_statuses, clean_services, clean_options
