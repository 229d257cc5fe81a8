"""Hooks through which apps above the catalog inform its service pages and self-serve path.

The catalog never imports them. Enablement (governance/enablement) appends here in its
AppConfig.ready(): the "before you ask, read…" playbooks of a service, and the course a
marketer must finish before a service's self-serve path unlocks. The tech stack
(governance/stack) adds notes to the request form of "Evaluate a new tool": the approved
tools of the layer the requester picks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SelfServeLock:
    """Why `user` may not self-serve a service yet, and where to unlock it."""

    reason: str
    url: str = ""
    label: str = ""


@dataclass(frozen=True)
class AnswerNote:
    """A read-only note among a service's request-form fields (after them). With a
    `condition` (an input-definition condition on an earlier field) conditions.js shows it
    only while the condition holds, exactly like a conditional field."""

    key: str
    title: str
    items: tuple[tuple[str, str], ...] = ()  # (text, detail)
    empty: str = ""
    condition: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def condition_json(self) -> str:
        return json.dumps(self.condition) if self.condition else ""


# Each: (service) -> notes for the service's request form.
answer_notes: list[Callable[[Any], list[AnswerNote]]] = []
# Each: (service, user) -> [(title, url)] of pages to read before asking MOPS.
service_reading: list[Callable[[Any, Any], list[tuple[str, str]]]] = []
# Each: (service, user) -> a SelfServeLock while the user may not self-serve it, else None.
selfserve_gates: list[Callable[[Any, Any], SelfServeLock | None]] = []


def reading_for(service: Any, user: Any) -> list[tuple[str, str]]:
    return [link for hook in service_reading for link in hook(service, user)]


def selfserve_locks(service: Any, user: Any) -> list[SelfServeLock]:
    return [lock for gate in selfserve_gates if (lock := gate(service, user)) is not None]


def notes_for(service: Any) -> list[AnswerNote]:
    return [note for hook in answer_notes for note in hook(service)]
