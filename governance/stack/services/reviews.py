"""Access reviews: start, attest, reminders."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.services import model_save, require_role
from mops.notify.services import outbox_enqueue

from ..models import (
    AccessReview,
    AccessReviewItem,
    Attestation,
    Tool,
)
from ._common import (
    STACK_EDITORS,
    _who,
)

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
        model_save(review, reason=f"started by {_who(actor)} with {len(seats)} holders")
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
        model_save(item, reason=f"{decision} by {_who(actor)}")
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
