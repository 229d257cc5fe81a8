"""Automated pre-flight checks on a marketing asset: e-mail HTML, tracking parameters, links.

Pure functions (no Django): a worker feeds them the asset and stores the `Finding`s. Each
finding names its check (``email.size``, ``tracking.case``, ``links.broken``, ...), a
severity (``fail`` blocks boarding a departure, ``warn`` is for the reviewer) and where the
problem is (``line:col`` in the HTML, the URL, or ``document``).
"""

import contextlib
import http.client
import re
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Literal
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from mops.netguard import UnresolvableHost, UnsafeTarget, check_url, pinned_connection

Severity = Literal["fail", "warn"]
LinkFailure = Literal["broken", "timeout", "refused"]


GMAIL_CLIP_BYTES = 102 * 1024
REQUIRED_UTM = ("utm_source", "utm_medium", "utm_campaign")
ALLOWED_MEDIUMS = frozenset(
    {
        "email",
        "cpc",
        "paid_social",
        "social",
        "display",
        "referral",
        "affiliate",
        "organic",
        "webinar",
        "sms",
    }
)
USER_AGENT = "mops-linkcheck/1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Finding:
    """One failed pre-flight rule."""

    check: str
    severity: Severity
    message: str
    where: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Link:
    """A clickable link in the HTML: its URL, the line it starts on and its visible text."""

    url: str
    line: int
    text: str


@dataclass
class LinkResult:
    """What following one URL found. `redirects` lists every hop as (status, absolute URL)."""

    url: str
    ok: bool
    status: int | None = None
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None
    elapsed_ms: int = 0
    failure: LinkFailure | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def findings(self) -> list[Finding]:
        """A failure as one `fail` finding; a working link that redirects as one `warn`."""
        if self.failure is not None:
            message = self.error or f"HTTP {self.status}"
            return [Finding(f"links.{self.failure}", "fail", message, self.url)]
        if self.redirects:
            hops = len(self.redirects)
            message = f"redirects {hops} time{'s' if hops > 1 else ''} to {self.final_url}"
            return [Finding("links.redirect", "warn", message, self.url)]
        return []


# --- tracking parameters ----------------------------------------------------------------

_SOURCE = re.compile(r"[a-z0-9_-]+")


def check_utm(url: str) -> list[Finding]:
    """The built-in UTM rule set for one URL.

    utm_source, utm_medium and utm_campaign must be present and non-empty; every utm_*
    name and value must be lower-case; the medium must be one of `ALLOWED_MEDIUMS` and the
    source must match ``[a-z0-9_-]+``. A value that is only wrong in case gets one
    `tracking.case` finding, not a second `tracking.not_allowed`.
    """
    params: dict[str, tuple[str, str]] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        params.setdefault(name.lower(), (name, value))
    findings: list[Finding] = []
    for name in REQUIRED_UTM:
        if not params.get(name, ("", ""))[1].strip():
            state = "empty" if name in params else "missing"
            findings.append(Finding("tracking.missing_param", "fail", f"{name} is {state}", url))
    for lowered, (name, value) in params.items():
        if not lowered.startswith("utm_"):
            continue
        if name != lowered or value != value.lower():
            message = f"{name}={value} must be lower-case: {lowered}={value.lower()}"
            findings.append(Finding("tracking.case", "fail", message, url))
    medium = params.get("utm_medium", ("", ""))[1].lower()
    if medium.strip() and medium not in ALLOWED_MEDIUMS:
        allowed = ", ".join(sorted(ALLOWED_MEDIUMS))
        message = f"utm_medium={medium!r} is not an allowed medium ({allowed})"
        findings.append(Finding("tracking.not_allowed", "fail", message, url))
    source = params.get("utm_source", ("", ""))[1].lower()
    if source.strip() and not _SOURCE.fullmatch(source):
        message = f"utm_source={source!r} may hold only a-z, 0-9, '_' and '-'"
        findings.append(Finding("tracking.not_allowed", "fail", message, url))
    return findings


def check_tracking(
    urls: Iterable[str], rule: Callable[[str], list[Finding]] | None = None
) -> list[Finding]:
    """Check every URL's tracking parameters with `rule` (default: the built-in `check_utm`).

    `rule` replaces the built-in set entirely; the governance taxonomy validator plugs in here.
    """
    check = rule or check_utm
    return [finding for url in urls for finding in check(url)]


# --- links ------------------------------------------------------------------------------


# Characters left as they are when re-quoting a path or query: reserved ones and "%", so
# an already-encoded URL is sent unchanged while spaces and non-ASCII get encoded.
_URL_SAFE = "/%:@!$&'()*+,;=~"


def _request(method: str, url: str, timeout: float, allow: Collection[str]) -> tuple[int, str]:
    """Send one request without a body and return (status, Location header or "").

    The socket timeout bounds each connect and read; a watchdog bounds the whole exchange,
    so a server dribbling its headers one byte at a time cannot hold the check open either.
    """
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    port = parts.port or (443 if secure else 80)
    host = parts.hostname or ""
    connection = pinned_connection(host, port, secure=secure, timeout=timeout, allow=allow)
    target = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_URL_SAFE + "?")
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read

    watchdog = threading.Timer(timeout, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(method, target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        return response.status, response.getheader("Location") or ""
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError from None
        raise
    finally:
        watchdog.cancel()
        connection.close()


def _follow(url: str, timeout: float, max_redirects: int, allow: Collection[str]) -> LinkResult:
    started = time.monotonic()
    deadline = started + timeout * (max_redirects + 1)
    redirects: list[tuple[int, str]] = []
    current = url

    def done(
        status: int | None = None, error: str | None = None, failure: LinkFailure | None = None
    ) -> LinkResult:
        return LinkResult(
            url=url,
            ok=failure is None,
            status=status,
            final_url=current,
            redirects=redirects,
            error=error,
            elapsed_ms=round((time.monotonic() - started) * 1000),
            failure=failure,
        )

    def request(method: str) -> tuple[int, str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return _request(method, current, min(timeout, remaining), allow)

    while True:
        try:
            check_url(current, allow=allow)
        except UnresolvableHost as exc:
            return done(error=str(exc), failure="broken")
        except UnsafeTarget as exc:
            step = "refused" if current == url else f"redirect to {current} refused"
            return done(error=f"{step}: {exc}", failure="refused")
        try:
            try:
                status, location = request("HEAD")
            except http.client.HTTPException:
                status, location = 0, ""  # some servers hang up on HEAD; GET will tell
            if status == 0 or status >= 400:
                status, location = request("GET")
        except TimeoutError:
            return done(error=f"timeout after {timeout:g}s", failure="timeout")
        except UnsafeTarget as exc:  # the name resolved differently at connect time
            return done(error=f"refused: {exc}", failure="refused")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return done(error=f"{type(exc).__name__}: {exc}", failure="broken")
        if status in REDIRECT_STATUSES and location:
            current = urljoin(current, location.strip())
            redirects.append((status, current))
            if len(redirects) > max_redirects:
                return done(status, f"more than {max_redirects} redirects", "broken")
            continue
        if 200 <= status < 300:
            return done(status)
        return done(status, f"HTTP {status}", "broken")


# Channels whose assets carry a call to action (a link); data and CRM changes do not.
LINK_CHANNELS = frozenset(
    {"email", "landing_page", "paid_social", "paid_search", "webinar", "sms", "web"}
)


def check_links_present(urls: Iterable[str], channels: Iterable[str]) -> list[Finding]:
    """A link or tracking check with nothing to check is a failure when the work's channels
    carry calls to action: pasted HTML without a link would otherwise pass vacuously."""
    needing = sorted(LINK_CHANNELS & set(channels))
    if list(urls) or not needing:
        return []
    return [
        Finding(
            "links.none",
            "fail",
            f"No link found in the pasted HTML or URLs: {', '.join(needing)} work needs at "
            "least one (the call to action).",
            "",
        )
    ]


def check_links(
    urls: Iterable[str],
    *,
    timeout: float = 5.0,
    max_redirects: int = 5,
    allow: Collection[str] = (),
    concurrency: int = 8,
) -> list[LinkResult]:
    """Follow each URL and report whether it ends in a 2xx; one result per URL, in order.

    HEAD first; GET when HEAD answers 4xx/5xx or hangs up (many servers refuse HEAD).
    Redirects are followed here, not by the HTTP library, so every hop is listed and every
    hop's address passes the outbound guard (private addresses refused unless in `allow`);
    the connection goes to the very addresses the guard checked. Each request may take
    `timeout` seconds (connect, send and headers together; the body is never read) and a
    URL's whole chain at most ``timeout * (max_redirects + 1)``, so with `concurrency`
    threads the call ends within that times ceil(unique URLs / concurrency), plus DNS
    lookups. Environment proxies are not used. Duplicate URLs are fetched once.
    """
    wanted = list(urls)
    unique = list(dict.fromkeys(wanted))
    if not unique:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(unique)))) as pool:
        checked = pool.map(lambda url: _follow(url, timeout, max_redirects, allow), unique)
        by_url = dict(zip(unique, checked, strict=True))
    return [replace(by_url[url], redirects=list(by_url[url].redirects)) for url in wanted]
