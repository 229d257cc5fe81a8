"""Exact request counts per (team, status) from `intake_statustally` (#17).

Triggers on `intake_request` (migration 0007) append a signed delta row for every insert,
delete and status or team change, in the writer's transaction; a sum over the deltas is
therefore exactly the count the reader's snapshot sees, however many writers run at once.
The backlog list's count reads a few dozen delta rows instead of every open request.

`tally_compact` folds the deltas into one row per key (the beat task does it every few
minutes, so a sum reads tens of rows, not one per status change since the start);
`tally_rebuild` recounts from the requests, for a database loaded with triggers disabled
(`pg_restore --disable-triggers`, `session_replication_role = replica`);
`tally_drift` compares the two, which the nightly check and the tests use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

from django.db import connection, transaction
from django.db.models import QuerySet

Row = TypeVar("Row")
COMPACT_LOCK = 0x6D6F7073_7461  # "mopsta": one compaction at a time


def tally_sum(statuses: Iterable[str] | None = None, *, team_id: int | None = None) -> int:
    """How many requests have one of `statuses` (all when None), in team `team_id` (any
    team when None), as the current snapshot sees them."""
    sql = "SELECT coalesce(sum(n), 0) FROM intake_statustally WHERE true"
    params: list[list[str] | int] = []
    if statuses is not None:
        sql += " AND status = ANY(%s)"
        params.append(sorted(statuses))
    if team_id is not None:
        sql += " AND team_id = %s"
        params.append(team_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def tally_compact() -> int:
    """Fold every visible delta into one row per (team, status); returns the rows left.
    Deltas committed meanwhile are not visible to the DELETE, so they stay and count."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return -1  # another compaction is running
        cursor.execute(
            "WITH gone AS (DELETE FROM intake_statustally RETURNING team_id, status, n) "
            "INSERT INTO intake_statustally (team_id, status, n) "
            "SELECT team_id, status, sum(n) FROM gone GROUP BY 1, 2 HAVING sum(n) <> 0"
        )
        return cursor.rowcount


def tally_rebuild() -> int:
    """Recount the tally from the requests. Holds a SHARE lock on the request table for
    the recount (writers wait, readers do not), so no change slips between the two."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE intake_request IN SHARE MODE")
        cursor.execute("DELETE FROM intake_statustally")
        cursor.execute(
            "INSERT INTO intake_statustally (team_id, status, n) "
            "SELECT team_id, status, count(*) FROM intake_request GROUP BY 1, 2"
        )
        return cursor.rowcount


def tally_drift() -> dict[tuple[int | None, str], tuple[int, int]]:
    """Keys whose tallied count differs from the requests: {(team, status): (tally, real)};
    empty when the tally is exact."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(t.team_id, r.team_id), coalesce(t.status, r.status), "
            "coalesce(t.n, 0), coalesce(r.n, 0) "
            "FROM (SELECT team_id, status, sum(n) AS n FROM intake_statustally GROUP BY 1, 2) t "
            "FULL JOIN (SELECT team_id, status, count(*) AS n FROM intake_request "
            "GROUP BY 1, 2) r ON t.team_id IS NOT DISTINCT FROM r.team_id "
            "AND t.status = r.status "
            "WHERE coalesce(t.n, 0) <> coalesce(r.n, 0)"
        )
        return {(team, status): (int(t), int(r)) for team, status, t, r in cursor.fetchall()}


class TalliedRows(Generic[Row]):
    """A list's rows as a paginator sees them: counted by `tallied` (a filterset's
    `tallied_count`) when that has an answer, else by `counted` (the list's queryset
    without the page's joins, when `rows` adds some) or `rows` itself; pages and iteration
    are `rows`' own."""

    def __init__(
        self,
        rows: QuerySet[Any, Row],
        tallied: Callable[[], int | None] | None,
        *,
        counted: QuerySet[Any, Any] | None = None,
    ) -> None:
        self.rows = rows
        self.ordered = rows.ordered
        self.tallied = tallied
        self.counted = rows if counted is None else counted

    def count(self) -> int:
        count = self.tallied() if self.tallied is not None else None
        return self.counted.count() if count is None else count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> QuerySet[Any, Row]: ...
    def __getitem__(self, index: int | slice) -> Row | QuerySet[Any, Row]:
        return self.rows[index]
