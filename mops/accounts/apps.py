from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mops.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from mops.core import registry

        from . import demo
        from .roles import ADMINS
        from .setup import setup_panel, setup_steps

        registry.demo_loaders.append(("accounts", demo.load))
        registry.nav_items.append(registry.NavItem("Set-up guide", "setup", ADMINS, 80, "admin"))
        registry.nav_items.append(registry.NavItem("People", "people", ADMINS, 81, "admin"))
        registry.nav_items.append(registry.NavItem("Teams", "teams", ADMINS, 82, "admin"))
        registry.setup_steps.append(setup_steps)
        registry.home_panels.insert(0, setup_panel)
