"""Hooks through which apps to the right of governance (releases) inform its services and
pages.

governance never imports releases. Releases appends its freeze check here in its
AppConfig.ready(); `rfc_schedule` asks it whether the window it is given is inside a
freeze, so no caller (page, API, boarding) can slip a high-risk RFC into one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

H = TypeVar("H")

# Each: (window_start, window_end, channels) -> True when a freeze covers part of the
# window for work in `channels` (empty: work naming no channel, so any freeze counts).
freeze_checks: list[Callable[[datetime, datetime, Sequence[str]], bool]] = []


def window_in_freeze(
    start: datetime | None, end: datetime | None, channels: Iterable[str] = ()
) -> bool:
    """Whether any registered freeze check finds a freeze over [start, end) (no window: no)."""
    if start is None or end is None:
        return False
    wanted = tuple(channels)
    return any(check(start, end, wanted) for check in freeze_checks)


# Each: (rfc, user) -> (label, url) of a link for the RFC page, or None when not offered.
# releases appends "Schedule on a departure" (its boarding page) here.
rfc_actions: list[Callable[[Any, Any], tuple[str, str] | None]] = []


def rfc_action_links(rfc: Any, user: Any) -> list[tuple[str, str]]:
    return [link for action in rfc_actions if (link := action(rfc, user)) is not None]


def register(hook: list[H], function: H) -> None:
    """Append `function` to `hook` once: an AppConfig.ready() run twice (tests, reloads)
    must not make a check run twice."""
    if function not in hook:
        hook.append(function)
