"""Hooks through which higher apps plug into the shared kernel without it importing them.

Each app registers in its AppConfig.ready(): navigation entries, home-page panels
("what is waiting for you") and demo-data loaders. The kernel only iterates these lists.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# The jobs navigation is grouped by, in menu order: (key, label).
NAV_GROUPS: tuple[tuple[str, str], ...] = (
    ("work", "Work"),
    ("releases", "Releases"),
    ("governance", "Governance"),
    ("data", "Data health"),
    ("insights", "Insights"),
    ("admin", "Admin"),
)


@dataclass(frozen=True)
class NavItem:
    """One navigation entry. `roles` is who sees it in the menu: narrower than who may
    open the page when a role has no use for it (leadership gets no ops tools)."""

    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    group: str = "work"  # a key of NAV_GROUPS
    # A number shown beside the entry (e.g. unread notifications); 0 shows nothing.
    count: Callable[[Any], int] | None = None


@dataclass
class Panel:
    """A block on a user's home page: a title, a count and up to a few linked rows."""

    title: str
    url: str = ""
    count: int | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    empty: str = "Nothing waiting."
    action: tuple[str, str] | None = None  # (label, url): the panel's main button


@dataclass(frozen=True)
class SetupStep:
    """One step of the first-run set-up guide, its state computed from live data."""

    title: str
    done: bool
    url: str  # where to do it
    detail: str = ""
    order: int = 100


nav_items: list[NavItem] = []
# Each returns the steps an app contributes to the set-up guide (/setup/).
setup_steps: list[Callable[[], Iterable[SetupStep]]] = []
home_panels: list[Callable[[Any], Iterable[Panel]]] = []
demo_loaders: list[tuple[str, Callable[..., None]]] = []
