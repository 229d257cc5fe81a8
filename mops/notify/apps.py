from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "mops.notify"
    label = "notify"
    verbose_name = "Outbound delivery"

    def ready(self) -> None:
        from mops.accounts.roles import ADMINS, ALL_ROLES
        from mops.core import registry

        registry.nav_items.append(
            registry.NavItem("Dead letters", "notify:dead_letters", ADMINS, 90, group="admin")
        )
        from .selectors import inbox_panel, unread_count

        registry.nav_items.append(
            registry.NavItem(
                "Inbox", "notify:inbox", ALL_ROLES, 30, group="work", count=unread_count
            )
        )
        registry.home_panels.append(inbox_panel)
