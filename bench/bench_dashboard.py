"""The leadership dashboard page at each period on a database kept by bench_metrics.py:
rounds of /metrics/?period=week|month|quarter (server time through Django's test client,
signed in as leadership), with the load average of each run; min and median per view.

Run: BENCH_DB=mops_bench_metrics .venv/bin/python bench/bench_dashboard.py [rounds]
     (after `BENCH_KEEP=1 .venv/bin/python bench/bench_metrics.py` built that database)
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import scratchdb  # also puts the project on sys.path

DB_NAME = scratchdb.use("mops_bench_metrics")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    import django

    django.setup()
    from django.test import Client

    from mops.accounts.models import User
    from mops.accounts.roles import GROUP_NAMES, Role

    leader = User.objects.filter(groups__name=GROUP_NAMES[Role.LEADERSHIP]).first()
    if leader is None:
        raise SystemExit(f"{DB_NAME} has no leadership user: build it with bench_metrics.py")
    client = Client()
    client.force_login(leader)
    for period in ("week", "month", "quarter"):
        url = f"/metrics/?period={period}"
        assert client.get(url).status_code == 200  # warm-up
        times = []
        for index in range(rounds):
            load = os.getloadavg()[0]
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
            print(f"{url:28} round {index + 1}: {times[-1]:7.0f} ms (load {load:.1f})")
        print(f"{url:28} min {min(times):.0f} ms, median {statistics.median(times):.0f} ms")


if __name__ == "__main__":
    main()
