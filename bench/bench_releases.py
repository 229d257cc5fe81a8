"""Releases: materialising a year of departures, and boarding throughput.

Run: .venv/bin/python bench/bench_releases.py [requests]
     (BENCH_KEEP=1 keeps the scratch database `mops_bench_releases`; BENCH_DB names another)

A scratch database is created and migrated on the dev server (DATABASE_URL's host).
1. Materialise: three trains with a 366-day horizon (weekday, Tue/Thu, daily), each with a
   business calendar (US holidays), so every departure's cutoff is found by bisection on
   business time; timed per train through `departures_materialise`.
2. Boarding: `requests` requests (default 200) are made in QA through intake's services
   (the releases tests' helper), each with a pre-flight checklist run already passed;
   then each is boarded through `departure_board` (row locks, freeze rules, checklist
   verdict, intake's `schedule` transition with its event and SLA refresh) one after the
   other; per-boarding p50/p95 and boardings per second.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import scratchdb  # also puts the project on sys.path

DB_NAME = scratchdb.use("mops_bench_releases")

TRAINS = (
    ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("tue-thu", "FREQ=WEEKLY;BYDAY=TU,TH"),
    ("daily", "FREQ=DAILY"),
)


def setup_people() -> dict[str, Any]:
    """A team with an admin, a PM, an engineer, a requester, and the US business calendar."""
    from mops.accounts.roles import Role
    from tests import factories

    team = factories.TeamFactory(name="Marketing Ops", slug="marketing-ops")
    admin = factories.UserFactory(username="admin", role=Role.ADMIN, team=team)
    factories.UserFactory(username="pm", role=Role.PM, team=team)
    engineer = factories.UserFactory(username="engineer", role=Role.ENGINEER, team=team)
    requester = factories.UserFactory(username="requester", role=Role.REQUESTER)
    calendar = scratchdb.new_york_calendar(actor=admin, name="US business hours", slug="us")
    return {"admin": admin, "engineer": engineer, "requester": requester, "calendar": calendar}


def measure_materialise(calendar: Any) -> list[Any]:
    """Each train's year of departures, timed and printed as a table row; then all three
    again (idempotent). Returns the trains."""
    from django.utils import timezone

    from releases.trains import services as trains_services
    from releases.trains.models import Train

    today = timezone.localdate()
    trains = []
    for slug, rule in TRAINS:
        train = Train.objects.create(
            name=f"Bench {slug}",
            slug=slug,
            channels=["email"],
            time_zone="America/New_York",
            rrule=rule,
            first_date=today,
            start_time=timezone.datetime(2000, 1, 1, 10, 0).time(),
            duration_minutes=120,
            capacity=500,
            cutoff_hours=Decimal(24),
            calendar=calendar,
            horizon_days=366,
        )
        started = time.perf_counter()
        made = trains_services.departures_materialise(train=train)
        seconds = time.perf_counter() - started
        trains.append(train)
        print(f"| {slug} | `{rule}` | {len(made)} | {seconds:.2f} | {len(made) / seconds:,.0f} |")
    started = time.perf_counter()
    again = sum(len(trains_services.departures_materialise(train=t)) for t in trains)
    print(
        f"\nRe-materialising all three (idempotent, {again} new): "
        f"{time.perf_counter() - started:.2f} s"
    )
    return trains


def setup_boarding(people: dict[str, Any], count: int) -> tuple[list[Any], float]:
    """A Friday freeze, an e-mail checklist template and `count` requests in QA with their
    checklists passed; returns the requests and the seconds taken to make them."""
    from django.utils import timezone

    from releases.qa import services as qa_services
    from releases.qa.models import ItemResult
    from releases.trains import services as trains_services
    from tests.releases.workitems import qa_request

    admin = people["admin"]
    trains_services.freeze_create(
        actor=admin,
        name="No Friday launches after 15:00",
        kind="recurring",
        rrule="FREQ=WEEKLY;BYDAY=FR",
        first_date=timezone.localdate(),
        start_time=timezone.datetime(2000, 1, 1, 15, 0).time(),
        duration_minutes=9 * 60,
        time_zone="America/New_York",
    )
    qa_services.checklist_template_create(
        actor=admin,
        name="E-mail pre-flight",
        slug="email-pre",
        channel="email",
        items=[{"text": "Seed test reviewed"}, {"text": "Suppression applied"}],
    )
    started = time.perf_counter()
    requests = [
        qa_request(channels=["email"], requester=people["requester"], title=f"Bench {i}")
        for i in range(count)
    ]
    made_seconds = time.perf_counter() - started
    for request in requests:
        qa_services.checklists_instantiate(request=request)
    for result in ItemResult.objects.filter(run__request__in=requests):
        qa_services.item_result_record(result=result, actor=people["engineer"], state="passed")
    return requests, made_seconds


def measure_boarding(train: Any, requests: list[Any], engineer: Any) -> tuple[list[float], float]:
    """Board every request, one after the other, alternately onto the train's next two
    departures past tomorrow; returns each boarding's ms and the total seconds."""
    from django.utils import timezone

    from releases.boarding import services as boarding_services

    departures = list(
        train.departures.filter(cutoff_at__gt=timezone.now() + timedelta(days=1)).order_by(
            "starts_at"
        )[:2]
    )
    durations = []
    started = time.perf_counter()
    for i, request in enumerate(requests):
        one = time.perf_counter()
        boarding_services.departure_board(
            departure=departures[i % 2], request=request, actor=engineer
        )
        durations.append((time.perf_counter() - one) * 1000)
    return durations, time.perf_counter() - started


def print_boarding(count: int, made_seconds: float, durations: list[float], total: float) -> None:
    durations = sorted(durations)
    p95 = durations[int(0.95 * (len(durations) - 1))]
    print("\n## Boarding\n")
    print(
        f"{count} requests made in QA through intake's services in {made_seconds:.1f} s; "
        f"boarded one after the other in {total:.2f} s: **{count / total:,.1f} boardings/s**, "
        f"p50 {statistics.median(durations):.1f} ms, p95 {p95:.1f} ms per boarding."
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    scratchdb.recreate(DB_NAME)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    people = setup_people()
    print(f"# releases benchmark ({count} requests)")
    print("\n## Materialising a year of departures (business-hour cutoffs)\n")
    print("| train | rule | departures | seconds | departures/s |")
    print("|---|---|---:|---:|---:|")
    trains = measure_materialise(people["calendar"])
    requests, made_seconds = setup_boarding(people, count)
    durations, total = measure_boarding(trains[0], requests, people["engineer"])
    print_boarding(count, made_seconds, durations, total)
    if not os.environ.get("BENCH_KEEP"):
        scratchdb.drop(DB_NAME)


if __name__ == "__main__":
    main()
