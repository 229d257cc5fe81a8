"""What releases' pages share beyond the kernel's page convention (`call_service`)."""

from __future__ import annotations

from datetime import date


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
