"""The per-day rollup of request facts (`RequestDay`): the SQL that keeps it exact, and
the rebuild.

A fact contributes to up to four rollup rows — the local days it was submitted, triaged,
accepted and went live (`KINDS_SQL`) — keyed by service, team, class and channel. The
trigger `metrics_requestday_sync` on `metrics_requestfact` applies every row change as
"minus the old row, plus the new row" in the writer's transaction, so concurrent writers
never lose an update (the upsert locks the rollup row) and nothing can bypass it except
TRUNCATE (handled) or a disabled trigger (bulk loaders rebuild afterwards).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction

from .models import RequestDay, RollupSetting

# (kind, timestamp, known, met, with_template, self_serve, TTC bin or NULL) of fact `f`.
# The bin edges are selectors.TTC_BINS' lower bounds (width_bucket: edges <= value).
KINDS_SQL = """
    (VALUES
        ('submitted', f.submitted_at, 0, 0, 0, 0, NULL::int),
        ('triaged', f.triaged_at, (f.triage_met IS NOT NULL)::int,
         coalesce(f.triage_met, false)::int, 0, 0, NULL::int),
        ('accepted', f.accepted_at, 0, 0, 0, 0, NULL::int),
        ('live', f.live_at, (f.delivery_met IS NOT NULL)::int,
         coalesce(f.delivery_met, false)::int, f.with_template::int, f.self_serve::int,
         CASE WHEN f.ttc_business_seconds >= 0 THEN width_bucket(
             f.ttc_business_seconds::float8 / nullif(f.day_seconds, 0),
             ARRAY[1, 2, 3, 5, 10, 20]::float8[]) END)
    ) AS k (kind, at, known, met, with_template, self_serve, bin)
"""

COLUMNS = (
    "kind, day, service_id, team_id, complexity, channel, n, known, met, with_template, "
    "self_serve, ttc_b0, ttc_b1, ttc_b2, ttc_b3, ttc_b4, ttc_b5, ttc_b6"
)
BINS = range(7)


def _measures(sign: str, aggregate: str = "") -> str:
    """The measure expressions of one rollup row (optionally summed)."""

    def m(expr: str) -> str:
        return f"{aggregate}({sign} * {expr})" if aggregate else f"{sign} * {expr}"

    bins = ", ".join(m(f"(k.bin IS NOT DISTINCT FROM {i})::int") for i in BINS)
    return (
        f"{m('1')}, {m('k.known')}, {m('k.met')}, {m('k.with_template')}, "
        f"{m('k.self_serve')}, {bins}"
    )


_KEY = "k.kind, (k.at AT TIME ZONE {tz})::date, f.service_id, f.team_id, f.complexity, f.channel"

SYNC_FUNCTION = f"""
CREATE OR REPLACE FUNCTION metrics_requestday_apply(f metrics_requestfact, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    zone text := coalesce(
        (SELECT time_zone FROM metrics_rollupsetting ORDER BY id LIMIT 1), 'UTC');
BEGIN
    INSERT INTO metrics_requestday AS d ({COLUMNS})
    SELECT {_KEY.format(tz="zone")}, {_measures("delta")}
    FROM {KINDS_SQL}
    WHERE k.at IS NOT NULL
    ON CONFLICT ON CONSTRAINT metrics_requestday_key DO UPDATE SET
        n = d.n + EXCLUDED.n, known = d.known + EXCLUDED.known, met = d.met + EXCLUDED.met,
        with_template = d.with_template + EXCLUDED.with_template,
        self_serve = d.self_serve + EXCLUDED.self_serve,
        {", ".join(f"ttc_b{i} = d.ttc_b{i} + EXCLUDED.ttc_b{i}" for i in BINS)};
END $$;

CREATE OR REPLACE FUNCTION metrics_requestday_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM metrics_requestday;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM metrics_requestday_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM metrics_requestday_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER metrics_requestday_sync AFTER INSERT OR UPDATE OR DELETE
    ON metrics_requestfact FOR EACH ROW EXECUTE FUNCTION metrics_requestday_sync();
CREATE TRIGGER metrics_requestday_truncate AFTER TRUNCATE
    ON metrics_requestfact FOR EACH STATEMENT EXECUTE FUNCTION metrics_requestday_sync();
"""

DROP_SYNC = """
DROP TRIGGER IF EXISTS metrics_requestday_truncate ON metrics_requestfact;
DROP TRIGGER IF EXISTS metrics_requestday_sync ON metrics_requestfact;
DROP FUNCTION IF EXISTS metrics_requestday_sync();
DROP FUNCTION IF EXISTS metrics_requestday_apply(metrics_requestfact, integer);
"""

REBUILD_SQL = f"""
INSERT INTO metrics_requestday ({COLUMNS})
SELECT {_KEY.format(tz="%(zone)s")}, {_measures("1", "sum")}
FROM metrics_requestfact f CROSS JOIN LATERAL {KINDS_SQL}
WHERE k.at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""


def rollup_zone() -> str | None:
    return RollupSetting.objects.order_by("pk").values_list("time_zone", flat=True).first()


_in_step: tuple[float, bool] = (0.0, False)  # (checked at, answer), per process


def rollup_in_step() -> bool:
    """Whether the rollup's days are local to the configured time zone (else the figures
    are read from the facts until `rollup_rebuild` has run). Checked at most once a minute
    per process: the zone only changes with a deploy (processes restart) or a rebuild."""
    global _in_step
    checked, answer = _in_step
    if time.monotonic() - checked > 60:
        answer = rollup_zone() == settings.TIME_ZONE
        _in_step = (time.monotonic(), answer)
    return answer


def rollup_rebuild() -> int:
    """Recompute the whole rollup from the facts in the configured time zone, in one
    transaction that holds off fact writers (SHARE lock) so nothing slips between the two.
    Returns the number of rollup rows."""
    zone = settings.TIME_ZONE
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE metrics_requestfact IN SHARE MODE")
        RollupSetting.objects.all().delete()
        RollupSetting.objects.create(time_zone=zone)
        RequestDay.objects.all().delete()
        cursor.execute(REBUILD_SQL, {"zone": zone})
        rows = cursor.rowcount
    global _in_step
    _in_step = (0.0, False)  # look again
    return rows
