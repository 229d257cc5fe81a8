"""Writes of vendor contracts, renewal decisions and the renewal alerts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.versioned import lock_for_edit
from mops.notify.services import outbox_enqueue

from ..models import (
    Contract,
    Decision,
    RenewalAlert,
    RenewalDecision,
)
from ._common import (
    CONTRACT_FIELDS,
    RENEWAL_ALERT_DAYS,
    STACK_EDITORS,
    _who,
)

# --- contracts and renewals -------------------------------------------------------------------


def contract_create(*, actor: User, **fields: Any) -> Contract:
    """Record a vendor contract for a tool; its owner is alerted before the notice deadline."""
    require_role(actor, STACK_EDITORS, "edit contracts")
    fields_check(fields, fields=CONTRACT_FIELDS, message="Not a contract field.")
    contract = Contract(**fields)
    with transaction.atomic():
        model_save(contract, reason=f"recorded by {_who(actor)}")
    return contract


def contract_update(
    *, contract: Contract, actor: User, expected_version: int | None = None, **changes: Any
) -> Contract:
    """Edit a contract (If-Match / hidden version). A new term means a new notice
    deadline, whose alerts are sent afresh."""
    require_role(actor, STACK_EDITORS, "edit contracts")
    fields_check(changes, fields=CONTRACT_FIELDS, message="Not a contract field.")
    with transaction.atomic():
        contract = lock_for_edit(contract, expected_version)
        model_update(contract, fields=CONTRACT_FIELDS, data=changes)
        model_save(contract, reason=f"edited by {_who(actor)}")
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
        model_save(record, reason=f"decided by {_who(actor)}")
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
