"""Uploading an export: its size limit, reading it as CSV, storing it as a run with a
guessed mapping (nothing is imported yet)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.services import require_role
from mops.core.tabular import Table, TableError, read_csv, upload_bytes
from mops.core.uploads import upload_max_bytes

from ... import importmapping as im
from ..models import ImportRun, ImportSystem
from ..selectors import IMPORTERS


def import_max_bytes() -> int:
    """IMPORT_MAX_BYTES, never above UPLOAD_MAX_BYTES (past it no byte is kept)."""
    return min(int(getattr(settings, "IMPORT_MAX_BYTES", upload_max_bytes())), upload_max_bytes())


def import_upload_bytes(upload: Any) -> bytes:
    """An uploaded export's bytes; ValidationError on `file` when it is too large."""
    try:
        return upload_bytes(upload, max_bytes=import_max_bytes())
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def _table(text: str) -> Table:
    try:
        return read_csv(text)
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None


def import_run_create(*, actor: User, filename: str, data: bytes, system: str = "") -> ImportRun:
    """Store an uploaded export and guess its mapping (nothing is imported yet)."""
    require_role(actor, IMPORTERS, "import requests")
    from mops.core.tabular import decode

    try:
        text = decode(data, max_bytes=import_max_bytes())
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None
    table = _table(text)
    if system and system not in ImportSystem.values:
        raise ValidationError({"system": f"Choose one of {', '.join(ImportSystem.values)}."})
    system = system or im.detect_system(table.headers)
    run = ImportRun(
        system=system,
        filename=(filename or "import.csv")[-200:],
        text=text,
        size=len(data),
        headers=table.headers,
        mapping=im.detect_mapping(headers=table.headers, system=system),
        options={"time_zone": settings.TIME_ZONE, "dayfirst": False},
        rows_total=len(table.rows),
        created_by=actor,
    )
    if not table.rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    with transaction.atomic():
        set_change_reason(run, f"uploaded by {actor.username}")
        run.save()
    return run
