"""Scoring: the default model, a request's score, model changes and the set-based rescoring of the backlog."""

from __future__ import annotations

import time as pytime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from mops.accounts.models import User
from mops.accounts.roles import ADMINS, has_role
from mops.core.audit import set_change_reason
from mops.core.concurrency import version_check

from .. import scoring
from ..models import (
    FINISHED_STATUSES,
    Priority,
    Request,
    ScoringModel,
    ScoringModelVersion,
)


def default_scoring_version() -> ScoringModelVersion:
    """The current version of the default scoring model (created with the default factors
    the first time it is asked for)."""
    model = ScoringModel.objects.select_related("current_version").filter(is_default=True).first()
    if model is not None and model.current_version is not None:
        return model.current_version
    with transaction.atomic():
        model, _ = ScoringModel.objects.get_or_create(
            slug="default", defaults={"name": "Default", "is_default": True}
        )
        version = model.versions.order_by("-number").first()
        if version is None:
            version = ScoringModelVersion.objects.create(
                scoring_model=model,
                number=1,
                factors=scoring.DEFAULT_FACTORS,
                note="Default: business impact, effort, risk.",
            )
        model.current_version = version
        model.save(update_fields=["current_version"])
    return version


def _factors(version: ScoringModelVersion) -> list[scoring.Factor]:
    return version.parsed()


def _apply_scoring(request: Request, version: ScoringModelVersion | None = None) -> None:
    version = version or default_scoring_version()
    factors = _factors(version)
    try:
        request.scoring_inputs = scoring.clean_inputs(factors, request.scoring_inputs, partial=True)
    except scoring.ScoringError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    # The request's Priority row (keyed by the request): stored here for a stored request,
    # by request_create right after the INSERT for a new one, so every request has its row
    # and backlog queries can inner-join it.
    request.priority = Priority(
        score=scoring.score(factors, request.scoring_inputs), model_version=version
    )
    if not request._state.adding:
        request.priority.save()


# --- scoring models -----------------------------------------------------------------------


def _admin_factors(actor: User, factors: Any) -> list[scoring.Factor]:
    """The factors of a scoring model being written, parsed; only admins write one."""
    if not has_role(actor, ADMINS):
        raise PermissionDenied("Only admins edit scoring models.")
    try:
        return scoring.parse_factors(factors)
    except scoring.ScoringError as exc:
        raise ValidationError({exc.field: exc.message}) from None


def scoring_model_update(
    *,
    scoring_model: ScoringModel,
    factors: Any,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
) -> ScoringModelVersion:
    """A new version of the scoring model, then the whole open backlog rescored with it
    (one UPDATE) when it is the default model."""
    parsed = _admin_factors(actor, factors)
    with transaction.atomic():
        locked = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
        version_check(
            locked.version,
            expected_version,
            "The scoring model changed since you loaded it; reload and retry.",
        )
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ScoringModelVersion.objects.create(
            scoring_model=locked,
            number=number,
            factors=[f.as_dict() for f in parsed],
            note=(note or "").strip()[:300],
            created_by=actor,
        )
        locked.current_version = version
        locked.version += 1
        set_change_reason(locked, f"v{number} by {actor.username}")
        locked.save()
        if locked.is_default:
            requests_rescore(version=version)
    return version


def scoring_model_create(
    *, name: str, factors: Any, actor: User, is_default: bool = False
) -> ScoringModel:
    parsed = _admin_factors(actor, factors)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the model."})
    with transaction.atomic():
        if is_default:  # one default: the old one is saved (a history row), not bulk-updated
            for previous in ScoringModel.objects.select_for_update().filter(is_default=True):
                previous.is_default = False
                set_change_reason(previous, f"default replaced by {name} ({actor.username})")
                previous.save(update_fields=["is_default"])
        model = ScoringModel(name=name, slug=slugify(name)[:100], is_default=is_default)
        model.full_clean()
        model.save()
        version = ScoringModelVersion.objects.create(
            scoring_model=model, number=1, factors=[f.as_dict() for f in parsed], created_by=actor
        )
        model.current_version = version
        model.save(update_fields=["current_version"])
        if is_default:
            requests_rescore(version=version)
    return model


def requests_rescore(*, version: ScoringModelVersion) -> int:
    """Rescore every request not yet finished with `version`: one set-based UPDATE of the
    narrow priority table, joined to the ORM-built SELECT of the new scores (the scoring
    formula compiled to SQL by `scoring.score_expression`).

    A set-based update writes no history rows; the version row records the count and time.
    """
    started = pytime.perf_counter()
    scores = (
        Request.objects.exclude(status__in=FINISHED_STATUSES)
        .annotate(new_score=scoring.score_expression(version.parsed()))
        .order_by()
        .values_list("pk", "new_score")
    )
    select_sql, params = scores.query.sql_with_params()
    table = connection.ops.quote_name(Priority._meta.db_table)
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(
            f"UPDATE {table} AS p SET score = s.new_score, model_version_id = %s "
            f"FROM ({select_sql}) AS s (request_id, new_score) WHERE p.request_id = s.request_id",
            [version.pk, *params],
        )
        count = cursor.rowcount
    elapsed_ms = int((pytime.perf_counter() - started) * 1000)
    ScoringModelVersion.objects.filter(pk=version.pk).update(
        rescored_count=count, rescore_ms=elapsed_ms
    )
    return count
