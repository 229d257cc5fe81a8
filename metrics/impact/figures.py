"""Turn the warehouse's aggregate rows into the snapshot's figures (pure): rates per
campaign and cohort, cohort comparisons, velocity and its lift, attribution, ROI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .statements import COHORT_DIMENSIONS
from .stats import compare_rates, rate, ratio_lift, velocity

MODELS = ("first_touch", "last_touch", "linear")
RATE_COLUMNS = (
    "opportunities", "sqls", "closed", "won", "open", "pipeline", "won_amount", "cycle_days",
)  # fmt: skip
COVERAGE_TARGET = 90.0


def group_stats(row: Mapping[str, Any]) -> dict[str, Any]:
    stats = {k: row.get(k, 0) or 0 for k in RATE_COLUMNS}
    stats["sql_rate"] = rate(stats["sqls"], stats["opportunities"])
    stats["win_rate"] = rate(stats["won"], stats["closed"])
    stats["average_deal"] = stats["won_amount"] / stats["won"] if stats["won"] else None
    stats["cycle_length_days"] = stats["cycle_days"] / stats["won"] if stats["won"] else None
    stats["velocity"] = velocity(
        stats["open"], stats["won"], stats["closed"], stats["won_amount"], stats["cycle_days"]
    )
    return stats


def rate_figures(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], launches: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """From `statements.rates_statement` rows: campaigns, cohorts (true vs false of each
    dimension, with the two-proportion comparison of SQL and win rates and velocity lift),
    all opportunities and attribution coverage (% of pipeline value with a counted touch)."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        data = dict(zip(columns, row, strict=True))
        by_key[(data["dimension"], data["value"])] = group_stats(data)
    launch_of = {x["campaign"]: x for x in launches}
    campaigns = [
        {"campaign": value, **launch_of.get(value, {}), **stats}
        for (dim, value), stats in sorted(by_key.items())
        if dim == "campaign"
    ]
    cohorts: dict[str, Any] = {}
    for dim in COHORT_DIMENSIONS:
        yes = by_key.get((dim, "true"), group_stats({}))
        no = by_key.get((dim, "false"), group_stats({}))
        cohorts[dim] = {
            "yes": yes,
            "no": no,
            "sql_rate": compare_rates(
                yes["sqls"], yes["opportunities"], no["sqls"], no["opportunities"]
            ).as_dict(),
            "win_rate": compare_rates(yes["won"], yes["closed"], no["won"], no["closed"]).as_dict(),
            "velocity_lift": ratio_lift(yes["velocity"], no["velocity"]),
            "campaigns_yes": sum(1 for x in launches if x.get(dim) is True),
            "campaigns_no": sum(1 for x in launches if x.get(dim) is False),
        }
    everything = by_key.get(("all", "all"), group_stats({}))
    attributed = by_key.get(("attributed", "any"), group_stats({}))
    coverage = (
        100.0 * attributed["pipeline"] / everything["pipeline"] if everything["pipeline"] else None
    )
    return {
        "campaigns": campaigns,
        "cohorts": cohorts,
        "all": everything,
        "attributed": attributed,
        "coverage": coverage,
    }


def attribution_figures(
    rows: Iterable[Sequence[Any]], cost_total: float, default_model: str
) -> dict[str, Any]:
    """From `statements.attribution_statement` rows: revenue credited to MOPS-launched
    campaigns and to all campaigns under each model, influenced revenue, ROI per model
    (MOPS-attributed revenue ÷ fully loaded cost; None without a cost)."""
    per_campaign: dict[str, dict[str, float]] = {}
    totals: dict[str, dict[str, float]] = {}
    for scope, campaign, opportunities, influenced, first, last, linear in rows:
        entry = {
            "opportunities": opportunities,
            "influenced": influenced,
            "first_touch": first,
            "last_touch": last,
            "linear": linear,
        }
        if scope == "campaign":
            per_campaign[campaign] = entry
        else:
            totals[scope] = entry
    mops = totals.get("mops", {})
    roi = {m: ((mops.get(m) or 0.0) / cost_total if cost_total else None) for m in MODELS}
    return {
        "default_model": default_model,
        "revenue": (totals.get("revenue") or {}).get("influenced", 0.0),
        "won_opportunities": (totals.get("revenue") or {}).get("opportunities", 0),
        "mops": mops,
        "all": totals.get("all", {}),
        "campaigns": per_campaign,
        "roi": roi,
    }
