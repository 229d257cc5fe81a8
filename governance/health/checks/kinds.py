"""What each check kind means: semantics shown beside every result, default thresholds,
units and dimension. Adding a kind adds one entry to each table and one compiler function."""

from __future__ import annotations

from governance.health.contracts.spec import (
    FIELD_TYPES,
    Threshold,
)

# An e-mail is "valid" when its trimmed value has one @, a dot in the domain and a 2+ letter TLD.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"

DEFAULT_TIMEOUT_MS = 30_000
# work_mem bounds for a run's transaction (see run_work_mem_mb).
MIN_WORK_MEM_MB = 64
MAX_WORK_MEM_MB = 512

SEMANTICS = {
    "missing": "Missing = NULL, or (text columns) empty or only spaces/tabs/newlines. Denominator: all rows in scope.",
    "allowed": "Invalid = a present value not exactly (case-sensitive) in the allowed list. Denominator: rows where the value is present (non-NULL, non-blank); blanks are counted by completeness, not here.",
    "pattern": "Invalid = a present value that does not match the pattern (PostgreSQL ~, anchored only if the pattern is). Denominator: rows where the value is present.",
    "email": "Invalid = a present value whose trimmed text is not local@domain.tld (one @, no spaces, 2+ letter TLD). Surrounding whitespace is not an error here (the normalised-duplicate check reports it). Denominator: rows where the value is present.",
    "range": "Invalid = a non-NULL value below the minimum or above the maximum (bounds inclusive). Denominator: rows where the value is non-NULL.",
    "duplicates": "Duplicates = extra rows: for every key value shared by n > 1 rows, n − 1 rows count (not the number of distinct duplicated values). Rows with a missing key are not counted. Metric: extra rows per 1,000 rows in scope.",
    "duplicates_normalised": "Duplicates on the normalised e-mail: lower-cased, trimmed; for gmail.com/googlemail.com the local part loses dots and any +tag and the domain becomes gmail.com. Extra rows (n − 1 per group), per 1,000 rows in scope. Missing e-mails are not counted.",
    "rule": "Violation = a row where the IF condition is true and the THEN condition is not true (false or unknown because of NULL). Denominator: rows where the IF condition is true (all rows when there is no IF).",
    "reference": "Orphan = a present value not found in the target. Denominator: rows where the value is present; missing values are counted by coverage.",
    "coverage": "Uncovered = a row where any attribution reference is missing or not found. Metric: % of all rows in scope that are NOT covered.",
    "coverage_value": "Uncovered value = sum of the positive value column over uncovered rows, as % of the sum over all rows in scope (pipeline value, not row count).",
    "freshness": "Age = hours between the database clock and the newest timestamp in the whole table (an index-backed max() in incremental runs). Fail when older than the freshness SLO; warn past 75% of it.",
    "stale_rows": "Stale = a row whose timestamp is older than the contract's stale-after days, or NULL. Denominator: all rows. Full runs only.",
    "volume": "Volume = count(*) of the table in full runs; pg_class.reltuples (the planner's estimate, refreshed by ANALYZE) in incremental runs. Metric: % outside the expected [min, max] range (0 when inside).",
    "schema_added": "Columns present in the table but not in the contract (metric: number of columns).",
    "schema_removed": "Contract fields missing from the table (metric: number of fields). Checks on them are skipped.",
    "schema_retyped": "Contract fields whose column type is outside the contract type's family (e.g. 'integer' stored as text).",
    "custom": "An admin-defined single SELECT returning one number, run read-only with a statement timeout.",
}

# Default thresholds, applied unless the contract overrides the check's key.
DEFAULT_THRESHOLDS = {
    "missing": Threshold(warn=0, fail=5),
    "allowed": Threshold(warn=0, fail=2),
    "pattern": Threshold(warn=0, fail=2),
    "email": Threshold(warn=0, fail=2),
    "range": Threshold(warn=0, fail=2),
    "duplicates": Threshold(warn=0, fail=5),
    "duplicates_normalised": Threshold(warn=0, fail=5),
    "rule": Threshold(warn=0, fail=2),
    "reference": Threshold(warn=0, fail=2),
    "coverage": Threshold(warn=1, fail=5),  # i.e. attribution coverage target 99%, floor 95%
    "coverage_value": Threshold(warn=1, fail=5),
    "stale_rows": Threshold(warn=0, fail=10),
    "volume": Threshold(warn=0, fail=20),
    "schema_added": Threshold(warn=0, fail=None),
    "schema_removed": Threshold(warn=None, fail=0),
    "schema_retyped": Threshold(warn=None, fail=0),
    "custom": Threshold(warn=None, fail=None),
}

UNITS = {
    "missing": "%",
    "allowed": "%",
    "pattern": "%",
    "email": "%",
    "range": "%",
    "duplicates": "per 1k rows",
    "duplicates_normalised": "per 1k rows",
    "rule": "%",
    "reference": "%",
    "coverage": "% uncovered",
    "coverage_value": "% of value uncovered",
    "freshness": "hours",
    "stale_rows": "%",
    "volume": "% outside range",
    "schema_added": "columns",
    "schema_removed": "columns",
    "schema_retyped": "columns",
    "custom": "",
}

DIMENSION_OF = {
    "missing": "completeness",
    "allowed": "validity",
    "pattern": "validity",
    "email": "validity",
    "range": "validity",
    "duplicates": "uniqueness",
    "duplicates_normalised": "uniqueness",
    "rule": "consistency",
    "reference": "coverage",
    "coverage": "coverage",
    "coverage_value": "coverage",
    "freshness": "timeliness",
    "stale_rows": "timeliness",
    "volume": "volume",
    "schema_added": "schema",
    "schema_removed": "schema",
    "schema_retyped": "schema",
}

TEXT_FAMILY = FIELD_TYPES["text"]
# "Blank" and "trimmed" mean: without leading/trailing spaces, tabs, carriage returns, newlines.
TRIM_CHARS = " \t\r\n"
