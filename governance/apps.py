from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Governance"

    def ready(self) -> None:
        from django.conf import settings

        from mops.accounts.roles import ALL_ROLES, READ_EVERYTHING
        from mops.core import registry

        from . import demo, health_demo
        from .panels import incident_panel, rfc_review_panel, rfc_schedule_panel
        from .selectors import RFC_READERS

        registry.nav_items.append(registry.NavItem("RFCs", "governance:rfc_list", RFC_READERS, 40))
        registry.nav_items.append(
            registry.NavItem("UTM builder", "governance:utm_builder", ALL_ROLES, 45)
        )
        registry.home_panels.append(rfc_review_panel)
        registry.home_panels.append(rfc_schedule_panel)
        registry.demo_loaders.append(("governance", demo.load))
        registry.demo_loaders.append(("governance-health", health_demo.load))
        registry.nav_items.append(
            registry.NavItem("Data health", "governance:dataset_list", READ_EVERYTHING, 46)
        )
        registry.nav_items.append(
            registry.NavItem("Incidents", "governance:incident_list", READ_EVERYTHING, 47)
        )
        registry.home_panels.append(incident_panel)
        settings.CELERY_BEAT_SCHEDULE["governance-monitor-sweep"] = {
            "task": "governance.tasks.monitor_sweep_task",
            "schedule": 60.0,
        }
        settings.CELERY_BEAT_SCHEDULE["governance-incident-escalation"] = {
            "task": "governance.tasks.incident_escalate_task",
            "schedule": 60.0,
        }
