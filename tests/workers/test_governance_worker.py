"""Data-health runs through a real Celery worker (subprocess) on the test database and the
real Redis: the beat scheduler's per-dataset PeriodicTask makes a run happen; a run against
an unreachable database is stored as an error with its reason."""

from __future__ import annotations

import time

import pytest
from django_celery_beat.models import IntervalSchedule

from governance.health.demo import build_warehouse
from governance.health.demo_warehouse import (
    SCHEMA,
    leads_contract,
)
from governance.health.services import (
    contract_save,
    dataset_save,
    warehouse_save,
)
from governance.models import CheckRun, Dataset, Warehouse
from governance.tasks import dataset_run_checks_task

from .conftest import wait_for


def _listening(queue: str) -> bool:
    from mops.celery import app

    replies = app.control.inspect(timeout=1.0).active_queues() or {}
    return any(q["name"] == queue for queues in replies.values() for q in queues)


@pytest.fixture
def leads(users):
    dsn = build_warehouse()
    warehouse = Warehouse.objects.create(name="Demo", is_demo=True, dsn=dsn)
    dataset = dataset_save(actor=users["admin"], warehouse=warehouse, schema=SCHEMA, table="leads")
    contract_save(dataset=dataset, actor=users["admin"], spec=leads_contract())
    return Dataset.objects.get(pk=dataset.pk)


def test_the_datasets_periodic_task_makes_a_scheduled_run_happen(leads, route_to_worker):
    from django_celery_beat.schedulers import DatabaseScheduler

    from mops.celery import app

    task = leads.periodic_task
    assert task.task == "governance.tasks.dataset_run_checks_task" and task.enabled
    # Admins may edit the schedule; here: every second, on this test's worker queue.
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    task.crontab, task.interval, task.queue = None, every_second, route_to_worker.queue
    task.save()
    scheduler = DatabaseScheduler(app=app, lazy=False)

    def scheduled_run_exists() -> bool:
        scheduler.tick()
        return (
            CheckRun.objects.filter(dataset=leads, trigger="schedule")
            .exclude(status="running")
            .exists()
        )

    try:
        assert wait_for(scheduled_run_exists, timeout=60, interval=0.5)
    finally:
        # Write its entries now: left dirty, the scheduler's exit hook would write them
        # after the test database is gone (a "Database error while sync" at exit).
        scheduler.close()
    run = CheckRun.objects.filter(dataset=leads, trigger="schedule").first()
    assert run.status == "fail" and run.results.filter(key="duplicates_normalised:email").exists()
    task.enabled = False
    task.save()
    time.sleep(0.5)


def test_a_run_against_an_unreachable_database_is_recorded_as_an_error(
    leads, users, route_to_worker
):
    broken = warehouse_save(
        actor=users["admin"], name="Unreachable", dsn="postgresql://nobody@127.0.0.1:1/none"
    )
    Dataset.objects.filter(pk=leads.pk).update(warehouse=broken)
    # A message published before a slow-starting worker binds its queue could be lost.
    assert wait_for(lambda: _listening(route_to_worker.queue))
    dataset_run_checks_task.delay(dataset_id=leads.pk, mode="full", trigger="schedule")
    assert wait_for(lambda: CheckRun.objects.filter(dataset=leads, status="error").exists())
    run = CheckRun.objects.get(dataset=leads, status="error")
    assert "unreachable" in run.error.lower() and run.attempt == 1
    assert leads.incidents.filter(source_key=f"run:{leads.pk}", status="open").exists()
