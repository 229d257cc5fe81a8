"""Campaign taxonomy: UTM builder, URL and campaign-name validator, CSV batch check.

No Django here: the governance models load the admin-defined taxonomy rows into these
frozen dataclasses, and everything below is a pure function of them.

Vocabulary. ``sources`` and ``mediums`` map each canonical value to its synonyms
(``{"facebook": {"fb", "face_book"}}``). A UTM value is compared case-insensitively with
both: the canonical value as written passes; the canonical value in another case is a
``case`` finding; a synonym is a ``synonym`` finding; anything else is ``unknown_value``
with the closest known value (difflib) as suggestion. Canonical values are slugs
(``A-Z a-z 0-9 . _ ~ -``) so they never need percent-encoding.

Channels. ``channel_rules`` is ordered and the first rule whose source and medium
conditions both hold names the channel, in the spirit of GA4's default channel grouping;
no match is "Unassigned". A condition holds when the (canonical, lower-cased) value is in
its value set or fully matches its regex (case-insensitive); a condition with neither
holds for anything. "Either source or medium" is written as two rules for one channel.

Naming convention. Ordered tokens, each with allowed values or a regex. Tokens are
separated by ``delimiter``, except a token with ``joined=True``, which is written straight
after the previous one: the demo convention is ``{fy}{quarter}_{region}_{channel}_{offer}_{name}``
(``fy26q3_na_email_ebook_launch-guide``). Optional tokens may only come last and may not
be joined, so a name's parts are positional. Token patterns should not match the
delimiter. ``case`` is "lower", "upper" or "any" (regexes then match case-insensitively).

Findings carry a stable ``rule`` code (the RULE_* constants), a severity, a message for
people and, when the fix is known, a ``suggestion``: the value after fixing this and the
earlier findings on the same parameter (``naming_token``: the replacement for that token;
URL-level findings: the fixed URL). Errors are what splits or loses reporting (synonyms,
case, unknown values, missing or duplicated parameters, UTMs after "#", bad names);
warnings are http://, characters needing encoding and hygiene of optional parameters.
``utm_term`` is free text (keywords), so only emptiness and whitespace are checked there.
``ValidationResult.fixed_url`` is the URL with every known fix applied, or None when no
fix changes it; findings without a fix (missing values, unknown values with nothing
close) still hold for it. Results are cached per Taxonomy instance (bounded).

CSV batch. UTF-8 (a BOM is fine), comma-, semicolon- or tab-separated (taken from the
header line), with a header row holding a ``url`` column (URL files) or, without one, a
``campaign`` column (files of campaign names); other columns are ignored. A one-column
file may hold unquoted commas in its values. Blank rows are skipped; a header without
rows, ragged rows, bytes that are not UTF-8 and files over ``max_bytes`` or ``max_rows``
raise CsvError naming the line. The size limit is enforced while reading, so an
oversized upload is refused without being read in full.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import BinaryIO, Literal, TextIO
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit

Severity = Literal["error", "warning"]
Case = Literal["lower", "upper", "any"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

RULE_MISSING = "missing"  # a required utm_* parameter is absent
RULE_EMPTY = "empty_value"  # present but empty (or the URL itself is empty)
RULE_WHITESPACE = "whitespace"  # leading or trailing whitespace
RULE_ENCODED = "encoded_chars"  # %xx, "+" or characters that need percent-encoding
RULE_SYNONYM = "synonym"  # a known synonym instead of the canonical value
RULE_CASE = "case"  # right value, wrong case
RULE_UNKNOWN = "unknown_value"  # not in the taxonomy
RULE_NAMING = "naming_token"  # campaign name breaks the naming convention
RULE_DUPLICATE = "duplicate_param"  # the same utm_* parameter more than once
RULE_PARAM_NAME = "param_name"  # UTM_SOURCE, utm_souce: a misspelt parameter name
RULE_FRAGMENT = "fragment_before_query"  # utm_* after "#", where analytics never sees them
RULE_NOT_HTTPS = "not_https"
RULE_INVALID_URL = "invalid_url"  # not an absolute http(s) URL
RULE_REPLACED = "replaced"  # builder only: a utm_* parameter of the base URL was replaced

REQUIRED_PARAMS = ("utm_source", "utm_medium", "utm_campaign")
UTM_PARAMS = (
    *REQUIRED_PARAMS,
    "utm_content",
    "utm_term",
    "utm_id",
    "utm_source_platform",
    "utm_creative_format",
    "utm_marketing_tactic",
)
_UTM_SET = frozenset(UTM_PARAMS)
# Keywords legitimately hold spaces, so utm_term may be percent-encoded.
_FREE_TEXT_PARAMS = frozenset({"utm_term"})
UNASSIGNED = "Unassigned"

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000

_SAFE_RE = re.compile(r"[A-Za-z0-9._~-]+")
_UNSAFE_RUN_RE = re.compile(r"[^A-Za-z0-9._~-]+")
_DASHES_RE = re.compile(r"-{2,}")
_TOKEN_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_HOST_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]+)?(?=[/?#]|$)")
# Everything a URL may carry unescaped; quote() with this only escapes spaces,
# non-ASCII, controls and the characters that are never valid in a URL.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
# A cell a spreadsheet evaluates: one starting with a formula character, also after leading
# whitespace or line breaks (spreadsheets trim them), full-width forms included.
_FORMULA_RE = re.compile(r"[\s\u00a0\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")
# The common case that urlsplit would split the same way (it strips tabs and newlines,
# checks brackets and non-ASCII hosts; those go through urlsplit).
_PLAIN_URL_RE = re.compile(r"(https?)://([^/?#\[\]\s]*)([^?#\s]*)(?:\?([^#\s]*))?(?:#(\S*))?")
_CACHE_LIMIT = 50_000
_SUGGEST_CUTOFF = 0.6


class TaxonomyError(ValueError):
    """Bad input to a builder: ``field`` names the input, ``message`` says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CsvError(ValueError):
    """An uploaded CSV that cannot be read; ``line`` and ``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = ""
        if line is not None:
            where = f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        super().__init__(where + message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Finding:
    param: str
    rule: str
    severity: Severity
    message: str
    suggestion: str | None = None


_MISSING = {p: Finding(p, RULE_MISSING, ERROR, f"{p} is missing") for p in REQUIRED_PARAMS}


@dataclass(frozen=True, slots=True)
class ValidationResult:
    url: str
    findings: tuple[Finding, ...]
    fixed_url: str | None = None
    channel: str | None = None

    @property
    def valid(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(f.severity == ERROR for f in self.findings)


@dataclass(frozen=True, slots=True)
class BuildResult:
    url: str
    source: str
    medium: str
    campaign: str
    channel: str
    # What the builder changed or wants the marketer to know (synonym replaced, http base).
    notes: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    column: Literal["url", "campaign"]
    value: str
    findings: tuple[Finding, ...]
    fixed: str | None
    channel: str | None

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _slugify(text: str) -> str:
    """ASCII slug keeping case and the URL-safe punctuation ``. _ ~ -``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE_RUN_RE.sub("-", ascii_text.strip())
    return _DASHES_RE.sub("-", slug).strip("-")


def _closest(value: str, choices: Sequence[str], cutoff: float = _SUGGEST_CUTOFF) -> str | None:
    matches = difflib.get_close_matches(value, choices, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def _listing(values: Iterable[str], limit: int = 12) -> str:
    ordered = sorted(values)
    shown = ", ".join(ordered[:limit])
    return shown + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")


# ---------------------------------------------------------------------------- channels


def _compile_condition(regex: str | None, what: str) -> re.Pattern[str] | None:
    if regex is None:
        return None
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{what} {regex!r} is not a valid regex: {exc}") from None


@dataclass(frozen=True)
class ChannelRule:
    channel: str
    source_values: frozenset[str] = frozenset()
    source_regex: str | None = None
    medium_values: frozenset[str] = frozenset()
    medium_regex: str | None = None
    _source_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _medium_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.channel.strip():
            raise ValueError("a channel rule needs a channel name")
        lower = frozenset(v.strip().lower() for v in self.source_values)
        object.__setattr__(self, "source_values", lower)
        lower = frozenset(v.strip().lower() for v in self.medium_values)
        object.__setattr__(self, "medium_values", lower)
        object.__setattr__(self, "_source_re", _compile_condition(self.source_regex, "source"))
        object.__setattr__(self, "_medium_re", _compile_condition(self.medium_regex, "medium"))

    def matches(self, source: str, medium: str) -> bool:
        """Both conditions hold for these lower-cased canonical values."""
        return _holds(self.source_values, self._source_re, source) and _holds(
            self.medium_values, self._medium_re, medium
        )


def _holds(values: frozenset[str], regex: re.Pattern[str] | None, value: str) -> bool:
    if not values and regex is None:
        return True
    return value in values or (regex is not None and regex.fullmatch(value) is not None)


# ---------------------------------------------------------------------- naming convention


@dataclass(frozen=True)
class NamingToken:
    name: str
    allowed_values: frozenset[str] = frozenset()
    pattern: str | None = None
    required: bool = True
    # Written straight after the previous token, without the delimiter ("fy26" + "q3").
    joined: bool = False
    # A value that fits the pattern, shown to people instead of the regex ("fy26").
    example: str = ""

    def __post_init__(self) -> None:
        if not _TOKEN_NAME_RE.fullmatch(self.name):
            raise ValueError(f"token name {self.name!r} must be lower-case letters, digits, _")
        object.__setattr__(self, "allowed_values", frozenset(self.allowed_values))
        if bool(self.allowed_values) == (self.pattern is not None):
            raise ValueError(f"token {self.name!r} needs allowed values or a pattern (not both)")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"token {self.name!r}: bad pattern: {exc}") from None
            if self.example and not re.fullmatch(self.pattern, self.example):
                raise ValueError(f"token {self.name!r}: example {self.example!r} does not fit")


class _TokenMatcher:
    """A token compiled for one convention: folded allowed values, regex, cached suggestions."""

    __slots__ = ("token", "regex", "choices", "_suggestions")

    def __init__(
        self, token: NamingToken, fold: Callable[[str], str], flags: int, delimiter: str
    ) -> None:
        self.token = token
        if token.allowed_values:
            folded = {fold(v.strip()) for v in token.allowed_values}
            for value in folded:
                if not _SAFE_RE.fullmatch(value) or delimiter in value:
                    raise ValueError(
                        f"token {token.name!r}: {value!r} must be a slug without {delimiter!r}"
                    )
            self.choices = sorted(folded, key=lambda v: (-len(v), v))
            body = "|".join(re.escape(v) for v in self.choices)
        else:
            self.choices = []
            body = token.pattern or ""
        self.regex = re.compile(f"(?:{body})", flags)
        self._suggestions: dict[str, str | None] = {}

    def suggest(self, value: str) -> str | None:
        if not self.choices:
            return None
        if value not in self._suggestions:
            if len(self._suggestions) >= _CACHE_LIMIT:
                self._suggestions.clear()
            self._suggestions[value] = _closest(value.lower(), [c.lower() for c in self.choices])
            hit = self._suggestions[value]
            if hit is not None:  # back to the convention's case
                self._suggestions[value] = next(c for c in self.choices if c.lower() == hit)
        return self._suggestions[value]

    def problem(self, value: str, suggest: bool = True) -> tuple[str, str | None]:
        """Message and suggestion for a value this token rejected."""
        name = self.token.name
        if not value:
            return f"{name} is missing", None
        if self.choices:
            hint = self.suggest(value) if suggest else None
            did_you_mean = f"; did you mean {hint!r}?" if hint else ""
            allowed = _listing(self.choices)
            return f"{name} {_show(value)} is not allowed (allowed: {allowed}){did_you_mean}", hint
        if self.token.example:
            return (
                f"{name} {_show(value)} does not match: write it like {self.token.example!r}",
                None,
            )
        return f"{name} {_show(value)} does not match {self.token.pattern}", None


@dataclass(frozen=True)
class NamingConvention:
    tokens: tuple[NamingToken, ...]
    delimiter: str = "_"
    case: Case = "lower"
    _segments: tuple[tuple[_TokenMatcher, ...], ...] = field(init=False, repr=False, compare=False)
    _segment_res: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _full_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _required_parts: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tokens = tuple(self.tokens)
        object.__setattr__(self, "tokens", tokens)
        if not tokens:
            raise ValueError("a naming convention needs at least one token")
        if len(self.delimiter) != 1 or self.delimiter not in "_-.~":
            raise ValueError("the delimiter must be one of _ - . ~ (they need no URL encoding)")
        if self.case not in ("lower", "upper", "any"):
            raise ValueError(f"case must be lower, upper or any, not {self.case!r}")
        names = [t.name for t in tokens]
        if len(set(names)) != len(names):
            raise ValueError("token names must be unique")
        if tokens[0].joined:
            raise ValueError(f"the first token {tokens[0].name!r} cannot be joined")
        seen_optional = False
        for token in tokens:
            if not token.required and token.joined:
                raise ValueError(f"optional token {token.name!r} cannot be joined")
            if seen_optional and token.required:
                raise ValueError(f"required token {token.name!r} follows an optional token")
            seen_optional = seen_optional or not token.required

        flags = re.ASCII | (re.IGNORECASE if self.case == "any" else 0)
        segments: list[list[_TokenMatcher]] = []
        for token in tokens:
            matcher = _TokenMatcher(token, self.fold, flags, self.delimiter)
            if token.joined:
                segments[-1].append(matcher)
            else:
                segments.append([matcher])
        object.__setattr__(self, "_segments", tuple(tuple(s) for s in segments))
        bodies = ["".join(m.regex.pattern for m in seg) for seg in segments]
        object.__setattr__(self, "_segment_res", tuple(re.compile(b, flags) for b in bodies))
        delim = re.escape(self.delimiter)
        required = sum(1 for seg in segments if seg[0].token.required)
        optional_tail = ""
        for body in reversed(bodies[required:]):
            optional_tail = f"(?:{delim}{body}{optional_tail})?"
        full = delim.join(bodies[:required]) + optional_tail
        object.__setattr__(self, "_full_re", re.compile(full, flags))
        object.__setattr__(self, "_required_parts", required)

    def fold(self, value: str) -> str:
        """The value in the convention's case."""
        if self.case == "upper":
            return value.upper()
        if self.case == "lower":
            return value.lower()
        return value

    @property
    def template(self) -> str:
        """The convention for people: ``{fy}{quarter}_{region}_..``; optional tokens in []."""
        text = ""
        for i, token in enumerate(self.tokens):
            if i and not token.joined:
                text += self.delimiter
            text += f"{{{token.name}}}" if token.required else f"[{{{token.name}}}]"
        return text


# ------------------------------------------------------------------------------ taxonomy


class _Vocabulary:
    """Case-insensitive lookup of canonical values and synonyms, with cached suggestions."""

    __slots__ = ("kind", "lookup", "names", "_suggestions")

    def __init__(self, kind: str, mapping: Mapping[str, frozenset[str]]) -> None:
        self.kind = kind
        self.lookup: dict[str, tuple[str, bool]] = {}
        for canonical, synonyms in mapping.items():
            if not _SAFE_RE.fullmatch(canonical):
                raise ValueError(f"{kind} {canonical!r} must be a slug (A-Z a-z 0-9 . _ ~ -)")
            self._add(canonical.lower(), canonical, False)
            for synonym in synonyms:
                if synonym.strip().lower() != canonical.lower():
                    self._add(synonym.strip().lower(), canonical, True)
        self.names = sorted(self.lookup)
        self._suggestions: dict[str, str | None] = {}

    def _add(self, key: str, canonical: str, synonym: bool) -> None:
        if not key:
            raise ValueError(f"empty synonym for {self.kind} {canonical!r}")
        known = self.lookup.get(key)
        if known is not None and known[0] != canonical:
            raise ValueError(f"{key!r} is listed under {self.kind}s {known[0]!r} and {canonical!r}")
        if known is None or not synonym:
            self.lookup[key] = (canonical, synonym)

    def canonical(self, value: str) -> str:
        """Canonical value for a value or synonym; unknown values lower-cased."""
        hit = self.lookup.get(value.lower())
        return hit[0] if hit else value.lower()

    def suggest(self, value: str) -> str | None:
        key = value.lower()
        if key not in self._suggestions:
            if len(self._suggestions) >= _CACHE_LIMIT:
                self._suggestions.clear()
            close = _closest(key, self.names)
            self._suggestions[key] = self.lookup[close][0] if close else None
        return self._suggestions[key]

    def check(self, param: str, value: str) -> tuple[Finding | None, str]:
        hit = self.lookup.get(value.lower())
        if hit is None:
            hint = self.suggest(value)
            did_you_mean = f"; did you mean {hint!r}?" if hint else ""
            allowed = _listing(c for c, syn in self.lookup.values() if not syn)
            message = (
                f"{_show(value)} is not a known {self.kind} (allowed: {allowed}){did_you_mean}"
            )
            return Finding(param, RULE_UNKNOWN, ERROR, message, hint), hint or value
        canonical, synonym = hit
        if synonym:
            message = f"{_show(value)} is a synonym; use the canonical {self.kind} {canonical!r}"
            return Finding(param, RULE_SYNONYM, ERROR, message, canonical), canonical
        if value != canonical:
            message = f"{_show(value)} should be written {canonical!r} (values are case-sensitive)"
            return Finding(param, RULE_CASE, ERROR, message, canonical), canonical
        return None, value


@dataclass(frozen=True)
class Taxonomy:
    sources: Mapping[str, frozenset[str]]
    mediums: Mapping[str, frozenset[str]]
    channel_rules: tuple[ChannelRule, ...]
    naming: NamingConvention
    _source_vocab: _Vocabulary = field(init=False, repr=False, compare=False)
    _medium_vocab: _Vocabulary = field(init=False, repr=False, compare=False)
    _value_cache: dict[tuple[str, str, bool], tuple[tuple[Finding, ...], str | None, bool]] = field(
        init=False, repr=False, compare=False
    )
    _channel_cache: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False)
    _param_cache: dict[str, tuple[str | None, Finding | None]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        sources = MappingProxyType({k: frozenset(v) for k, v in self.sources.items()})
        mediums = MappingProxyType({k: frozenset(v) for k, v in self.mediums.items()})
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "mediums", mediums)
        object.__setattr__(self, "channel_rules", tuple(self.channel_rules))
        object.__setattr__(self, "_source_vocab", _Vocabulary("source", sources))
        object.__setattr__(self, "_medium_vocab", _Vocabulary("medium", mediums))
        object.__setattr__(self, "_value_cache", {})
        object.__setattr__(self, "_channel_cache", {})
        object.__setattr__(self, "_param_cache", {})

    @classmethod
    def default(cls) -> Taxonomy:
        """A demo taxonomy: common B2B sources and mediums, GA4-like channels, FY/quarter names."""
        search = {"google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia"}
        social = {"facebook", "instagram", "linkedin", "x", "youtube", "reddit", "tiktok"}
        paid = r".*cp.*|ppc|retargeting|paid.*"
        return cls(
            sources={
                "google": frozenset({"adwords", "google-ads", "googleads", "google.com"}),
                "bing": frozenset({"microsoft", "microsoft-ads", "bing-ads", "bing.com"}),
                "facebook": frozenset({"fb", "face_book", "facebook.com", "m.facebook.com"}),
                "instagram": frozenset({"ig", "insta", "instagram.com"}),
                "linkedin": frozenset({"li", "lnkd", "linked_in", "linkedin.com"}),
                "x": frozenset({"twitter", "tw", "twitter.com", "x.com", "t.co"}),
                "youtube": frozenset({"yt", "youtube.com"}),
                "reddit": frozenset({"reddit.com"}),
                "newsletter": frozenset({"nl", "news_letter", "newsletters"}),
                "marketo": frozenset({"mkto"}),
                "partner": frozenset({"partners", "reseller"}),
                "g2": frozenset({"g2crowd", "g2.com"}),
                "capterra": frozenset(),
                "event": frozenset({"events", "booth"}),
            },
            mediums={
                "cpc": frozenset({"ppc", "paid", "paid_search", "paidsearch", "sem"}),
                "paid_social": frozenset({"paidsocial", "paid-social", "social_paid"}),
                "social": frozenset({"social-media", "social_media", "sm", "organic_social"}),
                "email": frozenset({"e-mail", "e_mail", "mail"}),
                "referral": frozenset({"ref", "referrer"}),
                "display": frozenset({"banner", "cpm", "programmatic"}),
                "affiliate": frozenset({"affiliates", "aff"}),
                "organic": frozenset({"seo", "organic_search"}),
                "webinar": frozenset({"webinars"}),
                "event": frozenset({"events", "tradeshow", "trade-show", "conference"}),
            },
            channel_rules=(
                ChannelRule(
                    "Direct", frozenset({"(direct)"}), None, frozenset({"(none)", "(not set)"})
                ),
                ChannelRule("Affiliates", medium_values=frozenset({"affiliate"})),
                ChannelRule("Paid Search", frozenset(search), medium_regex=paid),
                ChannelRule("Paid Social", frozenset(social), medium_regex=paid),
                ChannelRule("Display", medium_values=frozenset({"display", "banner", "cpm"})),
                ChannelRule("Paid Other", medium_regex=paid),
                ChannelRule("Organic Social", frozenset(social)),
                ChannelRule("Organic Social", medium_values=frozenset({"social", "sm"})),
                ChannelRule("Organic Search", frozenset(search)),
                ChannelRule("Organic Search", medium_values=frozenset({"organic"})),
                ChannelRule("Email", medium_values=frozenset({"email", "e-mail", "e_mail"})),
                ChannelRule("Email", source_regex=r"e-?mail|newsletter|marketo"),
                ChannelRule("Referral", medium_values=frozenset({"referral"})),
                ChannelRule("Events", medium_values=frozenset({"webinar", "event"})),
            ),
            naming=NamingConvention(
                tokens=(
                    NamingToken("fy", pattern=r"fy[0-9]{2}", example="fy26"),
                    NamingToken("quarter", pattern=r"q[1-4]", joined=True, example="q3"),
                    NamingToken("region", frozenset({"na", "emea", "apac", "latam", "global"})),
                    NamingToken(
                        "channel",
                        frozenset(
                            {
                                "email",
                                "search",
                                "social",
                                "display",
                                "video",
                                "webinar",
                                "event",
                                "partner",
                                "affiliate",
                                "content",
                                "multi",
                            }
                        ),
                    ),
                    NamingToken(
                        "offer",
                        frozenset(
                            {
                                "ebook",
                                "webinar",
                                "demo",
                                "trial",
                                "whitepaper",
                                "report",
                                "event",
                                "newsletter",
                                "case-study",
                                "promo",
                                "product",
                                "brand",
                            }
                        ),
                    ),
                    NamingToken(
                        "name", pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*", example="spring-launch"
                    ),
                ),
                delimiter="_",
                case="lower",
            ),
        )

    def _check_value(
        self, param: str, raw: str, encoded: bool
    ) -> tuple[tuple[Finding, ...], str | None, bool]:
        """Findings, fixed value (None when empty) and whether a fix changed it; cached."""
        key = (param, raw, encoded)
        hit = self._value_cache.get(key)
        if hit is None:
            if len(self._value_cache) >= _CACHE_LIMIT:
                self._value_cache.clear()
            hit = self._value_cache[key] = _evaluate_value(self, param, raw, encoded)
        return hit


def _evaluate_value(
    taxonomy: Taxonomy, param: str, raw: str, encoded: bool
) -> tuple[tuple[Finding, ...], str | None, bool]:
    """Check one UTM value; ``encoded`` says ``raw`` comes from a URL (may hold %xx, +)."""
    required = param in REQUIRED_PARAMS
    severity = ERROR if required else WARNING
    findings: list[Finding] = []
    value = raw
    was_encoded = encoded and ("%" in raw or "+" in raw)
    if was_encoded:
        value = unquote_plus(raw)
    stripped = value.strip()
    if not stripped:
        return (Finding(param, RULE_EMPTY, severity, f"{param} is empty"),), None, False
    if param in _FREE_TEXT_PARAMS:
        if stripped != value:
            message = f"{_show(value)} has leading or trailing whitespace"
            findings.append(Finding(param, RULE_WHITESPACE, severity, message, stripped))
        return tuple(findings), stripped, stripped != value
    if stripped != value and not was_encoded:
        message = f"{_show(value)} has leading or trailing whitespace"
        findings.append(Finding(param, RULE_WHITESPACE, severity, message, stripped))
        value = stripped
    if was_encoded or not _SAFE_RE.fullmatch(value):
        slug = _slugify(value)
        if not slug:
            message = f"{_show(raw)} holds no usable characters"
            findings.append(Finding(param, RULE_EMPTY, severity, message))
            return tuple(findings), None, False
        shown = _show(raw if was_encoded else value)
        message = (
            f"{shown} contains percent-encoded or special characters (spaces, +, %xx, "
            f"accents); use letters, digits, '-', '_', '.'"
        )
        findings.append(Finding(param, RULE_ENCODED, WARNING, message, slug))
        value = slug
    if param == "utm_source" or param == "utm_medium":
        vocab = taxonomy._source_vocab if param == "utm_source" else taxonomy._medium_vocab
        finding, value = vocab.check(param, value)
        if finding is not None:
            findings.append(finding)
    elif param == "utm_campaign":
        naming, value = _check_campaign(taxonomy.naming, param, value)
        findings.extend(naming)
    return tuple(findings), value, value != raw


def _check_campaign(naming: NamingConvention, param: str, name: str) -> tuple[list[Finding], str]:
    """Case and token findings for a clean (non-empty, slug) name, and the fixed name."""
    findings: list[Finding] = []
    folded = naming.fold(name)
    if folded != name:
        message = f"{_show(name)} must be {naming.case}-case"
        findings.append(Finding(param, RULE_CASE, ERROR, message, folded))
    if naming._full_re.fullmatch(folded):
        return findings, folded
    parts = folded.split(naming.delimiter)
    segments = naming._segments
    if not naming._required_parts <= len(parts) <= len(segments):
        needs = str(naming._required_parts)
        if naming._required_parts != len(segments):
            needs += f" to {len(segments)}"
        message = (
            f"{_show(folded)} has {len(parts)} parts separated by {naming.delimiter!r}; "
            f"{naming.template} needs {needs}"
        )
        findings.append(Finding(param, RULE_NAMING, ERROR, message))
        return findings, folded
    fixed_parts = list(parts)
    before = len(findings)
    for index, (text, segment, regex) in enumerate(
        zip(parts, segments, naming._segment_res, strict=False)
    ):
        if regex.fullmatch(text):
            continue
        position = 0
        for i, matcher in enumerate(segment):
            last = i == len(segment) - 1
            if last:
                rest = text[position:]
                if matcher.regex.fullmatch(rest):
                    break
            else:
                match = matcher.regex.match(text, position)
                if match is not None and match.end() < len(text):
                    position = match.end()
                    continue
                rest = text[position:]
                if match is not None:  # the token ate everything: the next one is missing
                    matcher, rest = segment[i + 1], ""
            # Only the last token of a segment knows where its value ends.
            message, hint = matcher.problem(rest, suggest=last)
            findings.append(Finding(param, RULE_NAMING, ERROR, message, hint))
            if hint is not None:
                fixed_parts[index] = text[:position] + hint
            break
    if len(findings) == before:  # only when a token pattern matches the delimiter
        message = f"{_show(folded)} does not follow {naming.template}"
        findings.append(Finding(param, RULE_NAMING, ERROR, message))
    return findings, naming.delimiter.join(fixed_parts)


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

    query = [p for p in _query_pieces(parts.query) if not _drop_utm(p, taxonomy, notes)]
    fragment = parts.fragment
    if "?" in fragment:
        path, _, fquery = fragment.partition("?")
        kept = [p for p in _query_pieces(fquery) if not _drop_utm(p, taxonomy, notes)]
        fragment = path + ("?" + "&".join(kept) if kept else "")
    query.extend(f"{param}={quote(value, safe='-._~')}" for param, value in tagged)
    url = (
        f"{parts.scheme}://{parts.netloc}{quote(parts.path, safe=_URL_SAFE)}"
        f"?{quote('&'.join(query), safe=_URL_SAFE)}"
        + (f"#{quote(fragment, safe=_URL_SAFE)}" if fragment else "")
    )
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


def validate_url(url: str, taxonomy: Taxonomy) -> ValidationResult:
    """Everything wrong with a tagged URL, how to fix each, the fixed URL and its channel."""
    url_findings: list[tuple[str, Severity, str]] = []
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

    # (raw piece, key, raw value); query pieces first, then those from the fragment.
    items: list[tuple[str, str, str]] = []
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
            changed = True
            message = "UTM parameters sit after '#', where analytics never reads them"
            url_findings.append((RULE_FRAGMENT, ERROR, message))
            fragment = fragment_path + ("?" + "&".join(fragment_kept) if fragment_kept else "")

    findings: list[Finding] = []
    positions: dict[str, list[int]] = {}
    renamed: dict[int, str] = {}
    for index, (_, key, _) in enumerate(items):
        param, finding = (key, None) if key in _UTM_SET else _utm_key(taxonomy, key)
        if finding is not None:
            findings.append(finding)
            if param is not None:
                renamed[index] = param
                changed = True
        if param is not None:
            positions.setdefault(param, []).append(index)

    replaced: dict[int, str] = {}
    dropped: set[int] = set()
    fixed_values: dict[str, str | None] = {}
    for param in REQUIRED_PARAMS:
        if param not in positions:
            findings.append(_MISSING[param])
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

    fixed_url: str | None = None
    if changed:
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
        if fixed_url == url:
            fixed_url = None
    source, medium = fixed_values.get("utm_source"), fixed_values.get("utm_medium")
    channel = classify_channel(source, medium, taxonomy) if source and medium else None
    head = [Finding("url", rule, sev, msg, fixed_url) for rule, sev, msg in url_findings]
    return ValidationResult(url, tuple(head + findings), fixed_url, channel)


# ---------------------------------------------------------------------------------- CSV


class _Utf8Lines:
    """Lines of a binary stream decoded as UTF-8, counted, refused past ``max_bytes``."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.consumed = 0
        self.number = 0

    def __iter__(self) -> _Utf8Lines:
        return self

    def __next__(self) -> str:
        # Never ask for more than one byte past the limit, even for a single huge line.
        raw = self.stream.readline(self.max_bytes - self.consumed + 1)
        if not raw:
            raise StopIteration
        self.consumed += len(raw)
        self.number += 1
        if self.consumed > self.max_bytes:
            limit = f"{self.max_bytes / 1024 / 1024:.1f} MB ({self.max_bytes} bytes)"
            raise CsvError(f"the file is larger than the {limit} limit", line=self.number)
        if self.number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", "replace")) + 1
            message = (
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                "save it as 'CSV UTF-8' and upload it again"
            )
            raise CsvError(message, line=self.number, column=column) from None


def validate_csv(
    stream: BinaryIO,
    taxonomy: Taxonomy,
    *,
    max_bytes: int = MAX_CSV_BYTES,
    max_rows: int = MAX_CSV_ROWS,
) -> Iterator[CsvRow]:
    """Validate each row of an uploaded CSV of URLs (or campaign names), streaming.

    The header is read at once, so an empty file, a wrong encoding on the header line
    or a missing column raise CsvError from this call; later problems (bad bytes, ragged
    rows, size or row limit) raise CsvError while iterating, naming the line.
    """
    lines = _Utf8Lines(stream, max_bytes)
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise CsvError("the file is empty")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise CsvError(f"the header cannot be read ({exc})", line=lines.number) from None
    header_line = lines.number
    for name in ("url", "campaign"):
        if header.count(name) > 1:
            raise CsvError(f"the column {name!r} appears twice", line=header_line)
    if "url" in header:
        column: Literal["url", "campaign"] = "url"
    elif "campaign" in header:
        column = "campaign"
    else:
        found = ", ".join(repr(h) for h in header)
        message = (
            f"no 'url' column (or 'campaign' for a file of campaign names); the header has {found}"
        )
        raise CsvError(message, line=header_line)
    return _validate_rows(
        reader, lines, header.index(column), len(header), column, delimiter, taxonomy, max_rows
    )


def _validate_rows(
    reader: Iterator[list[str]],
    lines: _Utf8Lines,
    index: int,
    width: int,
    column: Literal["url", "campaign"],
    delimiter: str,
    taxonomy: Taxonomy,
    max_rows: int,
) -> Iterator[CsvRow]:
    count = 0
    while True:
        start = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvError(f"the row cannot be read ({exc})", line=lines.number) from None
        if not any(row):
            continue
        if len(row) != width:
            if width != 1:
                message = f"the row has {len(row)} fields but the header has {width}"
                raise CsvError(message, line=start)
            row = [delimiter.join(row)]
        count += 1
        if count > max_rows:
            raise CsvError(f"the file has more than {max_rows} rows", line=start)
        value = row[index]
        if column == "url":
            result = validate_url(value, taxonomy)
            yield CsvRow(start, column, value, result.findings, result.fixed_url, result.channel)
        else:
            findings, fixed, changed = taxonomy._check_value("utm_campaign", value, False)
            yield CsvRow(start, column, value, findings, fixed if changed else None, None)
    if count == 0:
        raise CsvError("the file has a header but no rows", line=lines.number + 1)


def spreadsheet_safe(text: str) -> str:
    """Defuse formula injection: a cell a spreadsheet would evaluate gets a leading '.

    That is a cell starting with =, +, -, @, a tab or a carriage return, also when spaces or
    line breaks come first. The one rule for every CSV export (metrics uses it too).
    """
    return "'" + text if text and _FORMULA_RE.match(text) else text


def write_results_csv(results: Iterable[CsvRow], out: TextIO) -> int:
    """Write one line per row (line, value, valid, channel, findings, suggestions, fixed).

    For a URL file the value and fix columns are ``url``/``fixed_url``, for a file of names
    ``campaign``/``fixed_campaign``. Every cell is formula-injection safe. Returns the
    number of rows written. A CsvError raised by the results surfaces here mid-write:
    write to a temporary file and keep it only on success.
    """
    rows = iter(results)
    first = next(rows, None)
    column = first.column if first is not None else "url"
    writer = csv.writer(out)
    header = ["line", column, "valid", "channel", "findings", "suggestions", f"fixed_{column}"]
    writer.writerow(header)
    if first is None:
        return 0
    count = 0
    for row in itertools.chain([first], rows):
        findings = "; ".join(f"{f.severity}: {f.param}: {f.message}" for f in row.findings)
        suggestions = "; ".join(
            f"{f.param}: {f.suggestion}"
            for f in row.findings
            if f.suggestion is not None and f.param != "url"
        )
        writer.writerow(
            (
                row.line,
                spreadsheet_safe(row.value),
                "no" if any(f.severity == ERROR for f in row.findings) else "yes",
                row.channel or "",
                spreadsheet_safe(findings),
                spreadsheet_safe(suggestions),
                spreadsheet_safe(row.fixed or ""),
            )
        )
        count += 1
    return count
