import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """A real local HTTP receiver whose behaviour the test switches: up, down, slow, 500."""

    def __init__(self) -> None:
        self.mode = "up"  # up | error | slow
        self.received: list[dict] = []  # successfully accepted deliveries
        self.attempts = 0
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self, port: int = 0) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                if receiver.mode == "slow":
                    time.sleep(2)
                if receiver.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go down: the port refuses connections until start() again."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def keys(self) -> list[str]:
        return [r["headers"]["idempotency-key"] for r in self.received]

    @staticmethod
    def verify(record: dict, secret: str) -> bool:
        parts = dict(p.split("=", 1) for p in record["headers"]["x-mops-signature"].split(","))
        mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + record["body"], hashlib.sha256)
        return hmac.compare_digest(mac.hexdigest(), parts["v1"])

    @staticmethod
    def payload(record: dict) -> dict:
        return json.loads(record["body"])


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def allow_loopback(settings):
    settings.MOPS_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOX_HTTP_TIMEOUT = 0.5
