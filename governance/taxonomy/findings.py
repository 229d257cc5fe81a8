"""Taxonomy findings and results: rule codes, severities, the result dataclasses and the small
text helpers every part of the UTM checks shares. Pure (no Django)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

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
