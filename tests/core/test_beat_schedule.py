"""The periodic tasks are declared in one place (settings.CELERY_BEAT_SCHEDULE) and each
names a task the worker knows."""

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
    } <= tasks
