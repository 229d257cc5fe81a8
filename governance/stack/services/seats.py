"""Licence seats: the seat export import (CSV upload or API push)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.services import require_role

from ..models import (
    Seat,
    SeatImport,
    Tool,
)
from ._common import (
    STACK_EDITORS,
    csv_header,
    csv_rows,
)

# --- licence seats ----------------------------------------------------------------------------

SEAT_CSV_COLUMNS = ("email", "permission_level", "last_active")


@dataclass
class SeatLine:
    line: int
    email: str
    errors: list[str] = field(default_factory=list)


def seats_import(
    *, tool: Tool, actor: User, text: str, source: str = "page", now: datetime | None = None
) -> list[SeatLine]:
    """Replace `tool`'s seats with a seat export (CSV: email, permission_level, last_active
    as YYYY-MM-DD or blank for never). Every line is checked first; with any error nothing
    changes. Bulk writes leave no history, so a SeatImport row records who pushed what."""
    require_role(actor, STACK_EDITORS, "upload seat exports")
    now = now or timezone.now()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = csv_header(reader)
    if "email" not in header:
        raise ValidationError(
            {"file": f"Line 1: the header needs an 'email' column ({', '.join(SEAT_CSV_COLUMNS)})."}
        )
    lines: list[SeatLine] = []
    seats: list[Seat] = []
    seen: set[str] = set()
    for raw in csv_rows(reader):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        line = SeatLine(line=reader.line_num, email=data.get("email", "").lower())
        try:
            validate_email(line.email)
        except ValidationError:
            line.errors.append(f"email: '{line.email}' is not an e-mail address.")
        if line.email in seen:
            line.errors.append(f"email: {line.email} appears twice in the file.")
        seen.add(line.email)
        last_active = None
        if data.get("last_active"):
            try:
                last_active = date.fromisoformat(data["last_active"][:10])
            except ValueError:
                line.errors.append(
                    f"last_active: '{data['last_active']}' is not a date (YYYY-MM-DD)."
                )
        level = data.get("permission_level", "")
        if len(level) > 60:
            line.errors.append("permission_level: at most 60 characters.")
        lines.append(line)
        seats.append(
            Seat(
                tool=tool,
                email=line.email,
                permission_level=level,
                last_active_on=last_active,
                imported_at=now,
            )
        )
    if not lines:
        raise ValidationError({"file": "The file has a header but no seats."})
    if not any(line.errors for line in lines):
        with transaction.atomic():
            Tool.objects.select_for_update().filter(pk=tool.pk).first()
            Seat.objects.filter(tool=tool).delete()
            Seat.objects.bulk_create(seats)
            SeatImport.objects.create(
                tool=tool, imported_by=actor, imported_at=now, seats=len(seats), source=source
            )
    return lines
