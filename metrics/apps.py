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
        from mops.accounts.roles import ADMINS, Role
        from mops.core import registry

        from . import demo, receivers
        from .impact import demo as impact_demo
        from .impact import tasks as impact_tasks  # noqa: F401 — registers the Celery tasks
        from .panels import leadership_panel

        receivers.connect()
        dashboard_roles = frozenset({Role.LEADERSHIP, Role.PM}) | ADMINS
        for label, url_name, order in (
            ("Dashboard", "metrics:dashboard", 60),
            ("Are we high-performing?", "metrics:health", 62),
            ("NPS", "metrics:nps", 64),
            ("Enablement", "metrics:enablement", 65),
            ("Business impact", "metrics:impact", 61),
            ("30-60-90 plan", "metrics:standup", 66),
        ):
            registry.nav_items.append(
                registry.NavItem(label, url_name, dashboard_roles, order, group="insights")
            )
        registry.home_panels.append(leadership_panel)
        # Requests an import writes in bulk send no post_save: their facts are refreshed
        # after the import commits (#21), in bounded batches.
        from intake import hooks as intake_hooks

        intake_hooks.requests_imported.append(_refresh_imported)
        registry.demo_loaders.append(("metrics", demo.load))
        registry.demo_loaders.append(("metrics impact", impact_demo.load))
