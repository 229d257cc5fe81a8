"""The outbox against a real local HTTP receiver: down, slow, 500, then up."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from mops.notify.models import Kind, OutboxMessage
from mops.notify.services import (
    backoff_delay,
    outbox_deliver,
    outbox_enqueue,
    outbox_replay,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db


def _enqueue_webhook(receiver, key: str, secret: str = "s3cret") -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(
            kind=Kind.WEBHOOK,
            target=receiver.url,
            subject="RFC approved",
            payload={"rfc": key},
            secret=secret,
            idempotency_key=key,
            source="tests",
        )


def test_webhook_is_signed_and_carries_the_idempotency_key(receiver, allow_loopback):
    message = _enqueue_webhook(receiver, "evt-1", secret="top-secret")
    assert outbox_deliver(message_id=message.id) == "delivered"
    [record] = receiver.received
    assert record["headers"]["idempotency-key"] == "evt-1"
    assert receiver.verify(record, "top-secret")
    assert not receiver.verify(record, "wrong-secret")
    assert receiver.payload(record)["data"] == {"rfc": "evt-1"}


def test_target_down_for_five_minutes_receives_every_event_exactly_once(receiver, allow_loopback):
    port = receiver.port
    receiver.stop()  # the receiver is down when the changes happen
    messages = [_enqueue_webhook(receiver, f"evt-{i}") for i in range(5)]
    start = timezone.now()
    # Five minutes of sweeps every 30 s while the receiver is down.
    for second in range(0, 300, 30):
        outbox_sweep(now=start + timedelta(seconds=second))
    assert OutboxMessage.objects.filter(status="pending").count() == 5
    assert all(m.attempts >= 1 for m in OutboxMessage.objects.all())
    receiver.start(port=port)  # back up, same address
    now = start + timedelta(seconds=300)
    for _ in range(40):  # keep sweeping (in simulated time) until nothing is due
        now += timedelta(minutes=10)
        outbox_sweep(now=now)
        if not OutboxMessage.objects.exclude(status="delivered").exists():
            break
    assert sorted(receiver.keys()) == sorted(m.idempotency_key for m in messages)
    # More sweeps never deliver again.
    outbox_sweep(now=now + timedelta(hours=2))
    assert len(receiver.keys()) == len(set(receiver.keys())) == 5


def test_receiver_answering_500_then_up_is_retried_with_backoff(receiver, allow_loopback):
    receiver.mode = "error"
    message = _enqueue_webhook(receiver, "evt-500")
    now = timezone.now()
    assert outbox_deliver(message_id=message.id, now=now) == "pending"
    message.refresh_from_db()
    assert message.attempts == 1 and "HTTP 500" in message.last_error
    assert message.next_attempt_at > now  # not due again immediately
    assert outbox_deliver(message_id=message.id, now=now) == "pending"  # too early: not claimed
    assert receiver.attempts == 1
    receiver.mode = "up"
    assert outbox_deliver(message_id=message.id, now=message.next_attempt_at) == "delivered"
    assert receiver.keys() == ["evt-500"]


def test_slow_receiver_times_out_and_is_retried(receiver, allow_loopback):
    receiver.mode = "slow"
    message = _enqueue_webhook(receiver, "evt-slow")
    assert outbox_deliver(message_id=message.id) == "pending"
    message.refresh_from_db()
    assert "connection failed" in message.last_error or "timed out" in message.last_error


def test_receiver_that_never_comes_back_ends_in_dead_letters_and_can_be_replayed(
    receiver, allow_loopback, settings, users
):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    port = receiver.port
    receiver.stop()
    message = _enqueue_webhook(receiver, "evt-dead")
    now = timezone.now()
    for _ in range(10):
        now += timedelta(hours=2)
        outbox_sweep(now=now)
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 4
    receiver.start(port=port)
    outbox_replay(message=message, actor=users["admin"])
    assert outbox_deliver(message_id=message.id) == "delivered"
    assert receiver.keys() == ["evt-dead"]


def test_only_admins_replay_dead_letters(users, receiver):
    message = _enqueue_webhook(receiver, "evt-x")
    OutboxMessage.objects.filter(id=message.id).update(status="dead")
    with pytest.raises(Exception, match="Only admins"):
        outbox_replay(message=message, actor=users["pm"])


def test_private_targets_are_refused_unless_allow_listed(receiver, settings):
    settings.MOPS_OUTBOUND_ALLOWLIST = []
    message = _enqueue_webhook(receiver, "evt-private")
    assert outbox_deliver(message_id=message.id) == "pending"
    message.refresh_from_db()
    assert "refused target" in message.last_error
    assert receiver.attempts == 0  # no connection was made


def test_same_idempotency_key_enqueues_once(receiver):
    first = _enqueue_webhook(receiver, "evt-dup")
    second = _enqueue_webhook(receiver, "evt-dup")
    assert first.id == second.id
    assert OutboxMessage.objects.filter(idempotency_key="evt-dup").count() == 1


def test_enqueue_rolled_back_with_its_transaction_sends_nothing(receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue_webhook(receiver, "evt-rollback")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.filter(idempotency_key="evt-rollback").exists()


def test_email_is_delivered_through_the_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        message = outbox_enqueue(
            kind=Kind.EMAIL, target="a@example.com, b@example.com", subject="Hi", body="Body"
        )
    assert outbox_deliver(message_id=message.id) == "delivered"
    [sent] = mail.outbox
    assert sent.to == ["a@example.com", "b@example.com"] and sent.subject == "Hi"


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE = 10
    settings.OUTBOX_BACKOFF_CAP = 600
    delays = [backoff_delay(n).total_seconds() for n in range(1, 10)]
    assert 5 <= delays[0] <= 10
    assert 40 <= delays[3] <= 80
    assert all(d <= 600 for d in delays)
