from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mops.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from mops.core import registry

        from . import demo

        registry.demo_loaders.append(("accounts", demo.load))
