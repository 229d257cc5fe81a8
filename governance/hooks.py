"""Hooks through which apps to the right of governance (releases) inform its pages.

governance never imports releases. Releases appends a callable here in its
AppConfig.ready(); the RFC page's schedule form asks it whether a typed window is inside
a freeze, so even the hand-entered window cannot slip a high-risk RFC into one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

# Each: (window_start, window_end) -> True when any freeze covers part of the window.
freeze_checks: list[Callable[[datetime, datetime], bool]] = []


def window_in_freeze(start: datetime | None, end: datetime | None) -> bool:
    if start is None or end is None:
        return False
    return any(check(start, end) for check in freeze_checks)


# Each: (rfc, user) -> (label, url) of a link for the RFC page, or None when not offered.
# releases appends "Schedule on a departure" (its boarding page) here.
rfc_actions: list[Callable[[Any, Any], tuple[str, str] | None]] = []


def rfc_action_links(rfc: Any, user: Any) -> list[tuple[str, str]]:
    return [link for action in rfc_actions if (link := action(rfc, user)) is not None]
