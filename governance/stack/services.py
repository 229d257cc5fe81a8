"""Writes of the stack domain: tools, flows, contracts, renewal decisions and alerts.

Every write checks the role, validates with `full_clean()` inside `transaction.atomic()`
and leaves a history row with its reason (simple-history), like every mops service.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import DataContract
from mops.accounts.models import Team, User
from mops.accounts.roles import MOPS_STAFF, READ_EVERYTHING
from mops.core.audit import set_change_reason
from mops.core.concurrency import StaleVersion
from mops.core.services import model_update, require_role
from mops.notify.services import outbox_enqueue

from . import evaluation
from .models import (
    AccessReview,
    AccessReviewItem,
    Attestation,
    Contract,
    Decision,
    Flow,
    GoldenPath,
    Layer,
    RenewalAlert,
    RenewalDecision,
    Seat,
    SeatImport,
    Tool,
)

STACK_READERS: frozenset[str] = READ_EVERYTHING
STACK_EDITORS: frozenset[str] = MOPS_STAFF

TOOL_FIELDS = (
    "name",
    "layer",
    "vendor",
    "owner",
    "team",
    "status",
    "status_reason",
    "purpose",
    "holds_personal_data",
    "data_contract",
    "sso",
    "admin_url",
    "docs_url",
    "evaluation_rfc",
)
FLOW_FIELDS = (
    "source",
    "target",
    "objects_synced",
    "direction",
    "schedule",
    "owner",
    "pattern",
    "monitor",
    "data_contract",
)
CONTRACT_FIELDS = (
    "tool",
    "vendor",
    "starts_on",
    "ends_on",
    "annual_cost",
    "currency",
    "seats_bought",
    "notice_days",
    "auto_renew",
    "owner",
)
# Days before the notice deadline at which the contract's owner is alerted.
RENEWAL_ALERT_DAYS: tuple[int, ...] = (90, 60, 30)


def _who(actor: User) -> str:
    return actor.username if actor is not None else "system"


def _check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise StaleVersion()


def _refuse_unknown(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({f: f"Not a {what} field." for f in sorted(unknown)})


# --- tools ------------------------------------------------------------------------------------


def _tool_save(
    tool: Tool,
    *,
    reason: str,
    runbooks: Any,
    monitors: Any,
    previous: tuple[str, int | None] | None = None,
) -> Tool:
    """Validate (the model's rules, then the evaluation path's) and save. `previous`: the
    status and evaluation RFC before an edit."""
    tool.full_clean()
    previous_status, previous_rfc = previous or (None, None)
    if previous_rfc is not None and tool.evaluation_rfc_id is None:
        raise ValidationError(
            {"evaluation_rfc": "A tool's evaluation RFC stays on record; it cannot be removed."}
        )
    if previous_status == GoldenPath.EVALUATING and tool.status not in (
        GoldenPath.EVALUATING,
        GoldenPath.APPROVED,
        GoldenPath.REJECTED,
    ):
        raise ValidationError(
            {"status": "A tool under evaluation is either approved (new-tool RFC) or rejected."}
        )
    evaluation.check_evaluation_path(tool, previous_status=previous_status)
    set_change_reason(tool, reason)
    tool.save()
    if runbooks is not None:
        tool.runbooks.set(runbooks)
    if monitors is not None:
        tool.monitors.set(monitors)
    return tool


def tool_create(*, actor: User, runbooks: Any = None, monitors: Any = None, **fields: Any) -> Tool:
    """Register a tool. An *approved* one needs an owner, SSO and, if it holds personal
    data, its data contract (`Tool.clean`)."""
    require_role(actor, STACK_EDITORS, "edit the tech stack")
    _refuse_unknown(fields, TOOL_FIELDS, "tool")
    tool = Tool(**fields)
    with transaction.atomic():
        return _tool_save(
            tool, reason=f"registered by {_who(actor)}", runbooks=runbooks, monitors=monitors
        )


def tool_update(
    *,
    tool: Tool,
    actor: User,
    expected_version: int | None = None,
    runbooks: Any = None,
    monitors: Any = None,
    **changes: Any,
) -> Tool:
    """Edit a tool (If-Match / hidden version). Moving it to *approved* re-checks the
    golden-path preconditions on the edited values."""
    require_role(actor, STACK_EDITORS, "edit the tech stack")
    _refuse_unknown(changes, TOOL_FIELDS, "tool")
    with transaction.atomic():
        tool = Tool.objects.select_for_update().get(pk=tool.pk)
        _check_version(tool, expected_version)
        previous = (tool.status, tool.evaluation_rfc_id)
        changed = model_update(tool, fields=TOOL_FIELDS, data=changes)
        tool.version += 1
        reason = f"edited by {_who(actor)}"
        if "status" in changed:
            reason = f"{tool.get_status_display().lower()} by {_who(actor)}"
            if tool.status == GoldenPath.APPROVED and tool.evaluation_rfc is not None:
                reason += f" ({tool.evaluation_rfc.reference})"
        return _tool_save(
            tool, reason=reason, runbooks=runbooks, monitors=monitors, previous=previous
        )


@dataclass
class ImportRow:
    """One line of a tool CSV: what would happen to it, or why it cannot."""

    line: int
    name: str
    action: str = ""  # "create" | "update"
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


TOOL_CSV_COLUMNS = (
    "name",
    "layer",
    "vendor",
    "owner",
    "team",
    "status",
    "status_reason",
    "purpose",
    "personal_data",
    "data_contract",
    "sso",
    "admin_url",
    "docs_url",
)
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}


def _choice(raw: str, choices: Any, column: str, errors: list[str]) -> str:
    """A choice matched by code or label, case-insensitive; an error names the column."""
    wanted = raw.strip().lower()
    for value, label in choices.choices:
        if wanted in (value, str(label).lower()):
            return value
    allowed = ", ".join(value for value, _ in choices.choices)
    errors.append(f"{column}: '{raw}' is not one of {allowed}.")
    return ""


def _flag(raw: str, column: str, errors: list[str]) -> bool:
    wanted = raw.strip().lower()
    if wanted in _TRUE:
        return True
    if wanted not in _FALSE:
        errors.append(f"{column}: '{raw}' is not yes or no.")
    return False


def _lookup_user(raw: str, errors: list[str]) -> Any:
    if not raw:
        return None
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=raw) | Q(email__iexact=raw), is_active=True)
        .first()
    )
    if user is None:
        errors.append(f"owner: no active person '{raw}' (username or e-mail).")
    return user


def _lookup_team(raw: str, errors: list[str]) -> Team | None:
    if not raw:
        return None
    team = Team.objects.filter(Q(slug__iexact=raw) | Q(name__iexact=raw)).first()
    if team is None:
        errors.append(f"team: no team '{raw}'.")
    return team


def _lookup_contract(raw: str, errors: list[str]) -> DataContract | None:
    if not raw:
        return None
    schema, _, table = raw.strip().partition(".")
    contract = DataContract.objects.filter(dataset__schema=schema, dataset__table=table).first()
    if contract is None:
        errors.append(f"data_contract: no data contract for dataset '{raw}' (schema.table).")
    return contract


def csv_rows(reader: csv.DictReader) -> Iterator[dict[str, str]]:
    """The reader's rows; a line the csv module cannot read (a field over its size limit,
    an unclosed quote at the end) is a 400 naming the line, not a 500."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationError(
            {"file": f"Line {reader.line_num + 1}: not readable as CSV ({exc})."}
        ) from None


def csv_header(reader: csv.DictReader) -> list[str]:
    """The header's column names, lower-case and trimmed (a 400 if unreadable)."""
    try:
        return [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationError({"file": f"Line 1: not readable as CSV ({exc})."}) from None


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{f}: {m}" for f, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


def tools_import_csv(*, actor: User, text: str, commit: bool) -> list[ImportRow]:
    """Create or update tools from a CSV (columns `TOOL_CSV_COLUMNS`, upsert by name).

    Every line is checked first, each error naming its line and column; nothing is written
    unless `commit` and no line has an error, and then all lines in one transaction.
    """
    require_role(actor, STACK_EDITORS, "import tools")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = csv_header(reader)
    missing = [c for c in ("name", "layer") if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": f"Line 1: the header needs the column(s) {', '.join(missing)} "
                f"(columns: {', '.join(TOOL_CSV_COLUMNS)})."
            }
        )
    existing = {t.name.lower(): t for t in Tool.objects.all()}
    rows: list[ImportRow] = []
    seen: set[str] = set()
    for raw in csv_rows(reader):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        row = ImportRow(line=reader.line_num, name=data.get("name", ""))
        errors = row.errors
        if not row.name:
            errors.append("name: required.")
        elif row.name.lower() in seen:
            errors.append(f"name: '{row.name}' appears twice in the file.")
        seen.add(row.name.lower())
        values: dict[str, Any] = {
            "name": row.name,
            "layer": _choice(data.get("layer", ""), Layer, "layer", errors),
            "vendor": data.get("vendor", ""),
            "owner": _lookup_user(data.get("owner", ""), errors),
            "team": _lookup_team(data.get("team", ""), errors),
            "status": _choice(data.get("status") or "tolerated", GoldenPath, "status", errors),
            "status_reason": data.get("status_reason", ""),
            "purpose": data.get("purpose", ""),
            "holds_personal_data": _flag(data.get("personal_data", ""), "personal_data", errors),
            "data_contract": _lookup_contract(data.get("data_contract", ""), errors),
            "sso": _flag(data.get("sso", ""), "sso", errors),
            "admin_url": data.get("admin_url", ""),
            "docs_url": data.get("docs_url", ""),
        }
        current = existing.get(row.name.lower())
        row.action = "update" if current else "create"
        if not errors:
            candidate = Tool(pk=current.pk if current else None, **values)
            try:
                candidate.full_clean(validate_unique=False)
            except ValidationError as exc:
                errors.extend(_validation_messages(exc))
        row.values = values
        rows.append(row)
    if not rows:
        raise ValidationError({"file": "The file has a header but no tools."})
    if commit and not any(r.errors for r in rows):
        with transaction.atomic():
            for row in rows:
                current = existing.get(row.name.lower())
                if current is None:
                    tool_create(actor=actor, **row.values)
                else:
                    tool_update(tool=current, actor=actor, **row.values)
    return rows


# --- flows ------------------------------------------------------------------------------------


def _flow_save(flow: Flow, *, reason: str, services: Any) -> Flow:
    flow.full_clean()
    set_change_reason(flow, reason)
    flow.save()
    if services is not None:
        flow.services.set(services)
    return flow


def flow_create(*, actor: User, services: Any = None, **fields: Any) -> Flow:
    """Record an integration flow between two tools (and the catalog services whose
    requests run through it: the golden-path share of requests reads them)."""
    require_role(actor, STACK_EDITORS, "edit the integration map")
    _refuse_unknown(fields, FLOW_FIELDS, "flow")
    with transaction.atomic():
        return _flow_save(Flow(**fields), reason=f"recorded by {_who(actor)}", services=services)


def flow_update(
    *,
    flow: Flow,
    actor: User,
    expected_version: int | None = None,
    services: Any = None,
    **changes: Any,
) -> Flow:
    """Edit a flow (If-Match / hidden version)."""
    require_role(actor, STACK_EDITORS, "edit the integration map")
    _refuse_unknown(changes, FLOW_FIELDS, "flow")
    with transaction.atomic():
        flow = Flow.objects.select_for_update().get(pk=flow.pk)
        _check_version(flow, expected_version)
        model_update(flow, fields=FLOW_FIELDS, data=changes)
        flow.version += 1
        return _flow_save(flow, reason=f"edited by {_who(actor)}", services=services)


# --- contracts and renewals -------------------------------------------------------------------


def contract_create(*, actor: User, **fields: Any) -> Contract:
    """Record a vendor contract for a tool; its owner is alerted before the notice deadline."""
    require_role(actor, STACK_EDITORS, "edit contracts")
    _refuse_unknown(fields, CONTRACT_FIELDS, "contract")
    contract = Contract(**fields)
    with transaction.atomic():
        contract.full_clean()
        set_change_reason(contract, f"recorded by {_who(actor)}")
        contract.save()
    return contract


def contract_update(
    *, contract: Contract, actor: User, expected_version: int | None = None, **changes: Any
) -> Contract:
    """Edit a contract (If-Match / hidden version). A new term means a new notice
    deadline, whose alerts are sent afresh."""
    require_role(actor, STACK_EDITORS, "edit contracts")
    _refuse_unknown(changes, CONTRACT_FIELDS, "contract")
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        _check_version(contract, expected_version)
        model_update(contract, fields=CONTRACT_FIELDS, data=changes)
        contract.version += 1
        contract.full_clean()
        set_change_reason(contract, f"edited by {_who(actor)}")
        contract.save()
    return contract


def renewal_decide(
    *, contract: Contract, actor: User, decision: str, reason: str, now: datetime | None = None
) -> RenewalDecision:
    """Record the renewal decision (renew / renegotiate / cancel) with its reason."""
    require_role(actor, STACK_EDITORS, "decide renewals")
    record = RenewalDecision(
        contract=contract,
        decision=decision,
        reason=(reason or "").strip(),
        decided_by=actor,
        decided_at=now or timezone.now(),
    )
    if decision not in Decision.values:
        raise ValidationError(
            {"decision": f"'{decision}' is not one of {', '.join(Decision.values)}."}
        )
    if not record.reason:
        raise ValidationError({"reason": "Say why."})
    with transaction.atomic():
        record.full_clean()
        set_change_reason(record, f"decided by {_who(actor)}")
        record.save()
    return record


def _alert_target(contract: Contract) -> Any:
    return contract.owner or contract.tool.owner


def renewal_alerts_send(*, today: date | None = None, now: datetime | None = None) -> int:
    """Alert each contract's owner 90, 60 and 30 days before its notice deadline — once per
    threshold: the RenewalAlert row (unique per contract, deadline and threshold) is written
    in the same transaction as the outbox row, so a restart or a second beat sends nothing
    twice. A threshold passed while the worker was down is still sent (the latest only).
    Returns how many alerts were queued."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    horizon = today + timedelta(days=max(RENEWAL_ALERT_DAYS))
    contracts = Contract.objects.select_related("tool__owner", "owner").filter(ends_on__gte=today)
    sent = 0
    for contract in contracts.iterator():
        deadline = contract.notice_deadline
        if deadline < today or deadline > horizon:
            continue
        days_left = (deadline - today).days
        due = [d for d in RENEWAL_ALERT_DAYS if days_left <= d]
        if not due:
            continue
        threshold = min(due)
        owner = _alert_target(contract)
        if owner is None or not owner.email:
            continue
        key = f"stack-renewal:{contract.pk}:{deadline.isoformat()}:{threshold}"
        try:
            with transaction.atomic():
                RenewalAlert.objects.create(
                    contract=contract,
                    notice_deadline=deadline,
                    days_before=threshold,
                    sent_at=now,
                    outbox_key=key,
                )
                outbox_enqueue(
                    kind="email",
                    target=owner.email,
                    subject=f"Renewal: {contract.tool} notice deadline in {days_left} days",
                    body=(
                        f"The {contract.vendor} contract for {contract.tool} ends on "
                        f"{contract.ends_on:%Y-%m-%d}"
                        f"{' and renews automatically' if contract.auto_renew else ''}. "
                        f"Tell the vendor by {deadline:%Y-%m-%d} ({contract.notice_days} days' "
                        "notice) to cancel or renegotiate; record your decision in mops."
                    ),
                    payload={"contract": contract.pk, "notice_deadline": deadline.isoformat()},
                    idempotency_key=key,
                    source="stack.renewal",
                )
        except IntegrityError:
            continue  # already sent by an earlier or concurrent run
        sent += 1
    return sent


# --- licence seats ----------------------------------------------------------------------------

SEAT_CSV_COLUMNS = ("email", "permission_level", "last_active")


@dataclass
class SeatLine:
    line: int
    email: str
    errors: list[str] = field(default_factory=list)


def seats_import(
    *, tool: Tool, actor: User, text: str, source: str = "page", now: datetime | None = None
) -> list[SeatLine]:
    """Replace `tool`'s seats with a seat export (CSV: email, permission_level, last_active
    as YYYY-MM-DD or blank for never). Every line is checked first; with any error nothing
    changes. Bulk writes leave no history, so a SeatImport row records who pushed what."""
    require_role(actor, STACK_EDITORS, "upload seat exports")
    now = now or timezone.now()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = csv_header(reader)
    if "email" not in header:
        raise ValidationError(
            {"file": f"Line 1: the header needs an 'email' column ({', '.join(SEAT_CSV_COLUMNS)})."}
        )
    lines: list[SeatLine] = []
    seats: list[Seat] = []
    seen: set[str] = set()
    for raw in csv_rows(reader):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        line = SeatLine(line=reader.line_num, email=data.get("email", "").lower())
        try:
            validate_email(line.email)
        except ValidationError:
            line.errors.append(f"email: '{line.email}' is not an e-mail address.")
        if line.email in seen:
            line.errors.append(f"email: {line.email} appears twice in the file.")
        seen.add(line.email)
        last_active = None
        if data.get("last_active"):
            try:
                last_active = date.fromisoformat(data["last_active"][:10])
            except ValueError:
                line.errors.append(
                    f"last_active: '{data['last_active']}' is not a date (YYYY-MM-DD)."
                )
        level = data.get("permission_level", "")
        if len(level) > 60:
            line.errors.append("permission_level: at most 60 characters.")
        lines.append(line)
        seats.append(
            Seat(
                tool=tool,
                email=line.email,
                permission_level=level,
                last_active_on=last_active,
                imported_at=now,
            )
        )
    if not lines:
        raise ValidationError({"file": "The file has a header but no seats."})
    if not any(line.errors for line in lines):
        with transaction.atomic():
            Tool.objects.select_for_update().filter(pk=tool.pk).first()
            Seat.objects.filter(tool=tool).delete()
            Seat.objects.bulk_create(seats)
            SeatImport.objects.create(
                tool=tool, imported_by=actor, imported_at=now, seats=len(seats), source=source
            )
    return lines


# --- access reviews ---------------------------------------------------------------------------

# Reminders to the tool's owner: this many days before the due date, then weekly when late.
REVIEW_REMINDER_DAYS: tuple[int, ...] = (7, 1)


def access_review_start(
    *, tool: Tool, actor: User, due_on: date, now: datetime | None = None
) -> AccessReview:
    """Open a least-privilege review of `tool`: every current seat holder becomes an item
    to attest. Refused without an owner (who attests) or without seats."""
    require_role(actor, STACK_EDITORS, "start access reviews")
    now = now or timezone.now()
    if tool.owner_id is None:
        raise ValidationError({"tool": f"{tool} has no owner to attest its access."})
    if due_on < timezone.localdate(now):
        raise ValidationError({"due_on": "The due date is in the past."})
    seats = list(tool.seats.order_by("email"))
    if not seats:
        raise ValidationError({"tool": f"{tool} has no seats: upload its seat export first."})
    with transaction.atomic():
        if AccessReview.objects.filter(tool=tool, completed_at=None).exists():
            raise ValidationError({"tool": f"{tool} already has an open access review."})
        review = AccessReview(tool=tool, due_on=due_on, started_by=actor)
        review.full_clean()
        set_change_reason(review, f"started by {_who(actor)} with {len(seats)} holders")
        review.save()
        # bulk: one history row per review (above) says who started it with how many.
        AccessReviewItem.objects.bulk_create(
            AccessReviewItem(
                review=review,
                email=seat.email,
                permission_level=seat.permission_level,
                last_active_on=seat.last_active_on,
            )
            for seat in seats
        )
    return review


def can_attest(actor: User, review: AccessReview) -> bool:
    """The tool's owner attests; an admin may stand in."""
    from mops.accounts.roles import ADMINS, has_role

    return actor is not None and (review.tool.owner_id == actor.pk or has_role(actor, ADMINS))


def access_review_attest(
    *,
    item: AccessReviewItem,
    actor: User,
    decision: str,
    reason: str = "",
    now: datetime | None = None,
) -> AccessReviewItem:
    """The owner's keep / reduce / remove for one holder (reduce and remove need a
    reason). The review completes when its last item is attested."""
    now = now or timezone.now()
    with transaction.atomic():
        item = (
            AccessReviewItem.objects.select_for_update()
            .select_related("review__tool")
            .get(pk=item.pk)
        )
        review = item.review
        if not can_attest(actor, review):
            raise PermissionDenied(f"Only the owner of {review.tool} attests its access.")
        if review.completed_at is not None:
            raise ValidationError({"decision": "This review is complete."})
        if decision not in Attestation.values:
            raise ValidationError(
                {"decision": f"'{decision}' is not one of {', '.join(Attestation.values)}."}
            )
        reason = (reason or "").strip()
        if decision != Attestation.KEEP and not reason:
            raise ValidationError({"reason": "Say why the access is reduced or removed."})
        item.decision, item.reason, item.decided_by, item.decided_at = decision, reason, actor, now
        item.full_clean()
        set_change_reason(item, f"{decision} by {_who(actor)}")
        item.save()
        if not review.items.filter(decision="").exists():
            review.completed_at = now
            set_change_reason(review, f"completed by {_who(actor)}")
            review.save(update_fields=["completed_at", "updated_at"])
    return item


def access_review_reminders_send(*, today: date | None = None) -> int:
    """Remind owners of open reviews 7 and 1 days before the due date, then weekly while
    late. Once per review and day: the outbox idempotency key carries the date."""
    today = today or timezone.localdate()
    sent = 0
    reviews = AccessReview.objects.filter(completed_at=None).select_related("tool__owner")
    for review in reviews.iterator():
        days_left = (review.due_on - today).days
        due = days_left in REVIEW_REMINDER_DAYS or (days_left < 0 and days_left % 7 == 0)
        owner = review.tool.owner
        if not due or owner is None or not owner.email:
            continue
        open_items = review.items.filter(decision="").count()
        outbox_enqueue(
            kind="email",
            target=owner.email,
            subject=f"Access review of {review.tool}: {open_items} holders to attest",
            body=(
                f"The access review of {review.tool} is due {review.due_on:%Y-%m-%d}"
                f"{' (late)' if days_left < 0 else ''}; {open_items} holders still need "
                "keep, reduce or remove."
            ),
            payload={"review": review.pk},
            idempotency_key=f"stack-review:{review.pk}:{today.isoformat()}",
            source="stack.access_review",
        )
        sent += 1
    return sent
