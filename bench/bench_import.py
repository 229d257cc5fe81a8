"""Request import at scale (#21): a realistic 10,000-row Jira Service Management CSV export.

Run: .venv/bin/python bench/bench_import.py [rows]
     (BENCH_KEEP=1 keeps the scratch database `mops_bench_import`; BENCH_REUSE=1 reuses it)

A scratch database is created and migrated on the dev server (DATABASE_URL's host); a
calendar, an SLA policy, four services, teams and people are made through their services.
The file has Jira's export columns (Issue key, Summary, Status, Created, Resolved, Reporter,
Assignee, Customer Request Type, Priority, Labels, Due date, Description with line breaks,
two custom fields), statuses spread over the lifecycle, a year of history, reporters half
known by e-mail and half unknown. Timed through the services the page and API call:
upload (decode + read + guess), dry run, the import (the Celery task's body, in-process:
check, write requests / events / links, SLA fields), then the same file again (all
unchanged) and a file with 10% of rows changed. Target: the import ≤ 30 s.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import scratchdb  # also puts the project on sys.path

DB_NAME = scratchdb.use("mops_bench_import", ALLOWED_HOSTS="testserver,localhost")

STATUSES = [
    ("Done", 0.55),
    ("Waiting for support", 0.08),
    ("Waiting for customer", 0.05),
    ("Selected for development", 0.06),
    ("In Progress", 0.1),
    ("In Review", 0.04),
    ("Declined", 0.06),
    ("Canceled", 0.06),
]
TYPES = ["Launch a campaign", "Add a field", "Create a segment", "Build a nurture"]
HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Assignee",
    "Reporter",
    "Created",
    "Updated",
    "Resolved",
    "Due date",
    "Labels",
    "Description",
    "Customer Request Type",
    "Custom field (Accepted)",
    "Custom field (Region)",
]


def jira_date(at: datetime) -> str:
    return at.strftime("%d/%b/%y %I:%M %p")


def make_csv(rows: int, *, seed: int = 7, now: datetime) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    names, weights = zip(*STATUSES, strict=True)
    for n in range(1, rows + 1):
        created = now - timedelta(days=rng.uniform(2, 365), minutes=rng.randint(0, 600))
        status = rng.choices(names, weights)[0]
        accepted = created + timedelta(hours=rng.uniform(0.5, 30))
        resolved = accepted + timedelta(days=rng.uniform(1, 20))
        ended = status in ("Done", "Declined", "Canceled")
        if ended and resolved > now:
            resolved = now - timedelta(hours=1)
            accepted = min(accepted, resolved)
        known = rng.random() < 0.5
        reporter = f"marketer{rng.randint(1, 40)}@example.com" if known else f"Ex Employee {n % 97}"
        writer.writerow(
            [
                f"{rng.choice(['Spring', 'Q3', 'Webinar', 'Partner', 'Renewal'])} request {n}",
                f"MOPS-{n}",
                str(10000 + n),
                "Service Request",
                status,
                rng.choice(["Low", "Medium", "High"]),
                f"engineer{rng.randint(1, 5)}@example.com" if rng.random() < 0.7 else "",
                reporter,
                jira_date(created),
                jira_date(min(now, resolved)),
                jira_date(resolved) if ended else "",
                (created + timedelta(days=30)).strftime("%Y-%m-%d"),
                " ".join(rng.sample(["email", "paid", "emea", "na", "launch", "urgent"], 2)),
                f"Goal: pipeline.\nAudience: segment {n % 13}.\n=SUM(A1:A3) stays text.",
                rng.choice(TYPES),
                jira_date(accepted) if status not in ("Waiting for support",) else "",
                rng.choice(["EMEA", "NA", "APAC"]),
            ]
        )
    return out.getvalue()


def setup_world() -> object:
    from catalog.services import service_create, service_publish, sla_policy_create
    from mops.accounts.models import Team, User
    from mops.accounts.roles import Role

    team, _ = Team.objects.get_or_create(name="Demand Gen", slug="demand-gen")
    ops, _ = Team.objects.get_or_create(name="Marketing Ops", slug="marketing-ops")

    def person(username: str, role: str, team: Team) -> User:
        from django.contrib.auth.models import Group

        user, _ = User.objects.get_or_create(username=username, email=username, team=team)
        user.groups.add(Group.objects.get(name=Role(role).label))
        return user

    admin = person("admin@example.com", Role.ADMIN, ops)
    pm = person("pm@example.com", Role.PM, ops)
    for i in range(1, 6):
        person(f"engineer{i}@example.com", Role.ENGINEER, ops)
    for i in range(1, 41):
        person(f"marketer{i}@example.com", Role.REQUESTER, team)
    from catalog.models import Calendar, SlaPolicy

    Calendar.objects.filter(slug="new-york").delete() if not SlaPolicy.objects.exists() else None
    calendar = Calendar.objects.filter(slug="new-york").first() or scratchdb.new_york_calendar(
        actor=admin, name="New York", slug="new-york"
    )
    policy = SlaPolicy.objects.filter(slug="standard").first() or sla_policy_create(
        actor=admin,
        name="Standard",
        slug="standard",
        calendar=calendar,
        triage_hours_simple=4,
        triage_hours_standard=8,
        triage_hours_complex=16,
        delivery_hours_simple=16,
        delivery_hours_standard=40,
        delivery_hours_complex=120,
        at_risk_percent=75,
    )
    for name in TYPES:
        service = service_create(
            actor=admin,
            name=name,
            slug=name.lower().replace(" ", "-"),
            description=name,
            channels=["email"],
            change_type="new_campaign",
            default_complexity="standard",
            sla_policy=policy,
            input_definition=[{"key": "notes", "label": "Notes", "type": "long_text"}],
        )
        service_publish(service=service, actor=admin)
    return pm


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:7.2f} s")
    return result, elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    if not os.environ.get("BENCH_REUSE"):
        scratchdb.recreate(DB_NAME)
    import django

    django.setup()
    from django.core.management import call_command

    if not os.environ.get("BENCH_REUSE"):
        call_command("migrate", verbosity=0)
    from catalog.models import Service
    from intake.imports import services as imports
    from intake.imports.models import ImportedRequest
    from intake.models import Request, RequestEvent
    from mops.accounts.models import User

    if not Service.objects.exists():
        from django.db import transaction

        with transaction.atomic():
            setup_world()
    pm = User.objects.get(username="pm@example.com")
    ImportedRequest.objects.all().delete()
    Request.objects.all().delete()
    now = datetime.now(ZoneInfo("America/New_York"))  # the file is in the import's zone
    text = make_csv(rows, now=now)
    print(f"load average before: {open('/proc/loadavg').read().split()[:3]}")
    print(f"file: {rows:,} rows, {len(text.encode()) / 1_048_576:.1f} MB")
    run, _ = timed("upload (decode, read, guess the mapping)", lambda: imports.import_run_create(
        actor=pm, filename="jira.csv", data=text.encode()))  # fmt: skip
    mapping = {"service": "Customer Request Type"}
    statuses = {"Done": "closed", "Declined": "rejected", "Canceled": "cancelled"}
    options = {"time_zone": "America/New_York", "dayfirst": False, "default_service": ""}

    def start(dry_run: bool, r=None):  # type: ignore[no-untyped-def]
        r = r or run
        imports.import_run_start(run=r, actor=pm, dry_run=dry_run, mapping={**r.mapping, **mapping},
                                 statuses=statuses, options=options)  # fmt: skip
        return imports.import_run_execute(run_id=r.pk)

    import django.conf

    django.conf.settings.IMPORT_SYNC_ROWS = 10**9  # the in-process body of the worker task
    checked, dry = timed("dry run (check every row, plan)", lambda: start(True))
    assert checked.error_count == 0, checked.errors[:5]
    done, real = timed("import (the worker task's body)", lambda: start(False))
    assert done.status == "done", done.errors[:5]
    print(
        f"  created {done.created_count:,} requests, "
        f"{RequestEvent.objects.count():,} events, {rows / real:,.0f} rows/s"
    )
    again = imports.import_run_create(actor=pm, filename="jira.csv", data=text.encode())
    same, _ = timed("same file again (all unchanged)", lambda: start(False, again))
    print(f"  unchanged {same.unchanged_count:,}, created {same.created_count}")
    changed_text = text.replace(" request 1", " request #1")  # ~11% of titles
    changed = imports.import_run_create(actor=pm, filename="jira.csv", data=changed_text.encode())
    upd, _ = timed("changed file (updates)", lambda: start(False, changed))
    print(f"  updated {upd.updated_count:,}, unchanged {upd.unchanged_count:,}")
    print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")
    print(f"target: import ≤ 30 s → {'met' if real <= 30 else 'MISSED'} ({real:.1f} s)")
    if not os.environ.get("BENCH_KEEP"):
        from django.db import connections

        connections.close_all()
        scratchdb.recreate(DB_NAME)


if __name__ == "__main__":
    main()
