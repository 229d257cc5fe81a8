from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Release trains and QA"

    def ready(self) -> None:
        from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING
        from mops.core import registry
        from releases import demo, receivers, setup
        from releases.panels import departures_panel

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
        from releases import work
        from releases.boarding.views import request_next_steps, rfc_board_link

        governance_hooks.register(governance_hooks.rfc_actions, rfc_board_link)
        # governance's rfc_schedule asks this whether a window is inside a freeze.
        governance_hooks.register(governance_hooks.freeze_checks, work.window_frozen)
        intake_hooks.request_next_steps.append(request_next_steps)
