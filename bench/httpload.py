"""Concurrent HTTP clients against a running mops server: latency percentiles and
throughput, the way a team's browsers and scripts hit it (not Django's test client).

Run against any server, e.g. `make run` (demo log-ins) or gunicorn started by a bench:

    .venv/bin/python bench/httpload.py http://127.0.0.1:8000 /metrics/ /requests/ \
        --login pm:<password> --clients 10 --requests 300

Each client is a thread with its own connection (gunicorn's sync workers close it after
each response; the client reconnects). Requests are bounded in number, and only loopback
addresses are accepted. Used by `bench_intake.py` for its concurrent phase.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass

LOOPBACK = ("127.", "localhost", "[::1]")


@dataclass
class LoadResult:
    path: str
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    per_second: float
    errors: int


def _connection(base: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(base)
    if not (parts.hostname or "").startswith(LOOPBACK) and parts.hostname != "::1":
        raise SystemExit(f"refusing {base}: load tests only target this machine")
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
    except (ConnectionError, http.client.HTTPException):
        conn.close()  # a dropped keep-alive connection: reconnect once
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status


def login(base: str, username: str, password: str) -> dict[str, str]:
    """Sign in through the log-in form; the session cookie as request headers."""
    conn = _connection(base)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookies = _cookies(page.getheaders())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": username,
            "password": password,
        }
    )
    conn.close()
    conn = _connection(base)
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": base + "/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    cookies.update(_cookies(answer.getheaders()))
    conn.close()
    if "sessionid" not in cookies:
        raise SystemExit(f"log-in as {username} failed ({answer.status})")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            out[key.strip()] = rest.split(";", 1)[0]
    return out


def hammer(
    base: str,
    path: str,
    *,
    headers: dict[str, str],
    clients: int = 10,
    requests: int = 300,
    warm: int = 2,
) -> LoadResult:
    """`clients` threads share `requests` GETs of `path` (after `warm` each, untimed)."""
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    start_line = threading.Barrier(clients + 1)

    def client() -> None:
        conn = _connection(base)
        for _ in range(warm):
            _get(conn, path, headers)
        start_line.wait()
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            status = _get(conn, path, headers)
            mine.append((time.perf_counter() - started) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.perf_counter() - began
    samples.sort()
    return LoadResult(
        path=path,
        requests=len(samples),
        p50_ms=statistics.median(samples),
        p95_ms=samples[max(0, int(len(samples) * 0.95) - 1)],
        max_ms=samples[-1],
        per_second=len(samples) / elapsed,
        errors=errors[0],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login", help="username:password (form log-in)")
    parser.add_argument("--token", help="API token (Authorization: Token …)")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    headers: dict[str, str] = {}
    if args.login:
        username, _, password = args.login.partition(":")
        headers = login(base, username, password)
    if args.token:
        headers["Authorization"] = f"Token {args.token}"
    print(f"{'path':50} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7} errors")
    for path in args.paths:
        r = hammer(base, path, headers=headers, clients=args.clients, requests=args.requests)
        print(
            f"{path:50} {r.requests:5} {r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.max_ms:8.1f} "
            f"{r.per_second:7.1f} {r.errors}"
        )


if __name__ == "__main__":
    main()
