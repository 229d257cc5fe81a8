"""A decoupled reaction: when intake saves a request or a lifecycle event, refresh that
request's facts after the transaction commits. Intake does not know metrics exists."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save


def _on_event_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .facts import request_fact_refresh_quietly

    request_id = instance.request_id
    transaction.on_commit(lambda: request_fact_refresh_quietly(request_id))


def _on_request_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:  # a new request has no submission yet; its first event triggers the refresh
        return
    from .facts import request_fact_refresh_quietly

    request_id = instance.pk
    transaction.on_commit(lambda: request_fact_refresh_quietly(request_id))


def connect() -> None:
    from intake.models import Request, RequestEvent

    post_save.connect(_on_event_saved, sender=RequestEvent, dispatch_uid="metrics-fact-event")
    post_save.connect(_on_request_saved, sender=Request, dispatch_uid="metrics-fact-request")
