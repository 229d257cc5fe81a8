"""The grouped pass: every duplicates check of a run in one statement.

Per key column set, ONE GROUP BY over the table (count and first primary key per key value).
A normalised e-mail check on the same column does not read the table again: normalising is a
function of the raw value, so the normalised groups are the raw groups re-grouped by their
normalised key — 1M rows are hashed once, then ~1M distinct values once more, in memory
(``work_mem`` is sized per run). No CTE is materialised, so the plan stays parallel-safe.

With a sample limit and a one-column primary key, the pass also returns the first primary key
of the first duplicate groups (by primary key): the samples statement then looks those groups
up by key instead of grouping the table again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import sql

from .expressions import Columns, col, gmail_fold, trim
from .plan import CheckDef, Statement


def _folded(expr: sql.Composable) -> sql.Composable:
    return gmail_fold(sql.SQL("nullif(lower({}), '')").format(trim(expr)))


def duplicates_statement(
    comp: Columns,
    relation: sql.Composable,
    passes: dict[tuple[str, ...], dict[str, CheckDef]],
    *,
    sample_limit: int,
) -> Statement:
    """One row: extra rows, groups (and sampled groups' first keys) for every duplicate check."""
    spec = comp.spec
    pk = (
        spec.primary_key[0]
        if len(spec.primary_key) == 1 and comp.has(spec.primary_key[0])
        else None
    )
    sampled = bool(sample_limit and pk)
    lim = sql.Literal(int(sample_limit))
    parts: list[sql.Composable] = []
    items: list[sql.Composable] = []
    for j, (cols, by_kind) in enumerate(passes.items()):
        raw, normalised = by_kind.get("raw"), by_kind.get("normalised")
        grouped = _grouped(comp, relation, cols, pk, regrouped=bool(normalised))
        alias = sql.Identifier(f"d{j}")
        out: list[tuple[str, sql.Composable, CheckDef, str]] = []
        if normalised is None:
            body = _raw_pass(grouped, sampled, lim)
        else:
            body = _normalised_pass(grouped, sampled, lim)
            out.append(("norm", alias, normalised, f"h{j}"))
        if raw is not None:
            out.append(("raw", alias, raw, f"g{j}"))
        parts.append(sql.SQL("({}) AS {}").format(body, alias))
        for prefix, source, check, name in out:
            items.append(
                sql.SQL("{s}.{e} AS {ea}, {s}.{g} AS {ga}").format(
                    s=source,
                    e=sql.Identifier(f"{prefix}_extra"),
                    g=sql.Identifier(f"{prefix}_groups"),
                    ea=sql.Identifier(f"{name}.extra"),
                    ga=sql.Identifier(f"{name}.groups"),
                )
            )
            check.count_alias = f"{name}.extra"
            check.detail["groups_alias"] = f"{name}.groups"
            if sampled and pk is not None:
                items.append(
                    sql.SQL("{}.{} AS {}").format(
                        source,
                        sql.Identifier(f"{prefix}_firsts"),
                        sql.Identifier(f"{name}.firsts"),
                    )
                )
                check.sample_firsts_alias = f"{name}.firsts"
                check.sample_lookup = _group_lookup(comp, relation, pk, cols, prefix == "norm")
    return Statement(
        "grouped",
        sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(items), sql.SQL(" CROSS JOIN ").join(parts)
        ),
    )


def _grouped(
    comp: Columns,
    relation: sql.Composable,
    cols: tuple[str, ...],
    pk: str | None,
    *,
    regrouped: bool,
) -> sql.Composable:
    """The one GROUP BY of a key column set: key values k0.., count and first primary key.
    Only duplicate groups, unless a normalised check re-groups them all."""
    names = [sql.Identifier(f"k{i}") for i in range(len(cols))]
    first = sql.SQL("min({})").format(col(pk)) if pk else sql.SQL("NULL::int")
    return sql.SQL(
        "SELECT {keys}, count(*) AS n, {first} AS first FROM {rel} AS t WHERE {present} "
        "GROUP BY {group}{having}"
    ).format(
        keys=sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(col(c), n) for c, n in zip(cols, names, strict=True)
        ),
        first=first,
        rel=relation,
        present=sql.SQL(" AND ").join(comp.present(c) for c in cols),
        group=sql.SQL(", ").join(col(c) for c in cols),
        having=sql.SQL("" if regrouped else " HAVING count(*) > 1"),
    )


def _raw_pass(grouped: sql.Composable, sampled: bool, lim: sql.Literal) -> sql.Composable:
    """Extra rows and groups (and sampled first keys) of the raw duplicate groups."""
    return sql.SQL(
        "SELECT coalesce(sum(n - 1), 0) AS raw_extra, count(*) AS raw_groups{firsts} "
        "FROM ({g}) AS p"
    ).format(
        g=grouped,
        firsts=sql.SQL(", (array_agg(first ORDER BY first))[1:{}] AS raw_firsts").format(lim)
        if sampled
        else sql.SQL(""),
    )


def _normalised_pass(grouped: sql.Composable, sampled: bool, lim: sql.Literal) -> sql.Composable:
    """Raw and normalised e-mail duplicates from one grouping: the raw groups re-grouped by
    their normalised key."""
    # Raw groups inside each normalised group: their extra rows and count sum up. The
    # OFFSET 0 fence keeps lower(btrim()) to once a value: the fold reads it 4 times.
    return sql.SQL(
        "SELECT coalesce(sum(raw_extra), 0) AS raw_extra, "
        "coalesce(sum(raw_groups), 0) AS raw_groups, "
        "coalesce(sum(n - 1) FILTER (WHERE n > 1), 0) AS norm_extra, "
        "count(*) FILTER (WHERE n > 1) AS norm_groups{firsts} "
        "FROM (SELECT sum(n) AS n, sum(n - 1) FILTER (WHERE n > 1) AS raw_extra, "
        "count(*) FILTER (WHERE n > 1) AS raw_groups, min(first) AS first, "
        "min(first) FILTER (WHERE n > 1) AS raw_first "
        "FROM (SELECT nullif(lower({trimmed}), '') AS b, n, first FROM ({g}) AS p "
        "OFFSET 0) AS p GROUP BY {nk}) AS q"
    ).format(
        g=grouped,
        firsts=sql.SQL(
            ", (array_agg(raw_first ORDER BY raw_first) FILTER "
            "(WHERE raw_first IS NOT NULL))[1:{lim}] AS raw_firsts, "
            "(array_agg(first ORDER BY first) FILTER (WHERE n > 1))[1:{lim}] AS norm_firsts"
        ).format(lim=lim)
        if sampled
        else sql.SQL(""),
        trimmed=trim(sql.Identifier("k0")),
        nk=gmail_fold(sql.Identifier("b")),
    )


def _group_lookup(
    comp: Columns, relation: sql.Composable, pk: str, cols: tuple[str, ...], normalised: bool
) -> Callable[[list[Any]], sql.Composable]:
    """Rows in the same group as the rows with the given primary keys: a keyed lookup of the
    groups the grouped pass named, instead of grouping the table again."""
    if normalised:
        outer, inner = _folded(col(cols[0])), _folded(col(cols[0], "x"))
    else:
        outer = sql.SQL("({})").format(sql.SQL(", ").join(col(c) for c in cols))
        inner = sql.SQL(", ").join(col(c, "x") for c in cols)

    def lookup(firsts: list[Any]) -> sql.Composable:
        return sql.SQL("{} IN (SELECT {} FROM {} AS x WHERE x.{} = ANY({}))").format(
            outer, inner, relation, sql.Identifier(pk), sql.Literal(list(firsts))
        )

    return lookup
