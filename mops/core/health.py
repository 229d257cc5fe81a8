"""Liveness and readiness: the process is up; the database, Redis and a worker answer."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

HEARTBEAT_KEY = "worker-heartbeat"
log = logging.getLogger(__name__)


def heartbeat_record(now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, now if now is not None else time.time(), timeout=3600)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # any driver error means not ready; report it, don't crash
        checks["database"] = {"ok": False, "error": str(exc)[:200]}
    beat: float | None = None
    try:
        cache.set("readyz-probe", 1, timeout=10)
        beat = cache.get(HEARTBEAT_KEY)
        checks["redis"] = {"ok": True}
    except Exception as exc:  # Redis down: report it
        checks["redis"] = {"ok": False, "error": str(exc)[:200]}
    if beat is None:
        checks["worker"] = {"ok": False, "error": "no worker heartbeat recorded"}
    else:
        age = time.time() - float(beat)
        checks["worker"] = {
            "ok": age < settings.WORKER_HEARTBEAT_MAX_AGE,
            "heartbeat_age_seconds": round(age, 1),
        }
    ready = all(c["ok"] for c in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        # "Not ready" is an answer, not a server error: while only the first worker heartbeat
        # is missing (warm-up) it is routine (INFO); a failing database or Redis is a WARNING.
        failing = [name for name, check in checks.items() if not check["ok"]]
        warming_up = failing == ["worker"] and beat is None
        log.log(logging.INFO if warming_up else logging.WARNING, "not ready: %s", failing)
        response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own 5xx log
    return response
