"""Poison messages (issue 12, finding 3): hostile text of every kind, through every transport
(a real local SMTP server for e-mail, the real local HTTP receiver for Slack-compatible and
signed webhooks), ends delivered or dead-lettered — never stuck in `sending`, never retried
forever, and never breaking the transaction that queued it."""

import json
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from django.db import transaction
from django.utils import timezone

from mops.core.text import header_text, storable_json, storable_text
from mops.notify.models import Kind, OutboxMessage
from mops.notify.services import notification_create, outbox_enqueue, outbox_sweep

pytestmark = pytest.mark.django_db


class SmtpReceiver:
    """Just enough SMTP (RFC 5321) on 127.0.0.1 to receive what Django's SMTP backend sends."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 localhost test SMTP")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.reply("250-localhost")
                        self.reply("250 8BITMIME")
                    elif verb == b"DATA":
                        self.reply("354 end with .")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        receiver.messages.append(data)
                        self.reply("250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:  # HELO, MAIL, RCPT, RSET, NOOP
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp(settings):
    receiver = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = receiver.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield receiver
    receiver.stop()


class Unserialisable:
    def __str__(self) -> str:
        return "an object"


HOSTILE = {
    "crlf subject": {"subject": "Comment on #12\r\nBcc: victim@example.com\nX-Evil: 1"},
    "huge subject": {"subject": "S" * 100_000, "body": "B" * 200_000},
    "nul": {"subject": "a\x00b", "body": "x\x00y", "payload": {"k\x00": "v\x00"}},
    "surrogates": {
        "subject": "bad \udcff utf-8",
        "body": "\ud800 lone",
        "payload": {"s": "\udfff"},
    },
    "unicode": {"subject": "Ünïcödé 🚀 ‮rtl", "body": "Line\u2028separator\u0085next"},
    "not json": {
        "payload": {
            "when": datetime(2026, 1, 1, tzinfo=UTC),
            "amount": Decimal("1.10"),
            "obj": Unserialisable(),
            "nan": float("nan"),
            "set": {1},
            (1, 2): "tuple key",
        }
    },
    "crlf key": {"key_suffix": "\r\nX-Evil: 1"},
}


def _enqueue(kind: str, target: str, name: str, fields: dict) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(
            kind=kind,
            target=target,
            subject=fields.get("subject", f"Hostile: {name}"),
            body=fields.get("body", "body"),
            payload=fields.get("payload", {}),
            secret="s3cret",
            idempotency_key=f"{kind}:{name}" + fields.get("key_suffix", ""),
            source="tests\r\nX-Evil: 1",
        )


def _drain(settings) -> None:
    """Sweep until nothing is due, moving the clock past every backoff."""
    now = timezone.now()
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS + 2):
        outbox_sweep(now=now)
        now += timedelta(days=2)


@pytest.mark.parametrize("kind", [Kind.EMAIL, Kind.SLACK, Kind.WEBHOOK])
def test_hostile_messages_are_delivered_cleanly_through_every_transport(
    kind, smtp, receiver, allow_loopback, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    target = "ops@example.com" if kind == Kind.EMAIL else receiver.url
    messages = {name: _enqueue(kind, target, name, fields) for name, fields in HOSTILE.items()}
    _drain(settings)
    statuses = {name: OutboxMessage.objects.get(id=m.id).status for name, m in messages.items()}
    assert statuses == dict.fromkeys(HOSTILE, "delivered"), {
        name: OutboxMessage.objects.get(id=m.id).last_error for name, m in messages.items()
    }
    if kind == Kind.EMAIL:
        assert len(smtp.messages) == len(HOSTILE)
        for raw in smtp.messages:
            parsed = message_from_bytes(raw, policy=policy.default)
            assert "Bcc" not in parsed and "X-Evil" not in parsed
            subject = str(parsed["Subject"]).strip()  # unfolded by the parser
            assert "\n" not in subject and len(subject) <= 200
    else:
        assert len(receiver.received) == len(HOSTILE)
        for record in receiver.received:
            assert "x-evil" not in record["headers"]
            body = json.loads(record["body"])  # valid JSON, whatever went in
            if kind == Kind.WEBHOOK:
                assert receiver.verify(record, "s3cret")
                assert "\n" not in body["subject"] and len(body["subject"]) <= 200


POISON_TARGETS = {
    Kind.EMAIL: [
        "ops@example.com\r\nBcc: victim@example.com",
        "Ops <ops@example.com>\nBcc: victim@example.com",
    ],
    Kind.SLACK: ["http://[::1", "http://127.0.0.1:1/services/SECRETPATH\r\nX-Evil: 1"],
    Kind.WEBHOOK: ["http://[::1", "ftp://127.0.0.1/x", ""],
}


@pytest.mark.parametrize("kind", [Kind.EMAIL, Kind.SLACK, Kind.WEBHOOK])
def test_undeliverable_messages_end_as_dead_letters_with_the_error(
    kind, smtp, receiver, allow_loopback, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    messages = [
        _enqueue(kind, target, f"poison-{i}", {}) for i, target in enumerate(POISON_TARGETS[kind])
    ]
    _drain(settings)
    for message in messages:
        message.refresh_from_db()
        assert message.status == "dead", (message.target, message.status, message.last_error)
        assert message.attempts == 3 and message.last_error
        assert "SECRETPATH" not in message.last_error  # the webhook's secret is not echoed
        assert message.locked_until is None
    assert smtp.messages == [] and receiver.received == []


def test_a_comment_with_a_line_break_becomes_a_one_line_subject(users, smtp, settings):
    user = users["pm"]
    user.email = "pm@example.com"
    user.save()
    with transaction.atomic():
        notification_create(user=user, text="@pm please look\nBcc: someone@example.com here")
    _drain(settings)
    assert OutboxMessage.objects.get().status == "delivered"
    [raw] = smtp.messages
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "[mops] @pm please look Bcc: someone@example.com here"
    assert "Bcc" not in parsed


def test_rows_queued_raw_before_the_fix_are_delivered_not_stuck(smtp, settings):
    """A row written with a CR/LF subject (as the old enqueue stored it) is not re-claimed
    forever: it is delivered with a cleaned subject."""
    OutboxMessage.objects.create(
        kind=Kind.EMAIL,
        target="ops@example.com",
        subject="first line\nsecond line",
        body="b",
        idempotency_key="raw-row",
        next_attempt_at=timezone.now(),
    )
    _drain(settings)
    message = OutboxMessage.objects.get()
    assert message.status == "delivered" and message.attempts == 1
    assert "Subject: first line second line" in smtp.messages[0].decode()


def test_a_claim_that_expired_on_the_last_attempt_is_a_dead_letter(settings):
    """The worker died mid-send every time (claim expired): attempts still run out."""
    settings.OUTBOX_MAX_ATTEMPTS = 2
    now = timezone.now()
    message = OutboxMessage.objects.create(
        kind=Kind.WEBHOOK,
        target="http://127.0.0.1:1/hook",
        idempotency_key="died",
        status="sending",
        attempts=2,
        locked_until=now - timedelta(seconds=1),
        next_attempt_at=now - timedelta(minutes=5),
    )
    outbox_sweep(now=now)
    message.refresh_from_db()
    assert message.status == "dead" and "claim expired" in message.last_error


def test_header_text_is_one_bounded_line():
    assert header_text("a\r\nb\tc\x00d\u2028e\x85f") == "a b cd e f"
    assert header_text("x" * 500) == "x" * 199 + "…"
    assert header_text("\udcff") == "\ufffd"
    assert header_text(None) == ""
    assert storable_text("a\x00b\ud800") == "ab\ufffd"
    assert storable_json({"a": [float("inf"), Decimal("2"), {"b\x00": "c\x00"}]}) == {
        "a": ["inf", "2", {"b": "c"}]
    }
