"""The periodic tasks are declared in one place (settings.CELERY_BEAT_SCHEDULE) and each
names a task the worker knows."""

import importlib.util
import os
import runpy

from django.conf import settings

from mops.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    unknown = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in app.tasks
    }
    assert unknown == {}


def test_the_apps_periodic_tasks_are_in_the_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "intake.tasks.sla_sweep",
        "intake.tasks.weekly_review",
        "releases.tasks.departures_horizon",
        "releases.tasks.departures_advance",
        "releases.tasks.preflight_sweep",
        "metrics.tasks.weekly_digest",
        "metrics.tasks.quarterly_survey",
        "metrics.tasks.facts_refresh_stale",
        "metrics.tasks.rollup_rebuild",
        "metrics.impact.snapshots_refresh",
        "metrics.impact.review_send",
        "governance.tasks.monitor_sweep_task",
        "governance.tasks.incident_escalate_task",
        "governance.enablement.tasks.course_reminders_task",
        "governance.enablement.tasks.office_hours_sync_task",
        "governance.stack.tasks.renewal_alerts_task",
        "governance.stack.tasks.access_review_reminders_task",
    } <= tasks


def test_no_app_adds_to_the_schedule_at_start_up():
    # The settings module read afresh holds the whole schedule: after every AppConfig.ready()
    # has run, the live schedule is still exactly what mops/settings.py declares.
    spec = importlib.util.find_spec(os.environ["DJANGO_SETTINGS_MODULE"])
    assert spec is not None and spec.origin is not None
    declared = runpy.run_path(spec.origin)["CELERY_BEAT_SCHEDULE"]
    assert settings.CELERY_BEAT_SCHEDULE == declared
