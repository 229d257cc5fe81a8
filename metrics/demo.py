"""Demo data for metrics: twelve months of history (`demo_history`), then facts for every
demo request (idempotent: the history is written once, the facts are a rebuild)."""

from collections.abc import Callable


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    from . import demo_history
    from .facts import request_facts_rebuild

    demo_history.load(progress)
    written = request_facts_rebuild()
    progress(f"metrics: facts for {written} request(s)")
