"""Reacting to intake without intake knowing about releases.

Departure gate: intake's release steps (schedule, unschedule, go_live) are system
transitions; intake takes one only when `departure_gate` (registered in
`intake.hooks.departure_gates`) names the boarding behind it: boarded on a departure for
schedule, on no departure any more for unschedule, landed (marked live or rolled back) by
its departure for go_live.

When a request enters QA its pre-flight checklists are instantiated. intake records every
transition as an event row; releases listens to those rows being created (a decoupled
reaction, the one use of signals the architecture allows) and instantiates after the
transaction commits. Checklists are also instantiated lazily when the QA page or a
boarding check needs them, so a missed signal only delays them.

When a person is deactivated (`mops.accounts.signals.user_deactivated`) their calendar-feed
tokens are deleted in the same transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

IN_QA = "in_qa"


def _on_event(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or str(getattr(instance, "to_status", "")) != IN_QA:
        return
    request_id = getattr(instance, "request_id", None)
    if request_id is None:
        return
    transaction.on_commit(lambda: _instantiate(request_id))


def _instantiate(request_id: int) -> None:
    from releases import work
    from releases.qa import services

    request = work.request_model().objects.filter(pk=request_id).first()
    if request is None:
        return
    try:
        services.checklists_instantiate(request=request)
    except Exception:  # never break intake's write; the QA page instantiates lazily
        log.exception("could not instantiate checklists for request %s", request_id)


def departure_gate(request_id: int, name: str) -> str | None:
    """The boarding that backs release step `name` for request `request_id`, or None."""
    from releases.boarding.models import Boarding, BoardingStatus

    boardings = Boarding.objects.filter(request_id=request_id).select_related("departure__train")
    if name == "schedule":
        boarding = boardings.filter(status=BoardingStatus.BOARDED).first()
        return f"Boarded {boarding.departure}" if boarding else None
    if name == "unschedule":
        if boardings.filter(status=BoardingStatus.BOARDED).exists():
            return None
        removed = boardings.filter(status=BoardingStatus.REMOVED).order_by("-pk").first()
        return f"Taken off {removed.departure}" if removed else None
    if name == "go_live":
        landed = (
            boardings.filter(status__in=[BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK])
            .order_by("-pk")
            .first()
        )
        return f"Live on {landed.departure}" if landed else None
    return None


def revoke_feed_token(*, user: Any, **kwargs: Any) -> None:
    """A deactivated person's calendar-feed URL stops working (in the deactivation's
    transaction: `mops.accounts.signals.user_deactivated`)."""
    from mops.core.audit import set_change_reason
    from releases.trains.models import FeedToken

    for token in FeedToken.objects.filter(user=user):
        set_change_reason(token, "revoked: person deactivated")
        token.delete()


def connect() -> None:
    from django.apps import apps

    from mops.accounts.signals import user_deactivated

    user_deactivated.connect(revoke_feed_token, dispatch_uid="releases.revoke_feed_token")

    from intake import hooks as intake_hooks

    if departure_gate not in intake_hooks.departure_gates:
        intake_hooks.departure_gates.append(departure_gate)
    from django.db.models.signals import post_save

    try:
        event_model = apps.get_model("intake", "RequestEvent")
    except LookupError:
        return
    post_save.connect(_on_event, sender=event_model, dispatch_uid="releases-checklists-in-qa")
