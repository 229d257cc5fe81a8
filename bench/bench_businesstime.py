"""Throughput of the business-time engine: due dates (`add`) and clocks (`elapsed`) per second.

Run: .venv/bin/python bench/bench_businesstime.py [calls]
Two America/New_York calendars, Mon–Fri 09:00–17:00 and 09:00–12:00 + 13:00–17:00, closed on
ten years (2026–2035) of US public holidays. Starts are random UTC instants in 2026–2034 (as
the ORM hands them over), durations random whole seconds from 1 hour to 30 business days.
Pinned to one core; each figure is the best of five runs (wall clock and CPU time, so a
busy machine shows up as a gap between them). The cold figure is the first full pass over
the ten years, which builds every month's intervals once.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import holidays

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.businesstime import BusinessCalendar  # noqa: E402  (importable once the path above is set)

YEARS = range(2026, 2036)
WEEKS = {
    "Mon–Fri 9–17": {day: [(clock(9), clock(17))] for day in range(5)},
    "Mon–Fri 9–12, 13–17": {
        day: [(clock(9), clock(12)), (clock(13), clock(17))] for day in range(5)
    },
}
RUNS = 5


def best_rate(calls: int, run: Callable[[], None]) -> tuple[float, float]:
    """(calls per wall second, calls per CPU second), best of RUNS."""
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return calls / min(walls), calls / min(cpus)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    closed = sorted(holidays.country_holidays("US", years=list(YEARS)))
    rng = random.Random(20260101)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    span = int((datetime(2035, 1, 1, tzinfo=UTC) - first).total_seconds())
    starts = [first + timedelta(seconds=rng.randrange(span)) for _ in range(calls)]
    durations = [timedelta(seconds=rng.randrange(3600, 30 * 8 * 3600 + 1)) for _ in range(calls)]
    ends = [s + timedelta(seconds=rng.randrange(45 * 86_400)) for s in starts]
    pauses = [[(s + (e - s) / 3, s + (e - s) / 2)] for s, e in zip(starts, ends, strict=True)]
    print(f"{calls:,} calls per run, {len(closed)} US holidays {YEARS[0]}–{YEARS[-1]}, one core")

    for name, week in WEEKS.items():
        engine = BusinessCalendar.create(tz="America/New_York", week=week, closed_dates=closed)
        wall = time.perf_counter()
        engine.elapsed(first, datetime(2036, 1, 1, tzinfo=UTC))
        cold_ms = (time.perf_counter() - wall) * 1000
        for start, duration in zip(starts[:1000], durations[:1000], strict=True):
            assert engine.elapsed(start, engine.add(start, duration)) == duration

        def due_dates(engine: BusinessCalendar = engine) -> None:
            add = engine.add
            for start, duration in zip(starts, durations, strict=True):
                add(start, duration)

        def clocks(engine: BusinessCalendar = engine) -> None:
            elapsed = engine.elapsed
            for start, end in zip(starts, ends, strict=True):
                elapsed(start, end)

        def paused_clocks(engine: BusinessCalendar = engine) -> None:
            elapsed = engine.elapsed
            for start, end, paused in zip(starts, ends, pauses, strict=True):
                elapsed(start, end, paused)

        print(f"\n{name} (ten years built cold in {cold_ms:.0f} ms)")
        for label, run in [
            ("add (due date)", due_dates),
            ("elapsed", clocks),
            ("elapsed, 1 pause", paused_clocks),
        ]:
            per_wall, per_cpu = best_rate(calls, run)
            print(f"  {label:<18} {per_wall:>10,.0f}/s wall  {per_cpu:>10,.0f}/s CPU")


if __name__ == "__main__":
    main()
