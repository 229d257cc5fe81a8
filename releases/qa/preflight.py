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
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from html.parser import HTMLParser
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


# --- e-mail HTML --------------------------------------------------------------------------

_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_UNRENDERED_TAGS = frozenset({"head", "title", "style", "script", "template"})
_URL_ATTRIBUTES = ("href", "src", "background")
_SKIPPED_LINK_PREFIXES = ("mailto:", "tel:", "sms:", "#")
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# Spacer characters e-mail builders put after a preheader; they are not visible text.
_INVISIBLE = " \t\r\n\f\xa0\u034f\u200b\u200c\u200d\u2060\ufeff"
_MERGE_TAG = re.compile(r"\{\{\{?([^{}]*)\}?\}\}|%%([^%\s][^%]*)%%|\*\|([^|]+)\|\*")
_UNRENDERED_BLOCK = re.compile(r"(<(style|script)\b[^>]*>)(.*?)(</\2\s*>)", re.IGNORECASE | re.S)


@dataclass(frozen=True)
class _Element:
    tag: str
    hidden: bool
    preheader: bool
    unrendered: bool


@dataclass(frozen=True)
class _Image:
    src: str
    alt: str | None
    line: int
    col: int


@dataclass(frozen=True)
class _UrlAttribute:
    tag: str
    name: str
    value: str
    line: int
    col: int


class _EmailScan(HTMLParser):
    """One pass over the HTML collecting images, links, URL attributes and preheader text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[_Image] = []
        self.anchors: list[tuple[dict[str, str], Link]] = []
        self.url_attributes: list[_UrlAttribute] = []
        self.has_preheader = False
        self._seen_body_text = False
        self._stack: list[_Element] = []
        self._anchor: tuple[dict[str, str], int, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, opens=tag not in _VOID_TAGS)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, opens=False)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, opens: bool) -> None:
        line, offset = self.getpos()
        values = {name: value or "" for name, value in attrs}
        for name in _URL_ATTRIBUTES:
            if name in values:
                self.url_attributes.append(_UrlAttribute(tag, name, values[name], line, offset + 1))
        if tag == "img":
            alt = values.get("alt")
            self.images.append(_Image(values.get("src", ""), alt, line, offset + 1))
            if self._anchor is not None and alt:
                self._anchor[2].append(alt)
        elif tag == "area" and "href" in values:
            self.anchors.append((values, Link(values["href"], line, values.get("alt", ""))))
        elif tag == "a" and opens:
            self._finish_anchor()
            self._anchor = (values, line, [])
        if not opens:
            return
        parent = self._stack[-1] if self._stack else _Element("", False, False, False)
        marker = f"{values.get('class', '')} {values.get('id', '')}".lower()
        hides = "hidden" in values or bool(_DISPLAY_NONE.search(values.get("style", "")))
        self._stack.append(
            _Element(
                tag,
                hidden=parent.hidden or hides,
                preheader=parent.preheader or "preheader" in marker,
                unrendered=parent.unrendered or tag in _UNRENDERED_TAGS,
            )
        )

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._finish_anchor()
        # Browsers close elements left open inside this one; an end tag with no open element
        # of its name is ignored, as browsers do.
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                break

    def handle_data(self, data: str) -> None:
        current = self._stack[-1] if self._stack else _Element("", False, False, False)
        if current.unrendered:
            return
        if self._anchor is not None:
            self._anchor[2].append(data)
        if not data.strip(_INVISIBLE):
            return
        if current.preheader or (not self._seen_body_text and current.hidden):
            self.has_preheader = True
        self._seen_body_text = True

    def close(self) -> None:
        super().close()
        self._finish_anchor()

    def _finish_anchor(self) -> None:
        if self._anchor is None:
            return
        values, line, parts = self._anchor
        self._anchor = None
        if "href" in values:
            text = " ".join(" ".join(parts).split())
            self.anchors.append((values, Link(values["href"], line, text)))


def _scan(html: str) -> _EmailScan:
    scan = _EmailScan()
    scan.feed(html)
    scan.close()
    return scan


def check_email_html(html: str, *, size_limit_bytes: int = GMAIL_CLIP_BYTES) -> list[Finding]:
    """Run every e-mail HTML check; an empty list means the e-mail passed.

    Rules a reader could not guess:

    - unsubscribe: satisfied by an <a>/<area> whose href, text or title contains
      "unsubscribe", or by a merge tag anywhere whose name contains "unsub"
      (``{{unsubscribe_url}}``, ``%%unsub_center_url%%``, ``*|UNSUB|*``). "To unsubscribe
      click <a>here</a>" does not count: the link itself must say what it does.
    - image alt: a missing alt attribute fails; ``alt=""`` only warns, because an empty alt
      is right for spacers and tracking pixels but wrong for content images.
    - size: UTF-8 bytes of the HTML as given; Gmail clips messages over 102 KB, hiding the
      footer and its unsubscribe link. ESPs add tracking to links, so keep headroom.
    - merge tags: ``{{`` ... ``}}`` must pair up without nesting and without markup inside
      (a ``<`` means the closer is missing); ``%%`` delimiters must pair up, a pair not
      spanning a line unless it is an AMPscript block (``%%[ ]%%``) or inline (``%%= =%%``).
      The contents of <style> and <script> are skipped, as CSS legitimately holds ``}}``.
    - insecure links: every href, src and background attribute starting ``http://``.
    - preheader: found when text sits in an element whose class or id contains
      "preheader", or when the first visible body text is inside an element hidden with
      ``display:none`` (or the ``hidden`` attribute). Missing only warns.
    """
    scan = _scan(html)
    locate = _Locator(html)
    findings: list[Finding] = []
    findings += _check_unsubscribe(html, scan)
    findings += _check_image_alt(scan)
    findings += _check_size(html, size_limit_bytes)
    findings += _check_merge_tags(html, locate)
    findings += _check_insecure_links(scan)
    if not scan.has_preheader:
        findings.append(
            Finding(
                "email.preheader",
                "warn",
                'no preheader: add a hidden element with class="preheader" before the body '
                "content, or inbox previews show the first visible text",
                "document",
            )
        )
    return findings


def _check_unsubscribe(html: str, scan: _EmailScan) -> list[Finding]:
    for values, link in scan.anchors:
        said = f"{link.url} {link.text} {values.get('title', '')}".lower()
        if "unsubscribe" in said:
            return []
    for match in _MERGE_TAG.finditer(html):
        name = next(group for group in match.groups() if group is not None)
        if "unsub" in name.lower():
            return []
    return [
        Finding(
            "email.unsubscribe",
            "fail",
            "no unsubscribe link (an <a> saying or linking to unsubscribe, or an "
            "unsubscribe merge tag such as {{unsubscribe_url}})",
            "document",
        )
    ]


def _check_image_alt(scan: _EmailScan) -> list[Finding]:
    findings: list[Finding] = []
    for image in scan.images:
        where = f"{image.line}:{image.col}"
        if image.alt is None:
            message = f'<img src="{image.src}"> has no alt attribute'
            findings.append(Finding("email.img_alt", "fail", message, where))
        elif not image.alt.strip():
            message = (
                f'<img src="{image.src}"> has an empty alt: right only for spacers and '
                "tracking pixels"
            )
            findings.append(Finding("email.img_alt", "warn", message, where))
    return findings


def _check_size(html: str, limit: int) -> list[Finding]:
    size = len(html.encode("utf-8"))
    if size <= limit:
        return []
    message = (
        f"HTML is {size:,} bytes ({size / 1024:.1f} KB), over the {limit / 1024:g} KB "
        "limit after which Gmail clips the message"
    )
    return [Finding("email.size", "fail", message, "document")]


class _Locator:
    """Turns a character offset into a 1-based "line:col" and shows the source around it."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> str:
        line = bisect_right(self._starts, offset)
        return f"{line}:{offset - self._starts[line - 1] + 1}"

    def around(self, start: int, end: int, width: int = 30) -> str:
        """`start`..`end` widened by up to `width` characters each way, within one line of text
        (stopping at a newline or at markup)."""
        before = re.split(r"[\n>]", self._text[max(0, start - width) : start])[-1]
        after = re.split(r"[\n<]", self._text[end : end + width], maxsplit=1)[0]
        return (before + self._text[start:end] + after).strip()


def _mask_unrendered(html: str) -> str:
    """Blank out <style>/<script> contents, keeping every offset and newline in place."""

    def blank(match: re.Match[str]) -> str:
        body = re.sub(r"[^\n]", " ", match.group(3))
        return match.group(1) + body + match.group(4)

    return _UNRENDERED_BLOCK.sub(blank, html)


def _check_merge_tags(html: str, locate: _Locator) -> list[Finding]:
    text = _mask_unrendered(html)
    findings: list[Finding] = []

    def unbalanced(offset: int, message: str) -> None:
        findings.append(Finding("email.merge_tags", "fail", message, locate(offset)))

    def unclosed(opener: int) -> None:
        tag = re.split(r"[\n<]|\{\{", text[opener + 2 : opener + 42], maxsplit=1)[0]
        unbalanced(opener, f"merge tag '{{{{{tag.rstrip()}' is never closed with '}}}}'")

    opener: int | None = None
    for match in re.finditer(r"\{\{|\}\}", text):
        if match.group() == "{{":
            if opener is not None:
                unclosed(opener)
            opener = match.start()
        elif opener is None or "<" in text[opener : match.start()]:
            if opener is not None:  # markup inside means the opener's own closer is missing
                unclosed(opener)
                opener = None
            shown = locate.around(match.start(), match.end())
            unbalanced(match.start(), f"stray '}}}}' without an opening '{{{{' in {shown!r}")
        else:
            opener = None
    if opener is not None:
        unclosed(opener)

    percent: int | None = None
    for match in re.finditer("%%", text):
        if percent is None:
            percent = match.start()
            continue
        inside = text[percent + 2 : match.start()]
        block = (inside.startswith("[") and inside.endswith("]")) or (
            inside.startswith("=") and inside.endswith("=")
        )
        if "<" in inside or ("\n" in inside and not block):
            shown = locate.around(percent, percent + 2)
            unbalanced(percent, f"unbalanced '%%' merge tag delimiter in {shown!r}")
            percent = match.start()
        else:
            percent = None
    if percent is not None:
        shown = locate.around(percent, percent + 2)
        unbalanced(percent, f"unbalanced '%%' merge tag delimiter in {shown!r}")
    return findings


def _check_insecure_links(scan: _EmailScan) -> list[Finding]:
    return [
        Finding(
            "email.insecure_link",
            "fail",
            f'<{attr.tag} {attr.name}="{attr.value}"> uses http://; use https://',
            f"{attr.line}:{attr.col}",
        )
        for attr in scan.url_attributes
        if attr.value.strip().lower().startswith("http://")
    ]


def extract_links(html: str) -> list[Link]:
    """Links a reader can click (<a> and <area> hrefs), in document order.

    Skipped: mailto:, tel:, sms:, in-page #anchors, empty hrefs, and hrefs that are one
    merge tag and nothing else (``{{unsubscribe_url}}``): the ESP fills those in at send time.
    An <a>'s text is its text content, or its images' alt text when it has none of its own.
    """
    links: list[Link] = []
    for _, link in _scan(html).anchors:
        url = link.url.strip()
        if not url or url.lower().startswith(_SKIPPED_LINK_PREFIXES):
            continue
        if _MERGE_TAG.fullmatch(url):
            continue
        links.append(replace(link, url=url))
    return links


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
