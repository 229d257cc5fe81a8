from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mops.core"
    label = "core"
    verbose_name = "mops core"
