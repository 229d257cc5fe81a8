"""Intake at scale: 100,000 requests; backlog page and API list (50 rows) server time, and
rescoring the whole backlog with one UPDATE.

Run: .venv/bin/python bench/bench_intake.py [requests]
     (BENCH_KEEP=1 keeps the scratch database `mops_bench_intake`)

A scratch database is created and migrated on the dev server (DATABASE_URL's host), the
catalog is made through its services, then requests are generated in SQL (one
INSERT … SELECT over generate_series: mixed statuses, teams, services, scores, SLA due
times). Pages and API are timed through Django's test client (full middleware, session
auth for the page, token auth for the API), 50 requests each after 5 warm-ups; p50/p95.
Then the same lists over HTTP with 10 concurrent clients (`bench/httpload.py`) against
gunicorn started with the production settings (`mops/gunicorn_conf.py`, docker-compose's
default of 3 sync workers; BENCH_WORKERS / BENCH_THREADS / BENCH_CLIENTS change them).
Targets (#17): API list p95 ≤ 150 ms with 10 concurrent clients, rescoring 100k ≤ 3 s (the
HTML backlog pages are timed beside them, with no target).
BENCH_REUSE=1 times a database kept with BENCH_KEEP=1 again without reloading it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import scratchdb  # also puts the project on sys.path

ROOT = scratchdb.ROOT
DB_NAME = scratchdb.use("mops_bench_intake")


LOAD_SQL = """
SET synchronous_commit = off;
SELECT setseed(0.42);
INSERT INTO intake_request (title, status, complexity, answers, brief, audience, creative, offer,
    tracking_plan, scoring_inputs, version, created_at,
    updated_at, submitted_at, accepted_at, sla_clock, sla_state, sla_due_at, sla_at_risk_at,
    triage_due_at, delivery_due_at, requester_id, assignee_id, service_id, service_version_id,
    team_id)
SELECT 'Bench request ' || g,
       s.status,
       (ARRAY['simple','standard','complex'])[1 + g %% 3],
       '{}', '', '', '', '', '{}',
       jsonb_build_object('impact', i, 'effort', e, 'risk', r), 1,
       sub, now(), sub,
       CASE WHEN s.status NOT IN ('submitted', 'needs_info') THEN sub + interval '3 hours' END,
       CASE WHEN s.status IN ('submitted', 'needs_info') THEN 'triage' ELSE 'delivery' END,
       (ARRAY['on_track','on_track','on_track','at_risk','breached'])[1 + g %% 5],
       sub + interval '3 days', sub + interval '2 days',
       sub + interval '1 day', sub + interval '8 days',
       (%(people)s)[1 + g %% cardinality(%(people)s)],
       CASE WHEN g %% 4 = 0 THEN NULL ELSE (%(staff)s)[1 + g %% cardinality(%(staff)s)] END,
       %(service)s, %(version)s,
       (%(teams)s)[1 + (g / 7) %% cardinality(%(teams)s)]
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT 1 + (random() * 4)::int AS i, 1 + (random() * 4)::int AS e,
                     1 + (random() * 4)::int AS r,
                     now() - random() * interval '60 days' AS sub,
                     (ARRAY['submitted','submitted','needs_info','accepted','in_progress',
                            'in_qa','scheduled'])[1 + (g %% 7)] AS status) AS s;
INSERT INTO intake_priority (request_id, score, model_version_id)
SELECT id, round(100 * (3 * ((scoring_inputs->>'impact')::int - 1) / 4.0
                        + 2 * (5 - (scoring_inputs->>'effort')::int) / 4.0
                        + (5 - (scoring_inputs->>'risk')::int) / 4.0) / 6, 2),
       %(scoring_version)s
FROM intake_request;
"""


def timed(client, url: str, runs: int = 50, warm: int = 5, **headers) -> tuple[float, float]:
    for _ in range(warm):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, **headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return scratchdb.median_p95(samples)


def load(n: int) -> None:
    """Catalog through its services, then `n` requests and their priorities in SQL."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from catalog.services import service_create, service_publish, sla_policy_create
    from intake import services
    from intake.models import Request
    from mops.accounts.models import Team, User
    from mops.accounts.roles import Role
    from mops.accounts.services import roles_ensure_groups

    groups = roles_ensure_groups()
    teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}") for i in range(8)]
    people = []
    for i in range(40):
        user = User.objects.create(username=f"requester{i}", team=teams[i % 8])
        user.groups.add(groups[Role.REQUESTER])
        people.append(user)
    staff = []
    for i in range(6):
        user = User.objects.create(username=f"pm{i}", team=teams[0], email=f"pm{i}@example.com")
        user.groups.add(groups[Role.PM if i < 3 else Role.ENGINEER])
        staff.append(user)
    admin = User.objects.create(username="admin", is_superuser=True, team=teams[0])
    calendar = scratchdb.new_york_calendar(actor=admin, name="NY", slug="ny")
    policy = sla_policy_create(actor=admin, name="Std", slug="std", calendar=calendar)
    service = service_create(
        actor=admin,
        name="Launch",
        slug="launch",
        sla_policy=policy,
        input_definition=[{"key": "what", "label": "What", "type": "text"}],
    )
    service = service_publish(service=service, actor=admin)
    version = services.default_scoring_version()

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            LOAD_SQL,
            {
                "n": n,
                "people": [u.pk for u in people],
                "staff": [u.pk for u in staff],
                "teams": [t.pk for t in teams],
                "service": service.pk,
                "version": service.current_version_id,
                "scoring_version": version.pk,
            },
        )
        for table in ("intake_request", "intake_priority"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # what autovacuum does after a load
    print(f"loaded {Request.objects.count():,} requests in {time.perf_counter() - started:.1f} s")


CASES = [
    ("backlog page, sort score", "page", "/requests/"),
    ("backlog page, sort due", "page", "/requests/?sort=due"),
    ("backlog page, team+breached", "page", "/requests/?team=team-3&sla_state=breached"),
    ("backlog page, oldest, page 20", "page", "/requests/?sort=age&page=20"),
    ("my team's requests (requester)", "requester", "/requests/"),
    ("API list, sort score", "api", "/api/v1/requests/?page_size=50"),
    ("API list, sort due", "api", "/api/v1/requests/?page_size=50&sort=due"),
    (
        "API list, status+assignee",
        "api",
        "/api/v1/requests/?page_size=50&status=submitted&assignee=pm1",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve() -> tuple[subprocess.Popen, str]:
    """gunicorn with the production config on a free loopback port, this scratch database."""
    port = _free_port()
    env = os.environ | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": os.environ.get("BENCH_WORKERS", "3"),  # docker-compose's default
        "GUNICORN_THREADS": os.environ.get("BENCH_THREADS", "1"),
        "GUNICORN_ACCESSLOG": "",
        # one token for all clients: the throttle still runs (one Redis INCR), never refuses
        "API_THROTTLE_USER": "1000000/min",
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "mops.wsgi:application",
            "--config",
            "python:mops.gunicorn_conf",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def concurrent_phase(headers: dict[str, dict[str, str]]) -> dict[str, float]:
    """Every case over HTTP with BENCH_CLIENTS (10) concurrent clients; the worst p95 of the
    API lists and of the HTML pages."""
    sys.path.insert(0, str(ROOT / "bench"))
    from httpload import hammer

    clients = int(os.environ.get("BENCH_CLIENTS", "10"))
    total = int(os.environ.get("BENCH_HTTP_REQUESTS", "300"))
    proc, base = serve()
    worst = {"api": 0.0, "page": 0.0}
    try:
        print(
            f"\n{clients} concurrent clients over HTTP, gunicorn "
            f"{os.environ.get('BENCH_WORKERS', '3')} workers × "
            f"{os.environ.get('BENCH_THREADS', '1')} threads; load average "
            f"{open('/proc/loadavg').read().split()[0]}"
        )
        print(f"{'case':36} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
        for label, who, url in CASES:
            r = hammer(base, url, headers=headers[who], clients=clients, requests=total)
            assert r.errors == 0, (label, r.errors)
            kind = "api" if who == "api" else "page"
            worst[kind] = max(worst[kind], r.p95_ms)
            print(f"{label:36} {r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.per_second:7.1f}")
        # #17's target is the API list's; the HTML pages' figures are reported beside it
        print(
            f"worst API list p95 with {clients} clients: {worst['api']:.1f} ms (target ≤ 150 ms); "
            f"worst backlog page p95: {worst['page']:.1f} ms (no target)"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return worst


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reuse = bool(os.environ.get("BENCH_REUSE"))
    if not reuse:
        scratchdb.recreate(DB_NAME)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from intake import services
    from mops.accounts.models import User
    from mops.accounts.services import api_token_create

    if not reuse:
        load(n)
    calibration = scratchdb.calibration_seconds(connection)
    print(
        f"machine calibration: count(generate_series(5M)) = {calibration:.2f} s "
        f"(≈0.3–0.5 s on an idle modern core); load average {os.getloadavg()[0]:.1f}"
    )

    pm = User.objects.get(username="pm0")
    admin = User.objects.get(username="admin")
    version = services.default_scoring_version()
    page = Client()
    page.force_login(pm)
    _, key = api_token_create(user=pm, name="bench")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    requester = Client()
    requester.force_login(User.objects.get(username="requester0"))
    clients = {"page": page, "api": api, "requester": requester}
    print(f"{'case':36} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for label, who, url in CASES:
        p50, p95 = timed(clients[who], url)
        worst = max(worst, p95)
        print(f"{label:36} {p50:8.1f} {p95:8.1f}")
    print(f"worst list p95: {worst:.1f} ms (target ≤ 150 ms)")

    cookie = settings.SESSION_COOKIE_NAME
    concurrent_phase(
        {
            "page": {"Cookie": f"{cookie}={page.cookies[cookie].value}"},
            "requester": {"Cookie": f"{cookie}={requester.cookies[cookie].value}"},
            "api": {"Authorization": f"Token {key}"},
        }
    )

    factors = [dict(f, weight=f["weight"] + 1) for f in version.factors]
    times = []
    for attempt in range(3):
        factors = [dict(f, weight=f["weight"] + 1) for f in factors]
        started = time.perf_counter()
        new = services.scoring_model_update(
            scoring_model=version.scoring_model,
            factors=factors,
            actor=admin,
            note=f"bench {attempt}",
        )
        times.append(time.perf_counter() - started)
        new.refresh_from_db()
    print(
        f"rescoring {new.rescored_count:,} requests (one UPDATE): "
        f"best {min(times):.2f} s, worst {max(times):.2f} s (target ≤ 3 s)"
    )
    connection.close()
    if not os.environ.get("BENCH_KEEP"):
        scratchdb.drop(DB_NAME)


if __name__ == "__main__":
    main()
