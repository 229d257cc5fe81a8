"""Live docs: read-only pages built from what the system runs on — the active taxonomy, the
data contracts, and the process maps drawn from each model's lifecycle declaration (found
through the app registry, so governance never imports the apps above it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from mops.core.lifecycle import Lifecycle

from .statediagram import merge_edges, render_svg


@dataclass(frozen=True)
class ProcessMap:
    key: str  # "app_label.model": the permalink
    title: str
    lifecycle: Lifecycle

    def svg(self) -> str:
        edges = merge_edges(
            (t.title, t.sources, t.target, bool(t.driven_by))
            for t in self.lifecycle.transitions.values()
        )
        return render_svg(list(self.lifecycle.states), edges, title=f"{self.title} lifecycle")


def process_maps() -> list[ProcessMap]:
    """Every model that declares a lifecycle, by title."""
    found = [
        ProcessMap(
            model._meta.label_lower,
            str(model._meta.verbose_name).capitalize(),
            model.lifecycle,  # type: ignore[attr-defined]
        )
        for model in apps.get_models()
        if isinstance(getattr(model, "lifecycle", None), Lifecycle)
    ]
    return sorted(found, key=lambda m: m.title)


def process_map(key: str) -> ProcessMap | None:
    return next((m for m in process_maps() if m.key == key), None)


def _model(label: str, name: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def last_change(model: type[models.Model] | None, pk: Any = None) -> Any:
    """The newest audit row of `model` (of one object when `pk` is given), or None."""
    if model is None or not hasattr(model, "history"):
        return None
    history = model.history.select_related("history_user")
    if pk is not None:
        history = history.filter(id=pk)
    return history.order_by("-history_date").first()


def active_taxonomy() -> Any:
    model = _model("governance", "TaxonomyVersion")
    return model._default_manager.filter(is_active=True).first() if model else None


def taxonomy_model() -> type[models.Model] | None:
    return _model("governance", "TaxonomyVersion")


def contracts() -> Any:
    model = _model("governance", "DataContract")
    if model is None:
        return []
    return model._default_manager.select_related("dataset").order_by(
        "dataset__schema", "dataset__table"
    )


def contract(pk: int) -> Any:
    model = _model("governance", "DataContract")
    return model._default_manager.select_related("dataset").filter(pk=pk).first() if model else None


def contract_model() -> type[models.Model] | None:
    return _model("governance", "DataContract")
