"""Database errors as check results show them: safe text per SQLSTATE, values redacted."""

from __future__ import annotations

import re

import psycopg

# Generic text per SQLSTATE class: what a check result shows everyone. The database's own
# message can quote the failing value (`invalid input syntax for type integer: "<secret>"`),
# so it is kept apart (DbError.raw, values redacted) and shown to admins only.
_SQLSTATE_CLASSES: dict[str, str] = {
    "08": "the warehouse connection failed",
    "0A": "a feature the warehouse does not support",
    "21": "a subquery returned more than one row",
    "22": "a value could not be converted or was out of range",
    "23": "an integrity constraint was violated",
    "25": "refused: the check runs in a read-only transaction",
    "28": "the warehouse refused the login",
    "2B": "a dependent object is in the way",
    "3D": "the database does not exist",
    "3F": "the schema does not exist",
    "40": "the transaction was rolled back by the warehouse",
    "42": "the query is invalid or the warehouse role may not read what it names",
    "53": "the warehouse ran out of resources",
    "54": "a warehouse limit was exceeded",
    "55": "an object is not in the required state",
    "57": "the statement was cancelled",
    "58": "a system error on the warehouse",
    "P0": "an error raised by a database function",
    "XX": "an internal error on the warehouse",
}
_SQLSTATE_CODES: dict[str, str] = {
    "42501": "permission denied: the warehouse role may not read this",
    "42P01": "a table or view it names does not exist",
    "42703": "a column it names does not exist",
    "42883": "a function it calls does not exist or takes other arguments",
    "42601": "syntax error in the SQL",
    "25006": "refused: the check runs in a read-only transaction",
    "57014": "statement timed out",
}
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")


class DbError(str):
    """A database error as a check result stores it: the safe text (this string), the
    SQLSTATE (`code`) and the database's own text with quoted values redacted (`raw`)."""

    code: str
    raw: str

    def __new__(cls, message: str, *, code: str = "", raw: str = "") -> DbError:
        obj = super().__new__(cls, message)
        obj.code = code
        obj.raw = raw
        return obj


def describe_error(exc: psycopg.Error, timeout_ms: int) -> DbError:
    """A database error as text safe for everyone who sees check results: the SQLSTATE and a
    generic sentence for its class, never the database's message (which can carry values)."""
    code = (exc.sqlstate or "") if isinstance(exc, psycopg.Error) else ""
    primary = (exc.diag.message_primary if exc.diag else None) or str(exc).strip()
    raw = _QUOTED.sub("'…'", primary.splitlines()[0] if primary else "")[:400]
    if isinstance(exc, psycopg.errors.QueryCanceled):
        text = f"statement timed out after {timeout_ms} ms (statement_timeout)"
    else:
        text = _SQLSTATE_CODES.get(code) or _SQLSTATE_CLASSES.get(
            code[:2], "the warehouse reported an error"
        )
    label = f"{type(exc).__name__}, SQLSTATE {code}" if code else type(exc).__name__
    return DbError(f"{text} ({label})", code=code, raw=raw)
