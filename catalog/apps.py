from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Service catalog"

    def ready(self) -> None:
        from mops.accounts.roles import ALL_ROLES, MOPS_STAFF
        from mops.core import registry

        from . import demo, setup
        from .panels import draft_services_panel

        registry.nav_items.append(
            registry.NavItem("Catalog", "catalog:service_list", ALL_ROLES, 10, group="work")
        )
        registry.nav_items.append(
            registry.NavItem("Templates", "catalog:template_list", MOPS_STAFF, 12, group="work")
        )
        registry.nav_items.append(
            registry.NavItem(
                "SLAs and calendars", "catalog:sla_list", MOPS_STAFF, 14, group="admin"
            )
        )
        registry.home_panels.append(draft_services_panel)
        registry.setup_steps.append(setup.setup_steps)
        registry.demo_loaders.append(("catalog", demo.load))
