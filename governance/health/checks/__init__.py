"""Data-health check engine: a data contract compiled into at most four SQL statements a run.

One run of one dataset, inside a READ ONLY, REPEATABLE READ transaction with
``SET LOCAL statement_timeout`` and a ``work_mem`` sized to the table:

1. ``introspect`` (catalogue.py) — one catalogue query: columns and types, unique indexes,
   indexed leading columns, relkind and ``reltuples`` of the dataset and of every referenced
   table. Schema drift is decided from this answer (no further statement).
2. the *scan* — one ``SELECT count(*) FILTER (WHERE ...) ...`` over the dataset (only rows
   past the watermark in incremental mode) holding every row-level check; reference tables
   are LEFT JOINed once, 1:1.
3. the *grouped* pass (duplicates.py) — only when duplicates must be counted: one GROUP BY
   per key column set; the normalised e-mail re-groups that pass's distinct values.
4. the *samples* statement (samples.py) — only when a check fails: one UNION ALL of capped,
   primary-key-ordered branches, duplicates looked up by the keys the grouped pass named.

Each check kind is one compiler function in a registry (registry.py, compilers.py). Never
``SELECT *``; every identifier is checked against the introspected columns and quoted; every
value is a ``sql.Literal`` coerced to the column's type family first. Custom SQL metrics are
extra statements, each in its own read-only transaction.
"""

from .catalogue import TableInfo, introspect, relations_of, type_family
from .compiler import compile_checks
from .connect import connect_readonly
from .dberrors import DbError, describe_error
from .expressions import ContractValueError, MissingColumn, gmail_fold
from .kinds import (
    DEFAULT_THRESHOLDS,
    DEFAULT_TIMEOUT_MS,
    DIMENSION_OF,
    EMAIL_PATTERN,
    SEMANTICS,
    UNITS,
)
from .plan import CheckDef, Plan, Statement
from .registry import check_kind, field_check
from .running import (
    CheckResult,
    RunResult,
    dimension_scores,
    run_dataset,
    run_plan,
    run_work_mem_mb,
)
from .samples import fetch_failing_sample, mask_value, samples_statement

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DEFAULT_TIMEOUT_MS",
    "DIMENSION_OF",
    "EMAIL_PATTERN",
    "SEMANTICS",
    "UNITS",
    "CheckDef",
    "CheckResult",
    "ContractValueError",
    "DbError",
    "MissingColumn",
    "Plan",
    "RunResult",
    "Statement",
    "TableInfo",
    "check_kind",
    "compile_checks",
    "connect_readonly",
    "describe_error",
    "dimension_scores",
    "fetch_failing_sample",
    "field_check",
    "gmail_fold",
    "introspect",
    "mask_value",
    "relations_of",
    "run_dataset",
    "run_plan",
    "run_work_mem_mb",
    "samples_statement",
    "type_family",
]
