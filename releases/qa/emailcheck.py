"""Pre-flight checks on e-mail HTML (pure, no Django): size, unsubscribe, alt text,
merge tags, insecure links; and the links an e-mail contains."""

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from html.parser import HTMLParser

from releases.qa.preflight import GMAIL_CLIP_BYTES, Finding, Link

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
