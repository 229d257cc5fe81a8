"""The taxonomy's rules: channel grouping (`ChannelRule`) and the campaign naming convention
(`NamingToken`, `NamingConvention`). Pure (no Django)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .findings import _CACHE_LIMIT, _SAFE_RE, _TOKEN_NAME_RE, Case, _closest, _listing, _show

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
