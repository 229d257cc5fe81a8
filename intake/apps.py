from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Requests"

    def ready(self) -> None:
        from mops.accounts.roles import ADMINS, ALL_ROLES, READ_EVERYTHING
        from mops.core import registry

        from . import demo
        from .panels import backlog_panel, my_team_panel

        registry.nav_items.append(
            registry.NavItem("Requests", "intake:request_list", ALL_ROLES, 20, group="work")
        )
        registry.nav_items.append(
            registry.NavItem(
                "Backlog review", "intake:review", READ_EVERYTHING, 61, group="insights"
            )
        )
        registry.nav_items.append(
            registry.NavItem("Scoring model", "intake:scoring", ADMINS, 85, group="admin")
        )
        registry.home_panels.append(my_team_panel)
        registry.home_panels.append(backlog_panel)
        registry.demo_loaders.append(("intake", demo.load))
        from governance.stack import hooks as stack_hooks

        from . import stack_demo, tracking_events

        stack_hooks.tracking_plan_events.append(tracking_events.planned_events)
        registry.demo_loaders.append(("intake stack", stack_demo.load))
