"""How each kind of outbox message leaves: one small class per kind, one `send()` each.

A transport raises `DeliveryError` for anything the receiver or network did wrong; the
outbox service decides about retries (and treats any other exception as a failed attempt
too). Every header value that carries user text goes through `mops.core.text.header_text`. Webhook targets pass the outbound-address guard
(no private or loopback addresses unless allow-listed) before any connection is made.
"""

import hashlib
import hmac
import http.client
import json
import time
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage

from mops.core.text import header_text
from mops.netguard import UnsafeTarget, check_url, pinned_connection

from .models import Kind, OutboxMessage


class DeliveryError(Exception):
    """The message could not be delivered this time (it may be retried)."""


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over `"{timestamp}.{body}"`, hex; receivers recompute and compare."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def _post_json(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST to a guarded, pinned address; redirects are not followed (a webhook answers itself)."""
    try:
        check_url(url, allow=settings.MOPS_OUTBOUND_ALLOWLIST)
    except UnsafeTarget as exc:
        raise DeliveryError(f"refused target: {exc}") from exc
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    connection = pinned_connection(
        parts.hostname or "",
        parts.port or (443 if secure else 80),
        secure=secure,
        timeout=settings.OUTBOX_HTTP_TIMEOUT,
        allow=settings.MOPS_OUTBOUND_ALLOWLIST,
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Content-Type": "application/json", "User-Agent": "mops-outbox/1", **headers}
    try:
        connection.request("POST", target, body=body, headers=all_headers)
        status = connection.getresponse().status
    except UnsafeTarget as exc:
        raise DeliveryError(f"refused target: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"connection failed: {exc}") from exc
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from receiver")


class EmailTransport:
    def send(self, message: OutboxMessage) -> None:
        recipients = [a.strip() for a in message.target.split(",") if a.strip()]
        email = EmailMessage(
            subject=header_text(message.subject),
            body=message.body,
            to=recipients,
            headers={"X-Mops-Idempotency-Key": header_text(message.idempotency_key)},
        )
        try:
            email.send(fail_silently=False)
        except OSError as exc:
            raise DeliveryError(f"SMTP failed: {exc}") from exc


class SlackTransport:
    def send(self, message: OutboxMessage) -> None:
        text = f"*{message.subject}*\n{message.body}" if message.subject else message.body
        body = json.dumps({"text": text}).encode()
        _post_json(message.target, body, {"Idempotency-Key": header_text(message.idempotency_key)})


class WebhookTransport:
    def send(self, message: OutboxMessage) -> None:
        body = json.dumps(
            {
                "id": str(message.id),
                "source": message.source,
                "subject": message.subject,
                "body": message.body,
                "data": message.payload,
            },
            sort_keys=True,
        ).encode()
        timestamp = int(time.time())
        secret = message.secret or settings.MOPS_WEBHOOK_SECRET
        _post_json(
            message.target,
            body,
            {
                "Idempotency-Key": header_text(message.idempotency_key),
                "X-Mops-Timestamp": str(timestamp),
                "X-Mops-Signature": f"t={timestamp},v1={sign(secret, timestamp, body)}",
            },
        )


TRANSPORTS: dict[str, Transport] = {
    Kind.EMAIL: EmailTransport(),
    Kind.SLACK: SlackTransport(),
    Kind.WEBHOOK: WebhookTransport(),
}
