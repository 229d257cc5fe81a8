"""The releases steps of the set-up guide: a QA checklist, then a release train."""

from collections.abc import Iterable

from django.db.models import Model
from django.urls import reverse

from mops.core.registry import SetupStep
from releases.qa.models import ChecklistTemplate
from releases.trains.models import Train

# model, title, page to create the first one, page listing them, what it is, order
STEPS: tuple[tuple[type[Model], str, str, str, str, int], ...] = (
    (
        ChecklistTemplate,
        "QA checklist",
        "releases:template_create",
        "releases:template_list",
        "The checks work must pass before it boards a departure, by channel and change type.",
        50,
    ),
    (
        Train,
        "Release train",
        "releases:train_create",
        "releases:train_list",
        "Your recurring launch window, with capacity and a QA cutoff; departures on "
        "the calendar's closed days are closed.",
        60,
    ),
)


def setup_steps() -> Iterable[SetupStep]:
    for model, title, create, listing, detail, order in STEPS:
        done = model._default_manager.exists()
        yield SetupStep(
            title=title,
            done=done,
            url=reverse(listing if done else create),
            detail=detail,
            order=order,
        )
