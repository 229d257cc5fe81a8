"""A real Celery worker (subprocess) on the test database and the real Redis."""

import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/workers/" in str(item.fspath):
            item.add_marker(pytest.mark.worker)


def test_database_url() -> str:
    """A DATABASE_URL for a worker process on the test database (a Unix-socket directory,
    as the embedded PostgreSQL uses, is percent-encoded in the host part)."""
    db = connection.settings_dict
    host = urllib.parse.quote(db["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def worker_env(settings, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The environment of a worker process on the test database and this test's cache."""
    return os.environ | {
        "DATABASE_URL": test_database_url(),
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "DB_CONN_MAX_AGE": "0",
        **extra,
    }


def worker_start(queue: str, env: dict[str, str], stdout: int) -> subprocess.Popen:
    """Start `celery worker` (solo pool) listening on `queue` only; its stderr goes to
    `stdout` (subprocess.PIPE or DEVNULL)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mops",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.STDOUT,
    )


def worker_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """Start `celery worker` against the test database; yields the process."""
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    process = worker_start(queue, worker_env(settings), subprocess.PIPE)
    process.queue = queue  # type: ignore[attr-defined]
    yield process
    worker_stop(process)


@pytest.fixture
def route_to_worker(settings, celery_worker_process):
    """Send this test's tasks to the queue only its worker listens on."""
    from mops.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker_process.queue
    yield celery_worker_process
    app.conf.task_default_queue = previous


def wait_for(predicate, timeout: float = 90.0, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
