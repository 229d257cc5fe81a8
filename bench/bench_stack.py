"""Tech stack (#14): registry, integration map and utilisation pages at scale.

Run: .venv/bin/python bench/bench_stack.py [tools] [flows]
     (defaults 2000 and 10000; BENCH_KEEP=1 keeps the scratch database `mops_bench_stack`;
     BENCH_DB names another)

A scratch database is created and migrated on the dev server (DATABASE_URL's host), then
filled with bulk inserts: `tools` tools over the ten layers (a third approved), `flows`
flows between random tools (half watched by a heartbeat monitor, a tenth of those down),
a contract for every other tool and 20 seats per contracted tool, then ANALYZE (as
autovacuum would after a bulk load). Each page is fetched 20
times through Django's test client as a signed-in PM (middleware, templates and all):
p50 / p95 and the number of SQL queries (which must not grow with the data). The map's
drawing is also timed alone: the layered layout in Python plus the SVG markup.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import scratchdb  # also puts the project on sys.path

DB_NAME = scratchdb.use("mops_bench_stack")


def fill(tools: int, flows: int) -> None:
    from django.utils import timezone

    from governance.models import Monitor
    from governance.stack.models import Contract, Flow, Layer, Seat, Tool

    rng = random.Random(14)
    layers = list(Layer.values)
    Tool.objects.bulk_create(
        Tool(
            name=f"Tool {i:05d}",
            layer=layers[i % len(layers)],
            status="approved" if i % 3 == 0 else "tolerated",
            sso=True,
        )
        for i in range(tools)
    )
    ids = list(Tool.objects.values_list("pk", flat=True))
    Monitor.objects.bulk_create(
        Monitor(name=f"Bench monitor {i}", status="down" if i % 10 == 0 else "up")
        for i in range(flows // 2)
    )
    monitors = list(Monitor.objects.values_list("pk", flat=True))
    patterns = ["native", "reverse_etl", "webhook", "ipaas", "custom"]
    pairs = []
    for i in range(flows):
        a, b = rng.sample(ids, 2)
        pairs.append(
            Flow(
                source_id=a,
                target_id=b,
                objects_synced="leads",
                pattern=patterns[i % len(patterns)],
                monitor_id=monitors[i // 2] if i % 2 == 0 else None,
            )
        )
    Flow.objects.bulk_create(pairs, batch_size=2000)
    today = timezone.localdate()
    contracted = ids[::2]
    Contract.objects.bulk_create(
        Contract(
            tool_id=pk,
            vendor="Vendor",
            starts_on=today - timedelta(days=100),
            ends_on=today + timedelta(days=265),
            annual_cost=Decimal("12000"),
            seats_bought=25,
            notice_days=30,
        )
        for pk in contracted
    )
    now = timezone.now()
    Seat.objects.bulk_create(
        (
            Seat(
                tool_id=pk,
                email=f"u{n}@example.com",
                last_active_on=today - timedelta(days=rng.randrange(0, 120)),
                imported_at=now,
            )
            for pk in contracted
            for n in range(20)
        ),
        batch_size=5000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load; without statistics the planner guesses
        # one row per table and picks nested loops no real database would use.
        cursor.execute("ANALYZE")


def measure(client, url: str, runs: int = 20) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    p50, p95 = scratchdb.median_p95(times)
    return p50, p95, queries


def main() -> None:
    tools = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    flows = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    scratchdb.recreate(DB_NAME)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from governance.stack import selectors
    from mops.accounts.roles import Role
    from tests import factories

    call_command("migrate", verbosity=0)
    pm = factories.UserFactory(username="pm", role=Role.PM)
    started = time.perf_counter()
    fill(tools, flows)
    print(f"# tech stack benchmark ({tools} tools, {flows} flows)")
    print(f"\nFilled in {time.perf_counter() - started:.1f} s.\n")
    client = Client()
    client.force_login(pm)
    print("| page | p50 ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for label, url in (
        ("registry (50 a page)", "/governance/stack/"),
        ("registry, filtered (approved CRM)", "/governance/stack/?layer=crm&status=approved"),
        ("flows (50 a page)", "/governance/stack/flows/"),
        ("integration map (all flows)", "/governance/stack/map/"),
        ("integration map (golden path)", "/governance/stack/map/?golden=1"),
        ("licence utilisation (all tools)", "/governance/stack/utilisation/"),
    ):
        p50, p95, queries = measure(client, url, runs=10 if "map" in url else 20)
        print(f"| {label} | {p50:.0f} | {p95:.0f} | {queries} |")
    layout_times, render_times = [], []
    for _ in range(5):
        started = time.perf_counter()
        drawing = selectors.integration_map()
        layout_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        svg = selectors.integration_map_svg(drawing)
        render_times.append(time.perf_counter() - started)
    print(
        f"\nMap drawing: queries + layered layout {statistics.median(layout_times) * 1000:.0f} ms, "
        f"SVG markup {statistics.median(render_times) * 1000:.0f} ms (median of 5; "
        f"{len(drawing.edges)} edges, {len(drawing.nodes)} nodes, {len(svg) / 1e6:.1f} MB)."
    )
    if not os.environ.get("BENCH_KEEP"):
        scratchdb.drop(DB_NAME)


if __name__ == "__main__":
    main()
