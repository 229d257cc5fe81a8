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

        from .panels import incident_panel, rfc_review_panel, rfc_schedule_panel

        utm_users = ALL_ROLES - {Role.LEADERSHIP}  # leadership reads; the UTM tools are work
        registry.setup_steps.append(setup.setup_steps)
        registry.nav_items.append(
            registry.NavItem(
                "Approval policies", "governance:approval_policies", ADMINS, 83, group="admin"
            )
        )

        registry.nav_items.append(
            registry.NavItem("RFCs", "governance:rfc_list", RFC_READERS, 40, group="governance")
        )
        registry.nav_items.append(
            registry.NavItem(
                "UTM builder", "governance:utm_builder", utm_users, 45, group="governance"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "UTM validator", "governance:utm_validator", utm_users, 46, group="governance"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "Campaigns", "governance:campaign_list", utm_users, 47, group="governance"
            )
        )
        registry.nav_items.append(
            registry.NavItem("Taxonomy", "governance:taxonomy", MOPS_STAFF, 48, group="governance")
        )
        registry.home_panels.append(rfc_review_panel)
        registry.home_panels.append(rfc_schedule_panel)
        registry.demo_loaders.append(("governance", demo.load))
        registry.demo_loaders.append(("governance-health", health_demo.load))
        registry.nav_items.append(
            registry.NavItem(
                "Datasets", "governance:dataset_list", READ_EVERYTHING, 46, group="data"
            )
        )
        registry.nav_items.append(
            registry.NavItem(
                "Incidents", "governance:incident_list", READ_EVERYTHING, 47, group="data"
            )
        )
        registry.nav_items.append(
            registry.NavItem("Monitors", "governance:monitor_list", MOPS_STAFF, 48, group="data")
        )
        registry.nav_items.append(
            registry.NavItem("Runbooks", "governance:runbook_list", MOPS_STAFF, 49, group="data")
        )
        registry.nav_items.append(
            registry.NavItem("Warehouses", "governance:warehouse_list", ADMINS, 88, group="admin")
        )
        registry.home_panels.append(incident_panel)
