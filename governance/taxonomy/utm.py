"""The public UTM API: classify a channel, validate / fix / build campaign names and URLs.
Pure (no Django)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit

from .definition import Taxonomy
from .findings import (
    _CACHE_LIMIT,
    _HOST_RE,
    _MISSING,
    _PLAIN_URL_RE,
    _URL_SAFE,
    _UTM_SET,
    ERROR,
    REQUIRED_PARAMS,
    RULE_CASE,
    RULE_DUPLICATE,
    RULE_EMPTY,
    RULE_ENCODED,
    RULE_FRAGMENT,
    RULE_INVALID_URL,
    RULE_NOT_HTTPS,
    RULE_PARAM_NAME,
    RULE_REPLACED,
    RULE_SYNONYM,
    RULE_WHITESPACE,
    UNASSIGNED,
    UTM_PARAMS,
    WARNING,
    BuildResult,
    Finding,
    Severity,
    TaxonomyError,
    ValidationResult,
    _closest,
    _show,
    _slugify,
)

# ----------------------------------------------------------------------------- public API


def classify_channel(source: str, medium: str, taxonomy: Taxonomy) -> str:
    """Channel for a source/medium pair (synonyms and case resolved); first rule wins."""
    key = (source, medium)
    channel = taxonomy._channel_cache.get(key)
    if channel is None:
        s = taxonomy._source_vocab.canonical(source.strip()).lower()
        m = taxonomy._medium_vocab.canonical(medium.strip()).lower()
        channel = next((r.channel for r in taxonomy.channel_rules if r.matches(s, m)), UNASSIGNED)
        if len(taxonomy._channel_cache) >= _CACHE_LIMIT:
            taxonomy._channel_cache.clear()
        taxonomy._channel_cache[key] = channel
    return channel


def validate_campaign_name(name: str, taxonomy: Taxonomy) -> list[Finding]:
    """Findings for a campaign name typed as plain text (not URL-encoded)."""
    findings, _, _ = taxonomy._check_value("utm_campaign", name, False)
    return list(findings)


def fix_campaign_name(name: str, taxonomy: Taxonomy) -> str | None:
    """The name with every known fix applied, or None when no fix changes it."""
    _, fixed, changed = taxonomy._check_value("utm_campaign", name, False)
    return fixed if changed else None


def build_campaign_name(tokens: Mapping[str, str], taxonomy: Taxonomy) -> str:
    """Join token values into a name that follows the convention, or raise TaxonomyError.

    Values are slugified ("Launch Guide" -> "launch-guide") and put in the convention's
    case; a value that is still not allowed raises, naming the token.
    """
    naming = taxonomy.naming
    known = {t.name for t in naming.tokens}
    for key in tokens:
        if key not in known:
            raise TaxonomyError(key, f"is not a token of {naming.template}")
    matchers = [m for segment in naming._segments for m in segment]
    parts: list[str] = []
    skipped: str | None = None
    for matcher in matchers:
        token = matcher.token
        value = _slugify(tokens.get(token.name) or "")
        if naming.delimiter != "-":
            value = _slugify(value.replace(naming.delimiter, "-"))
        value = naming.fold(value)
        if not value:
            if token.required:
                raise TaxonomyError(token.name, "is required")
            skipped = skipped or token.name
            continue
        if skipped is not None:
            raise TaxonomyError(token.name, f"needs {skipped} too (tokens are positional)")
        if not matcher.regex.fullmatch(value):
            raise TaxonomyError(token.name, matcher.problem(value)[0])
        if token.joined:
            parts[-1] += value
        else:
            parts.append(value)
    name = naming.delimiter.join(parts)
    findings = validate_campaign_name(name, taxonomy)
    if findings:
        raise TaxonomyError("campaign", findings[0].message)
    return name


_EXAMPLE_PREFERRED = ("emea", "email", "ebook", "webinar", "launch-guide", "spring-launch")
_EXAMPLE_FREE_TEXT = ("launch-guide", "spring-launch", "ebook", "name", "2026", "a1")


def example_campaign_name(taxonomy: Taxonomy, *, year: int, quarter: int) -> str | None:
    """A campaign name that follows the convention, for people to copy the shape of
    (``fy26q3_emea_email_ebook_launch-guide``); None when no example can be made."""
    samples = (f"fy{year % 100:02d}", f"q{quarter}", f"{year}", f"{year}q{quarter}")
    values: dict[str, str] = {}
    for token in taxonomy.naming.tokens:
        if not token.required:
            continue
        if token.allowed_values:
            allowed = sorted(token.allowed_values)
            preferred = [v for v in _EXAMPLE_PREFERRED if v in token.allowed_values]
            values[token.name] = (preferred or allowed)[0]
            continue
        pattern = re.compile(token.pattern or "", re.IGNORECASE)
        hit = next(
            (
                c
                for c in (*_EXAMPLE_FREE_TEXT[:2], *samples, *_EXAMPLE_FREE_TEXT[2:])
                if pattern.fullmatch(c)
            ),
            None,
        )
        if hit is None:
            return None
        values[token.name] = hit
    try:
        return build_campaign_name(values, taxonomy)
    except TaxonomyError:
        return None


def build_url(
    base_url: str,
    source: str,
    medium: str,
    campaign: str,
    content: str | None = None,
    term: str | None = None,
    *,
    taxonomy: Taxonomy,
) -> BuildResult:
    """A tagged URL: base query and fragment kept, UTM values canonical, fragment last.

    Synonyms, case and stray whitespace are corrected (reported in ``notes``); unknown
    values, names breaking the convention and non-http(s) bases raise TaxonomyError.
    utm_* parameters already on the base URL are replaced.
    """
    notes: list[Finding] = []
    parts = _base_parts(base_url)
    tagged = _tagged_values(source, medium, campaign, content, term, taxonomy, notes)
    url = _tagged_url(parts, tagged, taxonomy, notes)
    if parts.scheme == "http":
        message = "the base URL uses http://; prefer https://"
        notes.insert(0, Finding("url", RULE_NOT_HTTPS, WARNING, message, "https" + url[4:]))
    check = validate_url(url, taxonomy)
    for finding in check.findings:
        if finding.rule != RULE_NOT_HTTPS:  # would be a bug here: refuse to hand it out
            raise TaxonomyError("url", finding.message)
    by_param = dict(tagged)
    return BuildResult(
        url=url,
        source=by_param["utm_source"],
        medium=by_param["utm_medium"],
        campaign=by_param["utm_campaign"],
        channel=check.channel or UNASSIGNED,
        notes=tuple(notes),
    )


def build_campaign_url(
    base_url: str,
    source: str,
    medium: str,
    campaign: str,
    tokens: Mapping[str, str] | None,
    content: str = "",
    term: str = "",
    *,
    taxonomy: Taxonomy,
) -> BuildResult:
    """``build_url`` for a campaign given by its name, or else (no name) by its naming tokens."""
    name = campaign or build_campaign_name(tokens or {}, taxonomy)
    return build_url(
        base_url, source, medium, name, content or None, term or None, taxonomy=taxonomy
    )


def _base_parts(base_url: str) -> SplitResult:
    """The parts of an http(s) base URL with a host, or TaxonomyError naming base_url."""
    base = base_url.strip()
    if not base:
        raise TaxonomyError("base_url", "is empty")
    if "://" not in base and _HOST_RE.match(base):
        raise TaxonomyError("base_url", f"has no scheme; did you mean 'https://{base}'?")
    try:
        parts = urlsplit(base)
    except ValueError as exc:
        raise TaxonomyError("base_url", f"cannot be parsed ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise TaxonomyError("base_url", "must be an http:// or https:// URL")
    if not parts.netloc:
        raise TaxonomyError("base_url", "has no host")
    return parts


def _tagged_values(
    source: str,
    medium: str,
    campaign: str,
    content: str | None,
    term: str | None,
    taxonomy: Taxonomy,
    notes: list[Finding],
) -> list[tuple[str, str]]:
    """(parameter, canonical value) in URL order; what was corrected is added to ``notes``."""
    values = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    tagged: list[tuple[str, str]] = []
    for param, given in values.items():
        findings, value, _ = taxonomy._check_value(param, given, False)
        for finding in findings:
            if finding.rule not in (RULE_WHITESPACE, RULE_CASE, RULE_SYNONYM):
                raise TaxonomyError(param.removeprefix("utm_"), finding.message)
        if value is None:
            raise TaxonomyError(param.removeprefix("utm_"), "is empty")
        # Fixed by the builder, so no longer errors: notes for the marketer.
        notes.extend(replace(f, severity=WARNING) for f in findings)
        tagged.append((param, value))
    if content is not None and content.strip():
        slug = _slugify(content)
        if not slug:
            raise TaxonomyError("content", "holds no usable characters")
        if slug != content.strip():
            message = f"{_show(content)} was written {slug!r} so it needs no URL encoding"
            notes.append(Finding("utm_content", RULE_ENCODED, WARNING, message, slug))
        tagged.append(("utm_content", slug))
    if term is not None and term.strip():
        tagged.append(("utm_term", term.strip()))
    return tagged


def _tagged_url(
    parts: SplitResult, tagged: list[tuple[str, str]], taxonomy: Taxonomy, notes: list[Finding]
) -> str:
    """The base URL with its UTM parameters replaced by ``tagged`` and the fragment last."""
    query = [p for p in _query_pieces(parts.query) if not _drop_utm(p, taxonomy, notes)]
    fragment = parts.fragment
    if "?" in fragment:
        path, _, fquery = fragment.partition("?")
        kept = [p for p in _query_pieces(fquery) if not _drop_utm(p, taxonomy, notes)]
        fragment = path + ("?" + "&".join(kept) if kept else "")
    query.extend(f"{param}={quote(value, safe='-._~')}" for param, value in tagged)
    return (
        f"{parts.scheme}://{parts.netloc}{quote(parts.path, safe=_URL_SAFE)}"
        f"?{quote('&'.join(query), safe=_URL_SAFE)}"
        + (f"#{quote(fragment, safe=_URL_SAFE)}" if fragment else "")
    )


def _query_pieces(query: str) -> list[str]:
    return [piece for piece in query.split("&") if piece]


def _drop_utm(piece: str, taxonomy: Taxonomy, notes: list[Finding]) -> bool:
    """Whether a base URL's query piece is a UTM parameter the builder replaces."""
    param, finding = _utm_key(taxonomy, piece.partition("=")[0])
    if param is None:
        if finding is None:
            return False
        param = finding.param
    message = f"the base URL's {_show(piece)} was replaced"
    notes.append(Finding(param, RULE_REPLACED, WARNING, message))
    return True


def _utm_key(taxonomy: Taxonomy, key: str) -> tuple[str | None, Finding | None]:
    """What a raw query key is as a UTM parameter: (parameter or None, finding or None).

    Exact names pass; UTM_SOURCE or utm_souce name the intended parameter with a
    finding; another utm_* key gets a warning; anything else (utmost, gclid) is not UTM.
    """
    if key in _UTM_SET:
        return key, None
    if key[:3].lower() != "utm" and "%" not in key and "+" not in key:
        return None, None
    hit = taxonomy._param_cache.get(key)
    if hit is None:
        name = unquote_plus(key).strip()
        lower = name.lower()
        close = _closest(lower, UTM_PARAMS, cutoff=0.8) if lower.startswith("utm") else None
        if name in _UTM_SET:  # percent-encoded, but reads the same
            hit = (name, None)
        elif lower in _UTM_SET:
            message = (
                f"parameter {_show(name)} must be written {lower!r} (names are case-sensitive)"
            )
            hit = (lower, Finding(lower, RULE_PARAM_NAME, ERROR, message, lower))
        elif close is not None:  # names are long and alike: only near-certain typos count
            message = f"{_show(name)} is not a UTM parameter; did you mean {close!r}?"
            hit = (close, Finding(close, RULE_PARAM_NAME, ERROR, message, close))
        elif lower[:4] in ("utm_", "utm-", "utm."):
            message = f"{_show(name)} is not a UTM parameter analytics tools read"
            hit = (None, Finding(name, RULE_PARAM_NAME, WARNING, message))
        else:
            hit = (None, None)
        if len(taxonomy._param_cache) >= _CACHE_LIMIT:
            taxonomy._param_cache.clear()
        taxonomy._param_cache[key] = hit
    return hit


def _invalid(url: str, message: str) -> ValidationResult:
    return ValidationResult(url, (Finding("url", RULE_INVALID_URL, ERROR, message),))


# A URL-level finding, before the fixed URL is known: (rule, severity, message).
_UrlFinding = tuple[str, Severity, str]
# A query piece: (raw piece, key, raw value).
_Item = tuple[str, str, str]


def validate_url(url: str, taxonomy: Taxonomy) -> ValidationResult:
    """Everything wrong with a tagged URL, how to fix each, the fixed URL and its channel."""
    parsed = _parse_url(url)
    if isinstance(parsed, ValidationResult):
        return parsed
    parts, scheme, changed, url_findings = parsed
    items, in_query, fragment = _query_items(parts, taxonomy)
    if len(items) > in_query:
        changed = True
        message = "UTM parameters sit after '#', where analytics never reads them"
        url_findings.append((RULE_FRAGMENT, ERROR, message))
    findings: list[Finding] = []
    positions, renamed = _utm_positions(items, taxonomy, findings)
    changed = changed or bool(renamed)
    for param in REQUIRED_PARAMS:
        if param not in positions:
            findings.append(_MISSING[param])
    replaced, dropped, fixed_values, values_changed = _check_utm_values(
        items, positions, renamed, taxonomy, findings
    )
    fixed_url: str | None = None
    if changed or values_changed:
        fixed_url = _fixed_url(url, scheme, parts, items, in_query, fragment, replaced, dropped)
    source, medium = fixed_values.get("utm_source"), fixed_values.get("utm_medium")
    channel = classify_channel(source, medium, taxonomy) if source and medium else None
    head = [Finding("url", rule, sev, msg, fixed_url) for rule, sev, msg in url_findings]
    return ValidationResult(url, tuple(head + findings), fixed_url, channel)


def _parse_url(url: str) -> tuple[SplitResult, str, bool, list[_UrlFinding]] | ValidationResult:
    """The URL's parts, its fixed scheme, whether a fix changed it and the URL-level
    findings so far; or the whole result when the URL is empty or cannot be fixed."""
    url_findings: list[_UrlFinding] = []
    text = url.strip()
    changed = text != url
    if changed:
        url_findings.append(
            (RULE_WHITESPACE, WARNING, "the URL has leading or trailing whitespace")
        )
    if not text:
        return ValidationResult(url, (Finding("url", RULE_EMPTY, ERROR, "the URL is empty"),))
    try:
        plain = _PLAIN_URL_RE.fullmatch(text) if text.isascii() else None
        if plain is not None:  # urlsplit is the slow part of a row; same result here
            parts = SplitResult(plain[1], plain[2], plain[3], plain[4] or "", plain[5] or "")
        else:
            parts = urlsplit(text)
        if parts.scheme not in ("http", "https") and "://" not in text:
            if text.startswith("//") or _HOST_RE.match(text):
                text = ("https:" if text.startswith("//") else "https://") + text
                parts = urlsplit(text)
                changed = True
                message = "the URL has no scheme (https://)"
                url_findings.append((RULE_INVALID_URL, ERROR, message))
    except ValueError as exc:
        return _invalid(url, f"the URL cannot be parsed ({exc})")
    scheme = parts.scheme
    if scheme == "http":
        url_findings.append((RULE_NOT_HTTPS, WARNING, "the URL uses http://; use https://"))
        scheme = "https"
        changed = True
    elif scheme != "https":
        return _invalid(url, "not an http:// or https:// URL")
    if not parts.netloc or any(c.isspace() for c in parts.netloc):
        return _invalid(url, "the URL has no valid host")
    return parts, scheme, changed, url_findings


def _query_items(parts: SplitResult, taxonomy: Taxonomy) -> tuple[list[_Item], int, str]:
    """The query's pieces, then the UTM pieces found after '#'; how many came from the
    query; and the fragment without those UTM pieces."""
    items: list[_Item] = []
    for piece in parts.query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            items.append((piece, key, value))
    in_query = len(items)
    fragment = parts.fragment
    fragment_kept: list[str] = []
    if "?" in fragment:
        fragment_path, _, fragment_query = fragment.partition("?")
        for piece in fragment_query.split("&"):
            if piece:
                key, _, value = piece.partition("=")
                if _utm_key(taxonomy, key) != (None, None):
                    items.append((piece, key, value))
                else:
                    fragment_kept.append(piece)
        if len(items) > in_query:
            fragment = fragment_path + ("?" + "&".join(fragment_kept) if fragment_kept else "")
    return items, in_query, fragment


def _utm_positions(
    items: list[_Item], taxonomy: Taxonomy, findings: list[Finding]
) -> tuple[dict[str, list[int]], dict[int, str]]:
    """Where each UTM parameter stands among the items (in the URL's order), and the items
    whose key is renamed to the parameter it means; key findings go to ``findings``."""
    positions: dict[str, list[int]] = {}
    renamed: dict[int, str] = {}
    for index, (_, key, _) in enumerate(items):
        param, finding = (key, None) if key in _UTM_SET else _utm_key(taxonomy, key)
        if finding is not None:
            findings.append(finding)
            if param is not None:
                renamed[index] = param
        if param is not None:
            positions.setdefault(param, []).append(index)
    return positions, renamed


def _check_utm_values(
    items: list[_Item],
    positions: dict[str, list[int]],
    renamed: dict[int, str],
    taxonomy: Taxonomy,
    findings: list[Finding],
) -> tuple[dict[int, str], set[int], dict[str, str | None], bool]:
    """Check the first value of each UTM parameter (later ones are duplicates to drop):
    the rewritten pieces by item, the dropped items, the fixed value by parameter and
    whether a fix changes the URL; value findings go to ``findings``."""
    replaced: dict[int, str] = {}
    dropped: set[int] = set()
    fixed_values: dict[str, str | None] = {}
    changed = False
    cache = taxonomy._value_cache
    for param, where in positions.items():  # in the URL's order
        first = where[0]
        raw = items[first][2]
        hit = cache.get((param, raw, True))
        if hit is None:
            hit = taxonomy._check_value(param, raw, True)
        value_findings, fixed, value_changed = hit
        fixed_values[param] = fixed
        if len(where) > 1:
            seen = ", ".join(_show(items[i][2]) for i in where)
            message = f"{param} appears {len(where)} times ({seen}); keep only the first"
            findings.append(Finding(param, RULE_DUPLICATE, ERROR, message, fixed))
            dropped.update(where[1:])
            changed = True
        findings.extend(value_findings)
        if value_changed and fixed is not None:
            replaced[first] = f"{param}={quote(fixed, safe='-._~')}"
            changed = True
        elif first in renamed:
            replaced[first] = f"{param}={raw}"
    return replaced, dropped, fixed_values, changed


def _fixed_url(
    url: str,
    scheme: str,
    parts: SplitResult,
    items: list[_Item],
    in_query: int,
    fragment: str,
    replaced: dict[int, str],
    dropped: set[int],
) -> str | None:
    """The URL rebuilt with every fix; None when that gives back the URL as it was."""
    query: list[str] = []
    for i, (piece, _, _) in enumerate(items):
        if i not in dropped:
            piece = replaced.get(i, piece)
            # Moved out of the fragment, a "#" would start a new fragment.
            query.append(piece if i < in_query else piece.replace("#", "%23"))
    fixed_url = (
        f"{scheme}://{parts.netloc}{parts.path}"
        + (f"?{'&'.join(query)}" if query else "")
        + (f"#{fragment}" if fragment else "")
    ).strip()  # a path ending in a space would end the URL once an empty "?" goes
    return None if fixed_url == url else fixed_url
