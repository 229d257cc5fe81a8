from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Governance"

    def ready(self) -> None:
        from mops.accounts.roles import ALL_ROLES
        from mops.core import registry

        from . import demo
        from .panels import rfc_review_panel, rfc_schedule_panel
        from .selectors import RFC_READERS

        registry.nav_items.append(registry.NavItem("RFCs", "governance:rfc_list", RFC_READERS, 40))
        registry.nav_items.append(
            registry.NavItem("UTM builder", "governance:utm_builder", ALL_ROLES, 45)
        )
        registry.home_panels.append(rfc_review_panel)
        registry.home_panels.append(rfc_schedule_panel)
        registry.demo_loaders.append(("governance", demo.load))
