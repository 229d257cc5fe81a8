from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Governance"

    def ready(self) -> None:
        from governance import (
            demo,
            setup,
        )
        from governance.health import demo as health_demo
        from governance.rfc.selectors import RFC_READERS
        from mops.accounts.roles import ADMINS, ALL_ROLES, MOPS_STAFF, READ_EVERYTHING, Role
        from mops.core import registry
        from mops.core.registry import NavItem

        from .panels import incident_panel, rfc_review_panel, rfc_schedule_panel

        utm_users = ALL_ROLES - {Role.LEADERSHIP}  # leadership reads; the UTM tools are work
        registry.setup_steps.append(setup.setup_steps)
        registry.nav_items.extend(
            [
                NavItem("Approval policies", "governance:approval_policies", ADMINS, 83, "admin"),
                NavItem("RFCs", "governance:rfc_list", RFC_READERS, 40, "governance"),
                NavItem("UTM builder", "governance:utm_builder", utm_users, 45, "governance"),
                NavItem("UTM validator", "governance:utm_validator", utm_users, 46, "governance"),
                NavItem("Campaigns", "governance:campaign_list", utm_users, 47, "governance"),
                NavItem("Taxonomy", "governance:taxonomy", MOPS_STAFF, 48, "governance"),
                NavItem("Datasets", "governance:dataset_list", READ_EVERYTHING, 46, "data"),
                NavItem("Incidents", "governance:incident_list", READ_EVERYTHING, 47, "data"),
                NavItem("Monitors", "governance:monitor_list", MOPS_STAFF, 48, "data"),
                NavItem("Runbooks", "governance:runbook_list", MOPS_STAFF, 49, "data"),
                NavItem("Warehouses", "governance:warehouse_list", ADMINS, 88, "admin"),
            ]
        )
        registry.home_panels.extend([rfc_review_panel, rfc_schedule_panel, incident_panel])
        registry.demo_loaders.append(("governance", demo.load))
        registry.demo_loaders.append(("governance-health", health_demo.load))
