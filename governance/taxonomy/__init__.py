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

# The pure core's public names, so `from governance import taxonomy as tx` reads as one API;
# the Django side (models, services, selectors, views, api) is imported from its module.
from .csvbatch import (
    csv_size_problem as csv_size_problem,
)
from .csvbatch import (
    results_csv_bytes as results_csv_bytes,
)
from .csvbatch import (
    spreadsheet_safe as spreadsheet_safe,
)
from .csvbatch import (
    validate_csv as validate_csv,
)
from .csvbatch import (
    write_results_csv as write_results_csv,
)
from .definition import (
    Taxonomy as Taxonomy,
)
from .findings import (
    ERROR as ERROR,
)
from .findings import (
    MAX_CSV_BYTES as MAX_CSV_BYTES,
)
from .findings import (
    MAX_CSV_ROWS as MAX_CSV_ROWS,
)
from .findings import (
    REQUIRED_PARAMS as REQUIRED_PARAMS,
)
from .findings import (
    RULE_CASE as RULE_CASE,
)
from .findings import (
    RULE_DUPLICATE as RULE_DUPLICATE,
)
from .findings import (
    RULE_EMPTY as RULE_EMPTY,
)
from .findings import (
    RULE_ENCODED as RULE_ENCODED,
)
from .findings import (
    RULE_FRAGMENT as RULE_FRAGMENT,
)
from .findings import (
    RULE_INVALID_URL as RULE_INVALID_URL,
)
from .findings import (
    RULE_MISSING as RULE_MISSING,
)
from .findings import (
    RULE_NAMING as RULE_NAMING,
)
from .findings import (
    RULE_NOT_HTTPS as RULE_NOT_HTTPS,
)
from .findings import (
    RULE_PARAM_NAME as RULE_PARAM_NAME,
)
from .findings import (
    RULE_REPLACED as RULE_REPLACED,
)
from .findings import (
    RULE_SYNONYM as RULE_SYNONYM,
)
from .findings import (
    RULE_UNKNOWN as RULE_UNKNOWN,
)
from .findings import (
    RULE_WHITESPACE as RULE_WHITESPACE,
)
from .findings import (
    UNASSIGNED as UNASSIGNED,
)
from .findings import (
    UTM_PARAMS as UTM_PARAMS,
)
from .findings import (
    WARNING as WARNING,
)
from .findings import (
    BuildResult as BuildResult,
)
from .findings import (
    Case as Case,
)
from .findings import (
    CsvError as CsvError,
)
from .findings import (
    CsvRow as CsvRow,
)
from .findings import (
    Finding as Finding,
)
from .findings import (
    Severity as Severity,
)
from .findings import (
    TaxonomyError as TaxonomyError,
)
from .findings import (
    ValidationResult as ValidationResult,
)
from .rules import (
    ChannelRule as ChannelRule,
)
from .rules import (
    NamingConvention as NamingConvention,
)
from .rules import (
    NamingToken as NamingToken,
)
from .utm import (
    build_campaign_name as build_campaign_name,
)
from .utm import (
    build_campaign_url as build_campaign_url,
)
from .utm import (
    build_url as build_url,
)
from .utm import (
    classify_channel as classify_channel,
)
from .utm import (
    example_campaign_name as example_campaign_name,
)
from .utm import (
    fix_campaign_name as fix_campaign_name,
)
from .utm import (
    validate_campaign_name as validate_campaign_name,
)
from .utm import (
    validate_url as validate_url,
)
