"""Demo data for metrics: facts for every demo request (idempotent: a rebuild)."""

from collections.abc import Callable


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    from .facts import request_facts_rebuild

    written = request_facts_rebuild()
    progress(f"metrics: facts for {written} request(s)")
