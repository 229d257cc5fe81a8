from django.apps import AppConfig


class EnablementConfig(AppConfig):
    """Playbooks for marketers, training paths and office hours (#16); lives under governance, below intake."""

    name = "governance.enablement"
    label = "enablement"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Enablement"

    def ready(self) -> None:
        from catalog import hooks as catalog_hooks
        from mops.accounts.roles import ALL_ROLES
        from mops.core import registry
        from mops.core.registry import NavItem

        from . import demo, selectors

        registry.nav_items.extend(
            [
                NavItem("Playbooks", "enablement:playbook_list", ALL_ROLES, 30, "work"),
                NavItem("Training", "enablement:course_list", ALL_ROLES, 31, "work"),
                NavItem("Office hours", "enablement:office_hours", ALL_ROLES, 32, "work"),
                NavItem("Live docs", "enablement:docs", ALL_ROLES, 33, "work"),
            ]
        )
        catalog_hooks.service_reading.append(selectors.service_reading)
        catalog_hooks.selfserve_gates.append(selectors.selfserve_gate)
        registry.demo_loaders.append(("enablement", demo.load))
