"""Public-holiday regions as the `holidays` package knows them: countries, their
subdivisions, and the next holidays of a region (for the calendar form's preview)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import holidays
from holidays import registry


@lru_cache(maxsize=1)
def countries() -> list[tuple[str, str]]:
    """[(alpha-2 code, "United Kingdom"), …] sorted by name."""
    found: dict[str, str] = {}
    supported = holidays.list_supported_countries()
    for class_name, code, *_ in registry.COUNTRIES.values():
        if len(code) == 2 and code in supported:
            found[code] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
    return sorted(found.items(), key=lambda item: item[1])


@lru_cache(maxsize=256)
def subdivisions(country: str) -> list[tuple[str, str]]:
    """[(code, "England"), …] of `country`; [] for an unknown country or none."""
    codes = holidays.list_supported_countries().get(country)
    if not codes:
        return []
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {}) or {}
    names: dict[str, str] = {}
    for name, code in aliases.items():
        names.setdefault(code, name)
    return [(code, names.get(code, code)) for code in codes]


def region_code(country: str, subdivision: str = "") -> str:
    return f"{country}-{subdivision}" if subdivision else country


def upcoming(region: str, *, today: date, count: int = 8) -> list[tuple[date, str]]:
    """The next `count` public holidays of `region` ("GB-ENG") from `today` on."""
    country, _, subdivision = region.partition("-")
    found = holidays.country_holidays(
        country, subdiv=subdivision or None, years=[today.year, today.year + 1]
    )
    return sorted((d, name) for d, name in found.items() if d >= today)[:count]
