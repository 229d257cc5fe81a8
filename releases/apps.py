from typing import Any

from django.apps import AppConfig


def revoke_feed_token(*, user: Any, **kwargs: Any) -> None:
    """A deactivated person's calendar-feed URL stops working (in the deactivation's
    transaction: `mops.accounts.signals.user_deactivated`)."""
    from mops.core.audit import set_change_reason
    from releases.trains.models import FeedToken

    for token in FeedToken.objects.filter(user=user):
        set_change_reason(token, "revoked: person deactivated")
        token.delete()


class ReleasesConfig(AppConfig):
    name = "releases"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Release trains and QA"

    def ready(self) -> None:
        from celery.schedules import crontab
        from django.conf import settings

        from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING
        from mops.accounts.signals import user_deactivated
        from mops.core import registry
        from releases import demo, receivers, setup
        from releases.panels import departures_panel

        user_deactivated.connect(revoke_feed_token, dispatch_uid="releases.revoke_feed_token")
        registry.setup_steps.append(setup.setup_steps)
        registry.nav_items.append(
            registry.NavItem("Calendar", "releases:calendar", READ_EVERYTHING, 40, group="releases")
        )
        registry.nav_items.append(
            registry.NavItem("Trains", "releases:train_list", MOPS_STAFF, 42, group="releases")
        )
        registry.nav_items.append(
            registry.NavItem(
                "Checklists", "releases:template_list", MOPS_STAFF, 44, group="releases"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "Experiments", "releases:experiment_list", READ_EVERYTHING, 43, group="releases"
            )
        )
        registry.nav_items.append(
            registry.NavItem("Freezes", "releases:freeze_list", ADMINS, 46, group="releases")
        )
        registry.home_panels.append(departures_panel)
        registry.demo_loaders.append(("releases", demo.load))
        receivers.connect()
        from governance import hooks as governance_hooks
        from intake import hooks as intake_hooks
        from releases.boarding.views import request_next_steps, rfc_board_link

        governance_hooks.rfc_actions.append(rfc_board_link)
        intake_hooks.request_next_steps.append(request_next_steps)

        settings.CELERY_BEAT_SCHEDULE["releases-departures-horizon"] = {
            "task": "releases.tasks.departures_horizon",
            "schedule": crontab(minute=5, hour="*/6"),
        }
        settings.CELERY_BEAT_SCHEDULE["releases-departures-advance"] = {
            "task": "releases.tasks.departures_advance",
            "schedule": 60.0,
        }
        settings.CELERY_BEAT_SCHEDULE["releases-preflight-sweep"] = {
            "task": "releases.tasks.preflight_sweep",
            "schedule": 120.0,
        }
