"""Releases: materialising a year of departures, and boarding throughput.

Run: .venv/bin/python bench/bench_releases.py [requests]
     (BENCH_KEEP=1 keeps the scratch database `mops_bench_releases`)

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "mops_bench_releases"
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mops")
os.environ["DATABASE_URL"] = BASE_URL.rsplit("/", 1)[0] + "/" + DB_NAME
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mops.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")


def recreate_database() -> None:
    import psycopg

    admin_url = BASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    import psycopg

    admin_url = BASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from catalog.services import calendar_create
    from mops.accounts.roles import Role
    from releases.boarding import services as boarding_services
    from releases.qa import services as qa_services
    from releases.qa.models import ItemResult
    from releases.trains import services as trains_services
    from releases.trains.models import Train
    from tests import factories
    from tests.releases.workitems import qa_request

    team = factories.TeamFactory(name="Marketing Ops", slug="marketing-ops")
    admin = factories.UserFactory(username="admin", role=Role.ADMIN, team=team)
    factories.UserFactory(username="pm", role=Role.PM, team=team)
    engineer = factories.UserFactory(username="engineer", role=Role.ENGINEER, team=team)
    requester = factories.UserFactory(username="requester", role=Role.REQUESTER)
    calendar = calendar_create(
        actor=admin,
        name="US business hours",
        slug="us",
        time_zone="America/New_York",
        working_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
        holiday_regions=["US"],
    )
    today = timezone.localdate()
    print(f"# releases benchmark ({count} requests)")
    print("\n## Materialising a year of departures (business-hour cutoffs)\n")
    print("| train | rule | departures | seconds | departures/s |")
    print("|---|---|---:|---:|---:|")
    trains = []
    for slug, rule in (
        ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("tue-thu", "FREQ=WEEKLY;BYDAY=TU,TH"),
        ("daily", "FREQ=DAILY"),
    ):
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

    trains_services.freeze_create(
        actor=admin,
        name="No Friday launches after 15:00",
        kind="recurring",
        rrule="FREQ=WEEKLY;BYDAY=FR",
        first_date=today,
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
        qa_request(channels=["email"], requester=requester, title=f"Bench {i}")
        for i in range(count)
    ]
    made_seconds = time.perf_counter() - started
    for request in requests:
        qa_services.checklists_instantiate(request=request)
    for result in ItemResult.objects.filter(run__request__in=requests):
        qa_services.item_result_record(result=result, actor=engineer, state="passed")
    departures = list(
        trains[0]
        .departures.filter(cutoff_at__gt=timezone.now() + timedelta(days=1))
        .order_by("starts_at")[:2]
    )
    durations = []
    started = time.perf_counter()
    for i, request in enumerate(requests):
        one = time.perf_counter()
        boarding_services.departure_board(
            departure=departures[i % 2], request=request, actor=engineer
        )
        durations.append((time.perf_counter() - one) * 1000)
    total = time.perf_counter() - started
    durations.sort()
    p95 = durations[int(0.95 * (len(durations) - 1))]
    print("\n## Boarding\n")
    print(
        f"{count} requests made in QA through intake's services in {made_seconds:.1f} s; "
        f"boarded one after the other in {total:.2f} s: **{count / total:,.1f} boardings/s**, "
        f"p50 {statistics.median(durations):.1f} ms, p95 {p95:.1f} ms per boarding."
    )
    if not os.environ.get("BENCH_KEEP"):
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
