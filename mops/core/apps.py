from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mops.core"
    label = "core"
    verbose_name = "mops core"

    def ready(self) -> None:
        from mops.accounts.roles import ADMINS, MOPS_STAFF

        from . import checks, registry  # noqa: F401  (checks register themselves on import)

        registry.nav_items.append(
            registry.NavItem("Audit log", "audit", MOPS_STAFF, 92, group="admin")
        )
        registry.nav_items.append(
            registry.NavItem("Django admin", "admin:index", ADMINS, 99, group="admin")
        )
