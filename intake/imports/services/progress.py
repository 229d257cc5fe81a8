"""How far a running import is. Its worker keeps the phase and row count in the cache,
because its own writes are invisible until its transaction commits."""

from __future__ import annotations

import logging

from django.core.cache import cache

from ..models import ImportRun

log = logging.getLogger(__name__)

# Rows between two progress reports while checking, and per bulk write.
CHUNK = 1000


def _progress_key(run_id: int) -> str:
    return f"intake:import:{run_id}:progress"


def import_progress(run: ImportRun) -> tuple[str, int]:
    """(phase, rows done) of a running import: its worker keeps them in the cache, because
    its own writes are invisible until its transaction commits."""
    if not run.is_active:
        return "", run.rows_done
    found = cache.get(_progress_key(run.pk)) or {}
    return found.get("phase", "queued"), int(found.get("done", 0))


def _set_progress(run_id: int, phase: str, done: int) -> None:
    try:
        cache.set(_progress_key(run_id), {"phase": phase, "done": done}, 3600)
    except Exception:  # progress is a nicety: a cache outage must not fail the import
        log.warning("import %s: could not record progress", run_id)
