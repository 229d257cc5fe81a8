from django.apps import AppConfig


class StackConfig(AppConfig):
    """The marketing stack (#14): tool registry, integration map, contracts and renewals.
    Lives under governance (guardrails are governance), below intake and metrics."""

    name = "governance.stack"
    label = "stack"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Tech stack"

    def ready(self) -> None:
        from catalog import hooks as catalog_hooks
        from mops.core import registry
        from mops.core.registry import NavItem

        from . import demo, evaluation
        from .services import STACK_READERS

        registry.nav_items.extend(
            [
                NavItem("Tech stack", "stack:tool_list", STACK_READERS, 50, "governance"),
                NavItem("Integration map", "stack:map", STACK_READERS, 51, "governance"),
                NavItem("Renewals", "stack:renewals", STACK_READERS, 52, "governance"),
                NavItem("Licence use", "stack:utilisation", STACK_READERS, 53, "governance"),
                NavItem("Access reviews", "stack:review_list", STACK_READERS, 54, "governance"),
                NavItem(
                    "Instrumentation", "stack:instrument_list", STACK_READERS, 55, "governance"
                ),
            ]
        )
        catalog_hooks.answer_notes.append(evaluation.approved_tools_notes)
        registry.demo_loaders.append(("stack", demo.load))
