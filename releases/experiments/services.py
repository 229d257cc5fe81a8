"""Writes on the experiment register."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.lifecycle import Transition
from mops.core.services import fields_check, model_update, require_role
from releases.common import EXPERIMENT_EDITORS, check_version, roles_of, who
from releases.experiments import design
from releases.experiments.models import (
    EXPERIMENT_ENDED,
    MAX_SAMPLE,
    Experiment,
    ExperimentEvent,
    ExperimentStatus,
)

log = logging.getLogger(__name__)

# --- experiments ------------------------------------------------------------------------------

EXPERIMENT_FIELDS = (
    "name",
    "hypothesis",
    "owner",
    "team",
    "request",
    "departure",
    "channel",
    "primary_metric",
    "baseline_rate",
    "minimum_detectable_effect",
    "alpha",
    "power",
    "variants",
    "cost",
    "learnings",
)
# The design fixes the sample size: it may change only before the test starts.
DESIGN_FIELDS = ("baseline_rate", "minimum_detectable_effect", "alpha", "power", "variants")
# What an ended experiment still takes (the invoice arrives late; learnings get rewritten).
AFTER_END_FIELDS = ("cost", "learnings")


def experiment_editable_fields(experiment: Experiment) -> tuple[str, ...]:
    """Everything while planned; all but the design while running; cost and learnings
    once it has ended."""
    if experiment.status == ExperimentStatus.PLANNED:
        return EXPERIMENT_FIELDS
    if experiment.status in EXPERIMENT_ENDED:
        return AFTER_END_FIELDS
    return tuple(f for f in EXPERIMENT_FIELDS if f not in DESIGN_FIELDS)


def _clean_experiment(experiment: Experiment) -> None:
    """Validate the fields, then compute the required sample per variant from the design
    (`releases.experiments`); every problem names its field."""
    errors: dict[str, list[str]] = {}
    try:
        experiment.full_clean(exclude=["required_sample_per_variant"])
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    if not any(f in errors for f in DESIGN_FIELDS):
        try:
            required = design.required_sample_per_variant(
                baseline=experiment.baseline_rate,
                mde=experiment.minimum_detectable_effect,
                alpha=experiment.alpha,
                power=experiment.power,
            )
        except design.DesignError as exc:
            errors.setdefault(exc.field, []).append(exc.message)
        else:
            if required > MAX_SAMPLE:
                errors.setdefault("minimum_detectable_effect", []).append(
                    f"This design needs {required:,} per variant: detect a larger effect."
                )
            else:
                experiment.required_sample_per_variant = required
    if errors:
        raise ValidationError(errors)


def _experiment_event(
    experiment: Experiment, *, actor: User, at: datetime, name: str, source: str, note: str = ""
) -> ExperimentEvent:
    return ExperimentEvent.objects.create(
        experiment=experiment,
        actor=actor,
        at=at,
        transition=name,
        from_status=source,
        to_status=experiment.status,
        note=note,
    )


def experiment_create(*, actor: User, now: datetime | None = None, **fields: Any) -> Experiment:
    """Register a planned experiment. The owner defaults to the actor, the team to the
    owner's team; the required sample per variant is computed from the design."""
    require_role(actor, EXPERIMENT_EDITORS, "register experiments")
    fields_check(fields, fields=EXPERIMENT_FIELDS, message="Not an experiment field.")
    if fields.get("owner") is None:
        fields["owner"] = actor
    if fields.get("team") is None:
        fields.pop("team", None)
        team = getattr(fields["owner"], "team", None)
        if team is None:
            raise ValidationError({"team": "Choose the team the experiment is for."})
        fields["team"] = team
    experiment = Experiment(**fields)
    with transaction.atomic():
        _clean_experiment(experiment)
        set_change_reason(experiment, f"registered by {who(actor)}")
        experiment.save()
        _experiment_event(
            experiment, actor=actor, at=now or timezone.now(), name="create", source=""
        )
    return experiment


def experiment_update(
    *, experiment: Experiment, actor: User, expected_version: int | None = None, **changes: Any
) -> Experiment:
    """Edit an experiment (If-Match). The design cannot change once it runs; an ended one
    takes only its cost and learnings."""
    require_role(actor, EXPERIMENT_EDITORS, "edit experiments")
    fields_check(changes, fields=EXPERIMENT_FIELDS, message="Not an experiment field.")
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        check_version(experiment, expected_version)
        allowed = experiment_editable_fields(experiment)
        refused = {
            key: (
                "An ended experiment only takes its cost and learnings."
                if experiment.is_ended
                else "The design is fixed once the experiment runs: register a new one."
            )
            for key, value in changes.items()
            if key not in allowed and getattr(experiment, key) != value
        }
        if refused:
            raise ValidationError(refused)
        model_update(experiment, fields=EXPERIMENT_FIELDS, data=changes)
        experiment.version += 1
        _clean_experiment(experiment)
        set_change_reason(experiment, f"edited by {who(actor)}")
        experiment.save()
    return experiment


def experiment_transition(
    *,
    experiment: Experiment,
    name: str,
    actor: User,
    note: str = "",
    result: str = "",
    learnings: str = "",
    observed_sample_per_variant: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Experiment:
    """planned → running (start) → concluded (conclude) or stopped (stop, with a note);
    planned → cancelled (cancel, with a note). Each step is an `ExperimentEvent`.

    Concluding needs the result (win / loss / inconclusive), the learnings and the sample
    each variant reached (the smallest arm); `met_power` is then observed ≥ required."""
    now = now or timezone.now()
    note = (note or "").strip()
    learnings = (learnings or "").strip()

    def guard(experiment: Experiment, transition: Transition, source: str) -> None:
        if transition.needs_note and not note:
            raise ValidationError({"note": f"Say why ({transition.title.lower()})."})
        misplaced: dict[str, str] = {}
        if name != "conclude":
            if result:
                misplaced["result"] = "A result is given when concluding."
            if observed_sample_per_variant is not None:
                misplaced["observed_sample_per_variant"] = "The sample is given when concluding."
        if learnings and name not in ("conclude", "stop"):
            misplaced["learnings"] = "Learnings are written when concluding or stopping."
        if misplaced:
            raise ValidationError(misplaced)
        _record_outcome(experiment, name, now, result, learnings, observed_sample_per_variant)
        _clean_experiment(experiment)

    def event(experiment: Experiment, transition: Transition, source: str) -> None:
        _experiment_event(experiment, actor=actor, at=now, name=name, source=source, note=note)

    return Experiment.lifecycle.apply(
        experiment,
        name,
        actor,
        note,
        roles=roles_of(actor),
        guard=guard,
        event=event,
        expected_version=expected_version,
    )


def _record_outcome(
    experiment: Experiment,
    name: str,
    now: datetime,
    result: str,
    learnings: str,
    observed_sample_per_variant: int | None,
) -> None:
    if name == "start":
        experiment.started_at = now
    elif name == "conclude":  # missing or bad values are reported by the model's clean
        experiment.result = result
        experiment.learnings = learnings or experiment.learnings
        experiment.observed_sample_per_variant = observed_sample_per_variant
        experiment.concluded_at = now
        if observed_sample_per_variant is not None:
            experiment.met_power = design.met_power(
                observed_per_variant=observed_sample_per_variant,
                required_per_variant=experiment.required_sample_per_variant,
            )
    elif name == "stop" and learnings:
        experiment.learnings = learnings
