"""The releases steps of the set-up guide: a QA checklist, then a release train."""

from collections.abc import Iterable

from django.urls import reverse

from mops.core.registry import SetupStep
from releases.qa.models import ChecklistTemplate
from releases.trains.models import Train


def setup_steps() -> Iterable[SetupStep]:
    has_checklist = ChecklistTemplate.objects.exists()
    yield SetupStep(
        title="QA checklist",
        done=has_checklist,
        url=reverse("releases:template_create" if not has_checklist else "releases:template_list"),
        detail="The checks work must pass before it boards a departure, by channel and "
        "change type.",
        order=50,
    )
    has_train = Train.objects.exists()
    yield SetupStep(
        title="Release train",
        done=has_train,
        url=reverse("releases:train_create" if not has_train else "releases:train_list"),
        detail="Your recurring launch window, with capacity and a QA cutoff; departures on "
        "the calendar's closed days are closed.",
        order=60,
    )
