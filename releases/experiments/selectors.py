"""Reads of the experiment register."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from releases.experiments.models import Experiment, ExperimentEvent


def experiments() -> QuerySet[Experiment]:
    """The experiment register, newest first, with what its rows show (one query)."""
    return Experiment.objects.select_related(
        "owner", "team", "request", "departure__train"
    ).order_by("-created_at", "-id")


def experiment_detail() -> QuerySet[Experiment]:
    """Experiments with their event timeline (actor included): two queries."""
    return experiments().prefetch_related(
        Prefetch(
            "events",
            queryset=ExperimentEvent.objects.select_related("actor").order_by("at", "id"),
        )
    )
