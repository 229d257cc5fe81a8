"""Demo data health, idempotent: the demo warehouse (schema `demo_warehouse` in a database of
its own, `<app database>_warehouse`, read through its own SELECT-only login role, with its
planted faults), a dataset + default contract per table, one run each,
three heartbeat monitors, five runbooks and a weekly on-call rotation."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone

from .demo_warehouse import (
    SCHEMA,
    demo_contracts,
    provision_demo_warehouse,
)
from .models import (
    CheckRun,
    Dataset,
    Monitor,
    Rotation,
    RotationMember,
    Runbook,
    Warehouse,
)
from .services import (
    RunInProgress,
    app_database_conninfo,
    contract_save,
    dataset_run_checks,
    dataset_save,
    monitor_ping,
    monitor_save,
    monitor_sweep,
    runbook_save,
    warehouse_save,
)

RUNBOOKS = [
    (
        "sync-backlog",
        "CRM ↔ MAP sync backlog",
        "Records pile up between the CRM and the marketing automation platform.",
        ["monitor", "freshness", "stale_rows", "run_error", "anomaly"],
        """## Symptoms
- The CRM ↔ MAP sync monitor missed its heartbeat, or contacts/leads are not fresh.

## Check
1. Open the sync queue in the MAP admin: how many records are waiting, since when?
2. Look for API limit errors (daily call quota) and for a locked integration user.
3. Compare the newest `updated_at` in the warehouse with the CRM.

## Fix
- Quota: pause low-value syncs (activity history) until the quota resets.
- Locked user: reset the password in the CRM, update the connector credentials.
- Then trigger a re-sync of the records changed since the last good sync.

## Close
Run the dataset checks again from mops; the freshness incident resolves itself.""",
    ),
    (
        "scoring-misfires",
        "Lead scoring mis-fires",
        "Scores out of range, stages that skip their required dates.",
        ["range", "rule"],
        """## Symptoms
- `range:score` fails (scores below 0 or above 100) or a lifecycle rule is violated.

## Check
1. Which scoring rule changed last? Look at the scoring RFCs in mops.
2. Sample the failing rows on the run page: same program, same source?

## Fix
- Roll back the last scoring change (its RFC carries the rollback plan).
- Recompute scores for the affected leads; backfill missing `sql_date`s from history.""",
    ),
    (
        "deliverability-dips",
        "Deliverability dips",
        "Bounces rise: malformed or missing addresses reach the send lists.",
        ["email", "missing"],
        """## Symptoms
- `email:email` or `missing:email` fails; bounce rate up in the MAP.

## Check
1. Which form or import produced the bad addresses (failing-row sample, created_at)?
2. Is the form's e-mail validation still on?

## Fix
- Suppress malformed addresses from sends; fix the form validation.
- Ask the list owner for a clean re-import.""",
    ),
    (
        "broken-utms",
        "Broken UTMs and attribution gaps",
        "Campaign ids missing from the registry, mediums outside the taxonomy.",
        ["reference", "coverage", "coverage_value", "allowed", "pattern"],
        """## Symptoms
- `reference:campaign`, `reference:medium` or `coverage` fails: pipeline without a campaign.

## Check
1. Validate the campaign links with the UTM validator (Governance → UTM builder).
2. Find the ad platform or e-mail that carries the bad tags (sample rows, utm_source).

## Fix
- Register the missing campaign, or correct the links and the naming.
- Map the stray medium as a synonym in the taxonomy if it is legitimate.""",
    ),
    (
        "identity-stitching",
        "Identity stitching errors",
        "Duplicate people: the same e-mail under several records.",
        ["duplicates", "duplicates_normalised"],
        """## Symptoms
- `duplicates:email` or `duplicates_normalised:email` fails.

## Check
1. Are the copies exact, or case / whitespace / Gmail-dot variants?
2. Which source created the second record (created_at, utm_source)?

## Fix
- Merge the duplicates in the CRM (keep the oldest, with activity history).
- Normalise e-mails at intake (lower-case, trim) and turn on the dedupe rule.""",
    ),
]

MONITORS = [
    ("Lead routing sync", timedelta(minutes=15), timedelta(minutes=5), "sync-backlog"),
    ("Enrichment job", timedelta(hours=1), timedelta(minutes=15), "sync-backlog"),
    ("CRM ↔ MAP sync", timedelta(minutes=30), timedelta(minutes=10), "sync-backlog"),
]


def _demo_heartbeats() -> None:
    """Two days of pings: lead routing steady, the enrichment job with a 3-hour outage
    (an incident opened and resolved, for MTTR); the CRM ↔ MAP sync never pinged."""
    now = timezone.now()
    for name, outage in (("Lead routing sync", None), ("Enrichment job", (20, 23))):
        monitor = Monitor.objects.filter(name=name).first()
        if monitor is None or monitor.pings.exists():
            continue
        start = now - timedelta(days=2)
        Monitor.objects.filter(pk=monitor.pk).update(started_at=start)
        monitor.started_at = start
        beats, at = [], start
        while at <= now:
            hours = (at - start).total_seconds() / 3600
            if outage is None or not outage[0] <= hours < outage[1]:
                beats.append(at)
            at += monitor.period
        for beat in beats:
            if (
                outage
                and beat >= start + timedelta(hours=outage[1])
                and not monitor.incidents.exists()
            ):
                opened = start + timedelta(hours=outage[0]) + monitor.grace + timedelta(minutes=1)
                monitor_sweep(now=opened)
            monitor_ping(monitor=monitor, method="POST", user_agent="demo", now=beat)


def demo_warehouse_names() -> tuple[str, str]:
    """(database, login role) of the demo warehouse: `<app database>_warehouse` and
    `<that>_reader`, or GOVERNANCE_DEMO_WAREHOUSE_DB."""
    app_db = settings.DATABASES["default"]["NAME"]
    database = settings.GOVERNANCE_DEMO_WAREHOUSE_DB.strip() or f"{app_db}_warehouse"
    return database[:63], f"{database[:56]}_reader"


def build_warehouse() -> str:
    """Create or refresh the demo warehouse database and its read-only login; returns the
    login's connection string (the demo warehouse's DSN).

    The password is derived from SECRET_KEY so every set-up gives the same one (the demo
    warehouse holds made-up data only; a real warehouse gets a password of its own).
    """
    database, role = demo_warehouse_names()
    password = hmac.new(
        settings.SECRET_KEY.encode(), f"demo-warehouse:{role}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return provision_demo_warehouse(
        app_database_conninfo(), database=database, role=role, password=password
    )


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    admin = users.get("admin") or get_user_model().objects.filter(is_superuser=True).first()
    if admin is None:
        return
    dsn = build_warehouse()
    progress("demo warehouse")
    warehouse = warehouse_save(
        actor=admin,
        name="Demo warehouse",
        dsn=dsn,
        is_demo=True,
        warehouse=Warehouse.objects.filter(name="Demo warehouse").first(),
    )
    for table, spec in demo_contracts().items():
        dataset = Dataset.objects.filter(warehouse=warehouse, schema=SCHEMA, table=table).first()
        if dataset is None:
            dataset = dataset_save(
                actor=admin,
                warehouse=warehouse,
                schema=SCHEMA,
                table=table,
                description=f"Demo {table} table (planted faults).",
                owner=users.get("engineer") or admin,
                schedule="0 * * * *",
            )
        if not hasattr(dataset, "contract"):
            contract_save(
                dataset=dataset,
                actor=admin,
                spec=spec,
                description=f"The {table} of the demo warehouse, as marketing uses them.",
                consumers=["Marketing analytics", "Sales ops"],
                reason="demo contract",
            )
    progress("datasets and contracts")
    for slug, title, summary, modes, body in RUNBOOKS:
        if not Runbook.objects.filter(slug=slug).exists():
            runbook_save(
                actor=admin, slug=slug, title=title, summary=summary, body=body, failure_modes=modes
            )
    for name, period, grace, runbook in MONITORS:
        if not Monitor.objects.filter(name=name).exists():
            monitor_save(
                actor=admin,
                name=name,
                period=period,
                grace=grace,
                description=f"Heartbeat of the {name.lower()}.",
                runbook=Runbook.objects.filter(slug=runbook).first(),
            )
    _demo_heartbeats()
    if not Rotation.objects.exists():
        start = timezone.now() - timedelta(days=timezone.now().weekday())
        rotation = Rotation.objects.create(
            name="MOPS on-call",
            starts_at=start.replace(hour=9, minute=0, second=0, microsecond=0),
            escalate_after_minutes=15,
        )
        people = [users[n] for n in ("engineer", "pm", "admin") if n in users]
        for position, user in enumerate(people):
            RotationMember.objects.create(rotation=rotation, user=user, position=position)
    progress("monitors, runbooks, rotation")
    for dataset in Dataset.objects.filter(warehouse=warehouse):
        if not CheckRun.objects.filter(dataset=dataset).exists():
            try:
                dataset_run_checks(dataset_id=dataset.pk, trigger=CheckRun.Trigger.MANUAL)
            except (RunInProgress, DatabaseError):
                continue
    progress("first check runs")
