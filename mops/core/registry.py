"""Hooks through which higher apps plug into the shared kernel without it importing them.

Each app registers in its AppConfig.ready(): navigation entries, home-page panels
("what is waiting for you") and demo-data loaders. The kernel only iterates these lists.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass
class Panel:
    """A block on a user's home page: a title, a count and up to a few linked rows."""

    title: str
    url: str = ""
    count: int | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    empty: str = "Nothing waiting."


nav_items: list[NavItem] = []
home_panels: list[Callable[[Any], Iterable[Panel]]] = []
demo_loaders: list[tuple[str, Callable[..., None]]] = []
