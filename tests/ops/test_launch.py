"""The second shell: `make manage` / the `mops` command find the servers `make run` uses."""

from __future__ import annotations

import os
import subprocess

from mops import launch


def test_running_services_are_read_only_while_make_run_lives(tmp_path, monkeypatch):
    services = tmp_path / "services.env"
    monkeypatch.setattr(launch, "SERVICES_FILE", services)
    assert launch._running_services() == {}
    services.write_text(
        f"DATABASE_URL=postgres://postgres@%2Ftmp%2Fpg:5432/mops\nREDIS_URL=redis://127.0.0.1:6390/0\nPID={os.getpid()}\n"
    )
    found = launch._running_services()
    assert found["DATABASE_URL"] == "postgres://postgres@%2Ftmp%2Fpg:5432/mops"
    dead = subprocess.Popen(["true"])
    dead.wait()
    services.write_text(f"DATABASE_URL=postgres://x/y\nPID={dead.pid}\n")
    assert launch._running_services() == {}  # a crashed `make run` left a stale file


def test_services_from_a_running_make_run_fill_the_environment(tmp_path, monkeypatch):
    services = tmp_path / "services.env"
    monkeypatch.setattr(launch, "SERVICES_FILE", services)
    services.write_text(
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/from_run\n"
        "REDIS_URL=redis://127.0.0.1:6379/5\nSITE_URL=http://127.0.0.1:8123\n"
        f"PID={os.getpid()}\n"
    )
    for key in ("DATABASE_URL", "REDIS_URL", "SITE_URL"):
        monkeypatch.delenv(key, raising=False)
    assert launch._services(prefer_local=False) == []  # nothing embedded was started
    assert os.environ["DATABASE_URL"].endswith("/from_run")
    assert os.environ["SITE_URL"] == "http://127.0.0.1:8123"


def test_make_test_runs_one_worker_per_cpu_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("TEST_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert launch._parallel(["-q"]) == ["-n", "2", "--dist", "loadgroup"]
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(32)))
    assert launch._parallel([]) == ["-n", "8", "--dist", "loadgroup"]  # Redis has 16 databases
    # The caller's choice wins: explicit -n, or xdist switched off.
    assert launch._parallel(["-n", "0", "tests/workers"]) == []
    assert launch._parallel(["-n4"]) == []
    assert launch._parallel(["-p", "no:xdist"]) == []
    monkeypatch.setenv("TEST_WORKERS", "1")
    assert launch._parallel([]) == []  # serial
    monkeypatch.setenv("TEST_WORKERS", "3")
    assert launch._parallel([]) == ["-n", "3", "--dist", "loadgroup"]
