"""The taxonomy itself (`Taxonomy`: vocabularies, channel rules, naming convention) and the
evaluation of one UTM value or campaign name against it. Pure (no Django)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote_plus

from .findings import (
    _CACHE_LIMIT,
    _FREE_TEXT_PARAMS,
    _SAFE_RE,
    ERROR,
    REQUIRED_PARAMS,
    RULE_CASE,
    RULE_EMPTY,
    RULE_ENCODED,
    RULE_NAMING,
    RULE_SYNONYM,
    RULE_UNKNOWN,
    RULE_WHITESPACE,
    WARNING,
    Finding,
    _closest,
    _listing,
    _show,
    _slugify,
)
from .rules import ChannelRule, NamingConvention, NamingToken

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
        return cls(
            sources=_default_sources(),
            mediums=_default_mediums(),
            channel_rules=_default_channel_rules(),
            naming=_default_naming(),
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


# ------------------------------------------------------------------------ demo taxonomy


def _default_sources() -> dict[str, frozenset[str]]:
    return {
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
    }


def _default_mediums() -> dict[str, frozenset[str]]:
    return {
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
    }


def _default_channel_rules() -> tuple[ChannelRule, ...]:
    search = {"google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia"}
    social = {"facebook", "instagram", "linkedin", "x", "youtube", "reddit", "tiktok"}
    paid = r".*cp.*|ppc|retargeting|paid.*"
    return (
        ChannelRule("Direct", frozenset({"(direct)"}), None, frozenset({"(none)", "(not set)"})),
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
    )


def _default_naming() -> NamingConvention:
    return NamingConvention(
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
            NamingToken("name", pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*", example="spring-launch"),
        ),
        delimiter="_",
        case="lower",
    )
