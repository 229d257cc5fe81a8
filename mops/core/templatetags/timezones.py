"""`{{ value|when }}`: a date and time that always carries its zone ("2026-12-04 09:25 EST").

Aware datetimes arrive already converted to the active zone (the user's, set by
`mops.accounts.middleware.UserTimeZoneMiddleware`); the zone abbreviation is appended to
whatever format is asked for, so no shown time is ambiguous. Loaded as a template builtin.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import dateformat

register = template.Library()

DEFAULT_FORMAT = "Y-m-d H:i"


@register.filter(expects_localtime=True)
def when(value: object, fmt: str = DEFAULT_FORMAT) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return dateformat.format(value, f"{fmt} T")
    if isinstance(value, date):
        return dateformat.format(value, fmt)
    return str(value)
