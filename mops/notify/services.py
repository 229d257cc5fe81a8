"""The outbox: enqueue in the caller's transaction, deliver from workers, replay dead letters;
the channels it delivers to (created, changed and deleted here only: API and admin)."""

import logging
import random
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mops.accounts.models import User
from mops.accounts.roles import ADMINS
from mops.core.audit import set_change_reason, set_history_user
from mops.core.services import fields_check, model_update, require_role
from mops.core.text import header_text, storable_json, storable_text

from .models import Channel, Kind, Notification, OutboxMessage
from .selectors import unread_changed
from .transports import TRANSPORTS, DeliveryError

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
SUBJECT_MAX_CHARS = 200


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform(0.5, 1) × base × 2^(attempts-1), capped."""
    base = settings.OUTBOX_BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    capped = min(base, settings.OUTBOX_BACKOFF_CAP)
    jitter = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=capped * jitter)


def _queue_delivery(message_id: uuid.UUID) -> None:
    """After commit, ask a worker to deliver now; if the broker is down the sweep will."""
    from .tasks import outbox_deliver_task

    try:
        outbox_deliver_task.delay(str(message_id))
    except Exception:  # broker unreachable: the row is safe in Postgres, the sweep delivers it
        log.warning("broker unavailable; outbox message %s left for the sweep", message_id)


def outbox_enqueue(
    *,
    kind: str,
    target: str,
    subject: str = "",
    body: str = "",
    payload: dict | None = None,
    idempotency_key: str | None = None,
    secret: str = "",
    source: str = "",
) -> OutboxMessage:
    """Record a message to send. Call inside the transaction of the change that causes it.

    A repeated idempotency key returns the existing row instead of sending twice. Whatever
    a user wrote into it is made storable here (no NUL, no lone surrogates, JSON-safe
    payload; the subject one bounded header line), so a hostile text never breaks the
    caller's transaction nor the delivery.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown outbox kind {kind!r}")
    key = idempotency_key or str(uuid.uuid4())
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=header_text(key, limit=200),
            defaults={
                "kind": kind,
                "target": storable_text(target)[:1000],
                "subject": header_text(subject, limit=SUBJECT_MAX_CHARS),
                "body": storable_text(body),
                "payload": storable_json(payload or {}),
                "secret": storable_text(secret),
                "source": header_text(source, limit=100),
                "next_attempt_at": timezone.now(),
            },
        )
    if created:
        transaction.on_commit(lambda: _queue_delivery(message.id))
    return message


def outbox_enqueue_to_channels(
    *, channels: Iterable[Channel], subject: str, body: str, payload: dict, key: str, source: str
) -> list[OutboxMessage]:
    """Fan a message out to configured channels, one outbox row (and key) per channel."""
    return [
        outbox_enqueue(
            kind=channel.kind,
            target=channel.target,
            subject=subject,
            body=body,
            payload=payload,
            secret=channel.secret,
            idempotency_key=f"{key}:{channel.pk}",
            source=source,
        )
        for channel in channels
        if channel.enabled
    ]


def outbox_deliver(*, message_id: uuid.UUID | str, now: datetime | None = None) -> str:
    """Try to deliver one message if it is due; returns its resulting status.

    The claim is a conditional UPDATE: only one worker moves a due row to `sending`, so a
    message is never sent twice concurrently. The claim counts the attempt, so a message
    whose delivery kills its worker (the claim then expires and the row is due again) still
    runs out of attempts. Any exception from a transport is a failed attempt: backoff, then
    a dead letter with the error recorded — a poison message never stays `sending`.
    """
    now = now or timezone.now()
    Status = OutboxMessage.Status
    expired = Q(status=Status.SENDING, locked_until__lt=now)
    # A claim that expired on its last attempt: the worker died delivering it.
    OutboxMessage.objects.filter(
        expired, id=message_id, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
    ).update(
        status=Status.DEAD,
        locked_until=None,
        last_error="The worker stopped while delivering (claim expired) on the last attempt.",
    )
    claimed = (
        OutboxMessage.objects.filter(id=message_id, next_attempt_at__lte=now)
        .filter(Q(status=Status.PENDING) | expired)
        .update(
            status=Status.SENDING,
            locked_until=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return (
            OutboxMessage.objects.filter(id=message_id).values_list("status", flat=True).first()
            or "missing"
        )
    message = OutboxMessage.objects.get(id=message_id)
    try:
        TRANSPORTS[message.kind].send(message)
    except Exception as exc:  # any failure, ours or a library's, is a failed attempt
        return _delivery_failed(message, exc, now=now)
    OutboxMessage.objects.filter(id=message.id).update(
        status=Status.DELIVERED,
        delivered_at=timezone.now(),
        locked_until=None,
        last_error="",
    )
    return Status.DELIVERED


def _error_text(exc: BaseException, message: OutboxMessage) -> str:
    """The error as stored and shown on the dead-letter page: bounded, storable, and without
    the webhook URL's secret path (libraries quote the URL they refused)."""
    try:
        detail = str(exc)
    except Exception:  # an exception whose message cannot even be built
        detail = ""
    text = detail if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {detail}"
    if message.kind != Kind.EMAIL:
        for secret in {message.target, _url_path(message.target)} - {""}:
            text = text.replace(secret, "…")
    return storable_text(text)[:2000]


def _url_path(url: str) -> str:
    """The path and query of `url` ("" when it has none or cannot be parsed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if len(path) > 1 else ""


def _delivery_failed(message: OutboxMessage, exc: BaseException, *, now: datetime) -> str:
    attempts = message.attempts
    dead = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    status = OutboxMessage.Status.DEAD if dead else OutboxMessage.Status.PENDING
    OutboxMessage.objects.filter(id=message.id).update(
        last_error=_error_text(exc, message),
        status=status,
        next_attempt_at=now + backoff_delay(attempts),
        locked_until=None,
    )
    log.info("outbox %s attempt %s failed: %s", message.id, attempts, _error_text(exc, message))
    return status


def outbox_due_ids(*, now: datetime | None = None, limit: int = 200) -> list[uuid.UUID]:
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(next_attempt_at__lte=now)
        .filter(
            Q(status=OutboxMessage.Status.PENDING)
            | Q(status=OutboxMessage.Status.SENDING, locked_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def outbox_sweep(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Deliver every due message (the safety net behind the on-commit push)."""
    counts: dict[str, int] = {}
    for message_id in outbox_due_ids(now=now, limit=limit):
        status = outbox_deliver(message_id=message_id, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def outbox_replay(*, message: OutboxMessage, actor: object) -> OutboxMessage:
    """Put a dead letter back in the queue with a fresh attempt budget."""
    from django.core.exceptions import PermissionDenied

    from mops.accounts.roles import ADMINS, has_role

    if not has_role(actor, ADMINS):
        raise PermissionDenied("Only admins can replay dead letters.")
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(
            id=message.id, status=OutboxMessage.Status.DEAD
        ).update(
            status=OutboxMessage.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            last_error=f"replayed by {getattr(actor, 'username', actor)}",
        )
        if updated:
            transaction.on_commit(lambda: _queue_delivery(message.id))
    message.refresh_from_db()
    return message


def notification_create(
    *, user: User, text: str, url: str = "", email: bool = True, key: str | None = None
) -> Notification:
    """An in-app notification, and the same text by e-mail through the outbox."""
    text = storable_text(text)
    notification = Notification.objects.create(user=user, text=text[:300], url=url[:300])
    unread_changed(notification.user_id)
    address = user.email
    if email and address:
        link = f"{settings.SITE_URL}{url}" if url else settings.SITE_URL
        outbox_enqueue(
            kind=Kind.EMAIL,
            target=address,
            subject=f"[mops] {text[:120]}",
            body=f"{text}\n\n{link}\n",
            idempotency_key=key or f"notification:{notification.pk}",
            source="notification",
        )
    return notification


def notifications_mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark `user`'s unread notifications read (only notification `pk` when given); return
    how many. A read stamp, not a change: one UPDATE, no history (Notification is not
    tracked)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    count = unread.update(read_at=timezone.now())
    unread_changed(user.pk)
    return count


# --- channels ---------------------------------------------------------------------------------

CHANNEL_FIELDS = ("name", "kind", "target", "secret", "enabled")


def channel_create(*, actor: User, data: Mapping[str, Any]) -> Channel:
    """A new alert/digest channel (admins). The model's rules are checked here
    (`full_clean`: unique name, known kind, an https webhook or e-mail addresses)."""
    return _channel_save(actor=actor, channel=Channel(), data=data, reason="created")


def channel_update(*, actor: User, channel: Channel, data: Mapping[str, Any]) -> Channel:
    """Change the fields of `channel` present in `data` (admins); the history row names the
    changed fields (never their values: the target and secret are bearer secrets)."""
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        return _channel_save(actor=actor, channel=locked, data=data, reason="changed")


def channel_delete(*, actor: User, channel: Channel) -> None:
    """Delete `channel` (admins); the history keeps a row saying who."""
    require_role(actor, ADMINS, "configure notification channels")
    set_change_reason(channel, f"deleted by {actor.username}")
    set_history_user(channel, actor)
    channel.delete()


def _channel_save(
    *, actor: User, channel: Channel, data: Mapping[str, Any], reason: str
) -> Channel:
    require_role(actor, ADMINS, "configure notification channels")
    fields_check(data, fields=CHANNEL_FIELDS, message="Not a channel field.")
    changed = model_update(channel, fields=CHANNEL_FIELDS, data=data)
    channel.full_clean()
    what = f": {', '.join(changed)}" if reason == "changed" and changed else ""
    set_change_reason(channel, f"{reason} by {actor.username}{what}")
    set_history_user(channel, actor)
    with transaction.atomic():
        channel.save()
    return channel
