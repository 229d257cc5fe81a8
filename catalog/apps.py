from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Service catalog"

    def ready(self) -> None:
        from mops.accounts.roles import ALL_ROLES, READ_EVERYTHING
        from mops.core import registry

        from . import demo
        from .panels import draft_services_panel

        registry.nav_items.append(
            registry.NavItem("Catalog", "catalog:service_list", ALL_ROLES, 10)
        )
        registry.nav_items.append(
            registry.NavItem("Templates", "catalog:template_list", READ_EVERYTHING, 12)
        )
        registry.nav_items.append(registry.NavItem("SLAs", "catalog:sla_list", READ_EVERYTHING, 14))
        registry.home_panels.append(draft_services_panel)
        registry.demo_loaders.append(("catalog", demo.load))
