"""Business-impact writes: role mappings, team cost, snapshots (computed in the warehouse)
and the monthly review with its acknowledgement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mops.accounts.models import User
from mops.accounts.roles import ADMINS, Role, has_role
from mops.core.audit import set_change_reason
from mops.core.concurrency import version_check
from mops.core.services import model_save, require_role

from .. import periods
from ..services import leadership_email
from . import cohorts, costs, figures, statements, warehouse
from .models import DatasetRole, ImpactReview, ImpactSnapshot, SemanticRole, TeamCost
from .roles import ROLE_FIELDS, mapping_errors

ATTRIBUTION_MODELS = figures.MODELS
REVIEWERS = frozenset({Role.LEADERSHIP}) | ADMINS


def attribution_model() -> str:
    """The install's default attribution model (IMPACT_ATTRIBUTION_MODEL, default linear)."""
    value = settings.IMPACT_ATTRIBUTION_MODEL
    return value if value in ATTRIBUTION_MODELS else "linear"


def identity_threshold() -> float:
    """Match confidence an identity needs to count as stitched (IMPACT_IDENTITY_THRESHOLD)."""
    return float(settings.IMPACT_IDENTITY_THRESHOLD)


# --- role mappings -----------------------------------------------------------------------


def _columns_of(dataset: warehouse.Dataset) -> dict[str, str]:
    try:
        with warehouse.connect(dataset.warehouse) as conn:
            columns = warehouse.dataset_columns(conn, dataset)
    except psycopg.Error as exc:
        raise ValidationError(
            {"dataset": f"Cannot reach the warehouse: {warehouse.describe_error(exc, 0)}"}
        ) from None
    if columns is None:
        raise ValidationError(
            {"dataset": f"{dataset} was not found in {dataset.warehouse}; check schema and table."}
        )
    return columns


def dataset_role_save(
    *,
    role: str,
    dataset: warehouse.Dataset,
    columns: Any,
    actor: User,
    expected_version: int | None = None,
) -> DatasetRole:
    """Declare `dataset` as `role` with a field → column mapping, checked against the
    table's columns read from the warehouse now (missing column, wrong type → an error
    naming `columns.<field>`). Touches and opportunities must join on keys of one type."""
    require_role(actor, ADMINS, "map datasets to business-impact roles")
    if role not in SemanticRole.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use {', '.join(ROLE_FIELDS)}."})
    if not isinstance(columns, dict):
        raise ValidationError({"columns": "Send the mapping as an object {field: column}."})
    found = _columns_of(dataset)
    errors = mapping_errors(role, columns, found)
    if errors:
        raise ValidationError(errors)
    mapping = {k: v for k, v in columns.items() if v}
    _check_join(role, dataset, mapping, found)
    with transaction.atomic():
        existing = DatasetRole.objects.select_for_update().filter(role=role).first()
        if existing is not None:
            version_check(existing.version, expected_version)
        item = existing or DatasetRole(role=role)
        item.dataset = dataset
        item.columns = mapping
        item.column_types = {k: found[v] for k, v in mapping.items()}
        item.version = (existing.version + 1) if existing else 1
        model_save(item, reason=f"mapped {dataset} as {role}")
    return item


def _check_join(role: str, dataset: Any, mapping: dict[str, str], found: dict[str, str]) -> None:
    pairs = {"opportunities": ("id", "campaign_touches", "opportunity_id")}
    pairs["campaign_touches"] = ("opportunity_id", "opportunities", "id")
    if role not in pairs:
        return
    field, other_role, other_field = pairs[role]
    other = DatasetRole.objects.filter(role=other_role).select_related("dataset__warehouse").first()
    if other is None:
        return
    if other.dataset.warehouse_id != dataset.warehouse_id:
        raise ValidationError(
            {"dataset": f"Opportunities and campaign touches must be in one warehouse; "
             f"{other_role} is in {other.dataset.warehouse}."}
        )  # fmt: skip
    other_type = other.column_types.get(other_field)
    mine = found[mapping[field]]
    if other_type and other_type != mine:
        raise ValidationError(
            {f"columns.{field}": f"Column {mapping[field]!r} is {mine} but {other_role}."
             f"{other_field} is {other_type}; the two must join on one type."}
        )  # fmt: skip


# --- team cost -----------------------------------------------------------------------------


def team_cost_save(
    *, month: Any, amount: Any, note: str = "", actor: User, expected_version: int | None = None
) -> TeamCost:
    """Enter (or correct) the fully loaded MOPS team cost of one month."""
    require_role(actor, ADMINS, "enter the MOPS team cost")
    if isinstance(month, str):
        try:
            month = date.fromisoformat(month[:7] + "-01")
        except ValueError:
            raise ValidationError({"month": "Give the month as YYYY-MM."}) from None
    if not isinstance(month, date):
        raise ValidationError({"month": "Give the month as YYYY-MM."})
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": "Give the cost as a number, e.g. 42000.00."}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({"amount": "The cost must be a number ≥ 0."})
    month = month.replace(day=1)
    with transaction.atomic():
        item = TeamCost.objects.select_for_update().filter(month=month).first()
        if item is not None:
            version_check(item.version, expected_version)
        if item is None:
            item = TeamCost(month=month, amount=value, note=note)
        else:
            item.amount, item.note, item.version = value, note, item.version + 1
        model_save(item, reason=f"MOPS cost of {month:%Y-%m}")
    return item


# --- snapshots -------------------------------------------------------------------------------


def _bounds(period: str, start: date) -> tuple[date, date, datetime, datetime]:
    start = periods.period_floor(start, period)
    end = periods.period_next(start, period)
    zone = ZoneInfo(settings.TIME_ZONE)
    return start, end, periods.local_midnight(start, zone), periods.local_midnight(end, zone)


def _tables() -> dict[str, tuple[DatasetRole, statements.Table]]:
    found = {}
    for item in DatasetRole.objects.select_related("dataset__warehouse", "dataset__contract"):
        found[item.role] = (
            item,
            statements.Table(item.dataset.schema, item.dataset.table, item.columns),
        )
    return found


def certification(
    roles: list[DatasetRole], coverage: float | None
) -> tuple[bool, list[str], dict[str, int | None]]:
    """Certified only while every mapped dataset has a published contract whose latest
    check run passed (warnings fail nothing), and attribution coverage is ≥ 90% of pipeline.
    Returns (certified, reasons when not, contract version of each dataset)."""
    reasons: list[str] = []
    versions: dict[str, int | None] = {}
    for item in roles:
        dataset = item.dataset
        contract = getattr(dataset, "contract", None)
        versions[item.role] = contract.version if contract else None
        if contract is None or contract.status != warehouse.ContractStatus.PUBLISHED:
            reasons.append(f"{dataset} ({item.get_role_display()}) has no published contract.")
            continue
        run = (
            warehouse.CheckRun.objects.filter(dataset=dataset)
            .exclude(status=warehouse.RunStatus.RUNNING)
            .order_by("-started_at", "-pk")
            .first()
        )
        if run is None:
            reasons.append(f"{dataset}: its contract checks have not run yet.")
        elif run.status not in (warehouse.RunStatus.PASS, warehouse.RunStatus.WARN):
            reasons.append(
                f"{dataset}: its latest contract check run is {run.get_status_display().lower()}."
            )
        elif run.contract_version not in (None, contract.version):
            reasons.append(f"{dataset}: checks last ran on contract v{run.contract_version}.")
    if coverage is None:
        reasons.append("Attribution coverage unknown: no pipeline in the period.")
    elif coverage < figures.COVERAGE_TARGET:
        reasons.append(
            f"Attribution coverage is {coverage:.1f}% of pipeline, below "
            f"{figures.COVERAGE_TARGET:g}%."
        )
    return not reasons, reasons, versions


def _read_warehouse(
    tables: dict[str, tuple[DatasetRole, statements.Table]], params: dict[str, Any]
) -> tuple[
    dict[str, str], list[tuple[Any, ...]], list[str], list[tuple[Any, ...]], tuple[Any, ...] | None
]:
    """A period's statements run in the warehouse(s): their SQL as run, the rate rows and
    columns, the attribution rows and the identity row (None without an identities role).
    Raises psycopg.Error or ValidationError when a warehouse cannot be read."""
    opps_role, opps = tables["opportunities"]
    _, touches = tables["campaign_touches"]
    identity = tables.get("identities")
    with warehouse.connect(opps_role.dataset.warehouse) as conn:
        touches = replace(touches, indexed=warehouse.indexed_columns(conn, touches))
        texts = {
            "rates": statements.rates_statement(opps, touches),
            "attribution": statements.attribution_statement(opps, touches),
        }
        rendered = {k: v.as_string(conn) for k, v in texts.items()}
        rate_rows, rate_columns, attribution_rows = statements.read_period(
            conn, texts["rates"], texts["attribution"], params
        )
    identity_row = None
    if identity is not None:
        with warehouse.connect(identity[0].dataset.warehouse) as conn:
            statement = statements.identities_statement(identity[1])
            rendered["identities"] = statement.as_string(conn)
            identity_row = conn.execute(statement, params).fetchone()
    return rendered, rate_rows, rate_columns, attribution_rows, identity_row


def _identity_figures(row: tuple[Any, ...] | None, threshold: float) -> dict[str, Any] | None:
    if row is None:
        return None
    total, confident = row
    return {
        "identities": total,
        "confident": confident,
        "threshold": threshold,
        "confidence": 100.0 * confident / total if total else None,
    }


def snapshot_compute(*, period: str, start: date) -> ImpactSnapshot | None:
    """Compute one period's figures inside the warehouse (three statements, arrays for the
    cohort list) and store them with statements, inputs and contract versions.

    A warehouse that cannot be reached (or refuses) leaves the last snapshot in place and
    marks it stale with the reason; returns it (None when there was none)."""
    if period not in ImpactSnapshot.Period.values:
        raise ValidationError({"period": "Use month or quarter."})
    start, end, start_at, end_at = _bounds(period, start)
    tables = _tables()
    missing = [r for r in ("opportunities", "campaign_touches") if r not in tables]
    if missing:
        raise ValidationError(
            {"role": f"Map a dataset as {' and '.join(missing)} first (Business impact → Roles)."}
        )
    launches = cohorts.launches(before=end_at)
    launch_dicts = [x.as_dict() for x in launches]
    cost = costs.mops_cost(start, end)
    model = attribution_model()
    threshold = identity_threshold()
    params: dict[str, Any] = {
        "start": start_at,
        "end": end_at,
        "threshold": threshold,
        **cohorts.cohort_parameters(launches),
    }
    try:
        rendered, rate_rows, rate_columns, attribution_rows, identity_row = _read_warehouse(
            tables, params
        )
    except (psycopg.Error, ValidationError) as exc:
        reason = (
            warehouse.describe_error(exc, 0)
            if isinstance(exc, psycopg.Error)
            else "; ".join(exc.messages)
        )
        return snapshot_mark_stale(period=period, start=start, reason=str(reason))
    rates = figures.rate_figures(rate_rows, rate_columns, launch_dicts)
    attribution = figures.attribution_figures(attribution_rows, cost["total"], model)
    identities = _identity_figures(identity_row, threshold)
    roles = [item for item, _ in tables.values()]
    certified, reasons, versions = certification(roles, rates["coverage"])
    inputs = {
        "period": period,
        "start": start_at.isoformat(),
        "end": end_at.isoformat(),
        "threshold": threshold,
        "attribution_model": model,
        "mappings": {item.role: {"dataset": str(item.dataset), **item.columns} for item in roles},
        "launches": launch_dicts,
    }
    with transaction.atomic():
        snapshot, _ = ImpactSnapshot.objects.update_or_create(
            period=period,
            start=start,
            defaults={
                "end": end,
                "computed_at": timezone.now(),
                "figures": {
                    **rates,
                    "attribution": attribution,
                    "cost": cost,
                    "identities": identities,
                },
                "statements": [{"name": k, "sql": v} for k, v in rendered.items()],
                "inputs": inputs,
                "contract_versions": versions,
                "certified": certified,
                "certification_reasons": reasons,
                "coverage": rates["coverage"],
                "stale": False,
                "stale_reason": "",
                "stale_since": None,
            },
        )
    return snapshot


def snapshot_mark_stale(*, period: str, start: date, reason: str) -> ImpactSnapshot | None:
    """Keep the last snapshot of the period, flagged stale with why (first failure time kept)."""
    with transaction.atomic():
        snapshot = (
            ImpactSnapshot.objects.select_for_update().filter(period=period, start=start).first()
        )
        if snapshot is None:
            return None
        snapshot.stale = True
        snapshot.stale_reason = f"Warehouse unavailable: {reason}"[:2000]
        snapshot.stale_since = snapshot.stale_since or timezone.now()
        snapshot.save(update_fields=["stale", "stale_reason", "stale_since"])
    return snapshot


def snapshots_refresh(*, today: date | None = None) -> int:
    """The current and previous month and quarter; returns how many were refreshed."""
    if not DatasetRole.objects.filter(role__in=["opportunities", "campaign_touches"]).count() == 2:
        return 0
    today = today or timezone.localdate()
    done = 0
    for period in ("month", "quarter"):
        current = periods.period_floor(today, period)
        for start in (periods.period_previous(current, period), current):
            snapshot = snapshot_compute(period=period, start=start)
            done += int(snapshot is not None and not snapshot.stale)
    return done


# --- the monthly review ----------------------------------------------------------------------


def review_send(*, month: date) -> ImpactReview:
    """E-mail the monthly impact review of `month` to leadership through the outbox, once
    (the idempotency key carries the month), and record that it was sent."""
    from django.template.loader import render_to_string

    from .selectors import review_context

    month = month.replace(day=1)
    context = review_context(month)
    url = settings.SITE_URL + reverse("metrics:impact_review", args=[f"{month:%Y-%m}"])
    body = render_to_string("metrics/impact/review_email.txt", {**context, "url": url})
    with transaction.atomic():
        review, _ = ImpactReview.objects.select_for_update().get_or_create(month=month)
        leadership_email(
            subject=f"[mops] Monthly impact review, {month:%B %Y}",
            body=body,
            key=f"metrics:impact-review:{month:%Y-%m}",
            source="metrics.impact_review",
        )
        if review.sent_at is None:
            review.sent_at = timezone.now()
            set_change_reason(review, "monthly impact review sent")
            review.save()
    return review


def review_acknowledge(*, month: date, actor: User, note: str = "") -> ImpactReview:
    """Leadership (or an admin) records that the month's impact was reviewed (audited)."""
    if not has_role(actor, REVIEWERS):
        raise PermissionDenied("Only leadership acknowledges the monthly impact review.")
    if len(note) > 500:
        raise ValidationError({"note": "At most 500 characters."})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": "That month has not started yet."})
    with transaction.atomic():
        review, _ = ImpactReview.objects.select_for_update().get_or_create(month=month)
        if review.acknowledged_at is not None:
            raise ValidationError(
                {"month": f"Already acknowledged by {review.acknowledged_by} on "
                 f"{timezone.localtime(review.acknowledged_at):%Y-%m-%d}."}
            )  # fmt: skip
        review.acknowledged_by = actor
        review.acknowledged_at = timezone.now()
        review.note = note
        set_change_reason(review, f"impact review of {month:%Y-%m} acknowledged")
        review.save()
    return review
