from django.apps import AppConfig


def _refresh_imported(request_ids: list[int]) -> None:
    """After an import committed: the facts of the requests it wrote — at once for a small
    import, by the worker's stale-facts refresh (queued now) for a large one, so the import
    is not held up. A failure is logged, never raised into the committed import (the
    hourly refresh retries)."""
    import logging

    from .facts import request_facts_refresh
    from .tasks import facts_refresh_stale

    try:
        if len(request_ids) <= 500:
            request_facts_refresh(request_ids=request_ids)
        else:
            facts_refresh_stale.delay()
    except Exception:
        logging.getLogger(__name__).exception("metrics: facts of imported requests")


class MetricsConfig(AppConfig):
    name = "metrics"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from celery.schedules import crontab
        from django.conf import settings

        from mops.accounts.roles import ADMINS, Role
        from mops.core import registry

        from . import demo, signals
        from .impact import demo as impact_demo
        from .impact import tasks as impact_tasks  # noqa: F401 — registers the Celery tasks
        from .panels import leadership_panel

        signals.connect()
        dashboard_roles = frozenset({Role.LEADERSHIP, Role.PM}) | ADMINS
        registry.nav_items.append(
            registry.NavItem(
                "Dashboard", "metrics:dashboard", dashboard_roles, 60, group="insights"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "Are we high-performing?", "metrics:health", dashboard_roles, 62, group="insights"
            )
        )
        registry.nav_items.append(
            registry.NavItem("NPS", "metrics:nps", dashboard_roles, 64, group="insights")
        )
        registry.nav_items.append(
            registry.NavItem(
                "Enablement", "metrics:enablement", dashboard_roles, 65, group="insights"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "Business impact", "metrics:impact", dashboard_roles, 61, group="insights"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "30-60-90 plan", "metrics:standup", dashboard_roles, 66, group="insights"
            )
        )
        registry.home_panels.append(leadership_panel)
        # Requests an import writes in bulk send no post_save: their facts are refreshed
        # after the import commits (#21), in bounded batches.
        from intake import hooks as intake_hooks

        intake_hooks.requests_imported.append(_refresh_imported)
        registry.demo_loaders.append(("metrics", demo.load))
        registry.demo_loaders.append(("metrics impact", impact_demo.load))
        settings.CELERY_BEAT_SCHEDULE["metrics-weekly-digest"] = {
            "task": "metrics.tasks.weekly_digest",
            "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
        }
        settings.CELERY_BEAT_SCHEDULE["metrics-quarterly-survey"] = {
            "task": "metrics.tasks.quarterly_survey",
            "schedule": crontab(minute=0, hour=9, day_of_month=1, month_of_year="1,4,7,10"),
        }
        settings.CELERY_BEAT_SCHEDULE["metrics-facts-refresh"] = {
            "task": "metrics.tasks.facts_refresh_stale",
            "schedule": crontab(minute=15),
        }
        settings.CELERY_BEAT_SCHEDULE["metrics-rollup-rebuild"] = {
            "task": "metrics.tasks.rollup_rebuild",
            "schedule": crontab(minute=40, hour=3),
        }
        settings.CELERY_BEAT_SCHEDULE["metrics-impact-snapshots"] = {
            "task": "metrics.impact.snapshots_refresh",
            "schedule": crontab(minute=10, hour=4),
        }
        settings.CELERY_BEAT_SCHEDULE["metrics-impact-review"] = {
            "task": "metrics.impact.review_send",
            "schedule": crontab(minute=0, hour=9, day_of_month=1),
        }
