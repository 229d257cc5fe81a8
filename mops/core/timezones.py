"""Time-zone fields: a pick-list of the IANA zones, defaulting to MOPS_TIME_ZONE."""

import zoneinfo
from functools import lru_cache

from django import forms
from django.conf import settings


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones())]


def default_time_zone() -> str:
    """The deployment's zone (MOPS_TIME_ZONE): the default of every time-zone field."""
    return settings.TIME_ZONE


class TimeZoneField(forms.ChoiceField):
    """A time zone chosen from the list, initially the deployment's (never a free-text box
    pre-filled with another continent's zone)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("initial", default_time_zone)
        kwargs.setdefault("label", "Time zone")
        super().__init__(choices=time_zone_choices, **kwargs)  # type: ignore[arg-type]
