"""Hooks through which apps above the catalog inform its service pages and self-serve path.

The catalog never imports them. Enablement (governance/enablement) appends here in its
AppConfig.ready(): the "before you ask, read…" playbooks of a service, and the course a
marketer must finish before a service's self-serve path unlocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SelfServeLock:
    """Why `user` may not self-serve a service yet, and where to unlock it."""

    reason: str
    url: str = ""
    label: str = ""


# Each: (service, user) -> [(title, url)] of pages to read before asking MOPS.
service_reading: list[Callable[[Any, Any], list[tuple[str, str]]]] = []
# Each: (service, user) -> a SelfServeLock while the user may not self-serve it, else None.
selfserve_gates: list[Callable[[Any, Any], SelfServeLock | None]] = []


def reading_for(service: Any, user: Any) -> list[tuple[str, str]]:
    return [link for hook in service_reading for link in hook(service, user)]


def selfserve_locks(service: Any, user: Any) -> list[SelfServeLock]:
    return [lock for gate in selfserve_gates if (lock := gate(service, user)) is not None]
