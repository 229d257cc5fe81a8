"""What every figure means: key, title, unit, which direction is better, and its written
definition (what counts, which clock, which calendar). Pure data, shown next to each
number on the dashboard and returned by the API, so people and BI tools read one text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

AGING_DAYS = 14


@dataclass(frozen=True)
class MetricDefinition:
    key: str
    title: str
    unit: str
    definition: str
    group: str
    better: str = "up"  # "up": a higher value is better; "down": lower is better
    tracked_by: str = "intake"  # the records it is computed from

    def as_dict(self) -> dict[str, str]:
        """Every field but `tracked_by` (which app's records it is computed from)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "tracked_by"}


SPEED = "Speed & reliability"
DATA = "Data health"
ADOPTION = "Enablement & adoption"
THROUGHPUT = "Throughput"

_PERIOD_NOTE = (
    " Periods (week from Monday, month, quarter) are cut in the MOPS time zone; "
    "the trend compares each period with the one before it."
)

METRICS: dict[str, MetricDefinition] = {
    m.key: m
    for m in [
        MetricDefinition(
            key="ttc",
            title="Time to campaign",
            unit="business days",
            group=SPEED,
            better="down",
            definition=(
                "From a request's first acceptance to its first go-live. Median and 90th "
                "percentile of the requests that went live in the period. Business days are "
                "counted on the service's SLA calendar (its working hours, public and company "
                "holidays; one day = the calendar's standard working day), with time spent "
                "waiting on the requester (needs info) excluded; calendar days are wall-clock "
                "time from acceptance to live, pauses included." + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="triage_sla",
            title="Triage SLA adherence",
            unit="%",
            group=SPEED,
            definition=(
                "Share of requests triaged (first accepted or rejected) in the period within "
                "the SLA policy's triage target for their class (same day: 4 business hours "
                "by default), counted in business time on the service's calendar from first "
                "submission, with time in needs info (waiting on the requester) excluded."
                + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="delivery_sla",
            title="Delivery SLA adherence",
            unit="%",
            group=SPEED,
            definition=(
                "Share of requests that went live in the period within the SLA policy's "
                "delivery target for their class (simple / standard / complex), measured like "
                "time to campaign: business time on the service's calendar from acceptance to "
                "first live, needs-info pauses excluded." + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="backlog_aging",
            title="Backlog aging",
            unit="%",
            group=SPEED,
            better="down",
            definition=(
                f"Share of open requests older than {AGING_DAYS} calendar days at the end of "
                "each period. Open: submitted and not yet live, rejected or cancelled. Age: "
                "calendar time since first submission." + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="uptime",
            title="Automation uptime",
            unit="%",
            group=SPEED,
            tracked_by="governance",
            definition=(
                "Share of the period during which each governance heartbeat monitor was up, "
                "averaged over monitors (paused ones left out). A monitor is down from its "
                "last ping + period + grace until its next ping (governance/uptime.py); its "
                "clock starts at the last ping before the period, else when it started "
                "watching. Periods still running are cut at now; a period before a monitor "
                "started has no figure. Per-monitor series follow the overall one."
            ),
        ),
        MetricDefinition(
            key="mttr",
            title="Mean time to resolve",
            unit="hours",
            group=SPEED,
            better="down",
            tracked_by="governance",
            definition=(
                "Mean wall-clock time from a governance incident (failed check, run error, "
                "missed heartbeat, anomaly) being opened to it being resolved, over incidents "
                "resolved in the period; open ones do not count. Also shown: MTTA, the mean "
                "time from opened to acknowledged over those of them that were acknowledged."
            ),
        ),
        MetricDefinition(
            key="data_completeness",
            title="Data completeness",
            unit="%",
            group=DATA,
            tracked_by="governance",
            definition=(
                "Completeness dimension score (share of required fields filled) of the latest "
                "governance check run in the period of each dataset with a data contract, "
                "averaged over those datasets."
            ),
        ),
        MetricDefinition(
            key="data_accuracy",
            title="Data accuracy",
            unit="%",
            group=DATA,
            tracked_by="governance",
            definition=(
                "Validity dimension score (share of values matching type, allowed values, "
                "pattern, e-mail and range checks) of the latest governance check run in the "
                "period of each dataset with a data contract, averaged over those datasets."
            ),
        ),
        MetricDefinition(
            key="duplicates_per_1k",
            title="Duplicates per 1k records",
            unit="per 1k",
            group=DATA,
            better="down",
            tracked_by="governance",
            definition=(
                "Extra rows per 1,000 rows in scope from the governance duplicate checks (on "
                "the contract's primary and unique keys, and on the normalised e-mail): the "
                "latest value of each check in the period, the worst check per contracted "
                "dataset, averaged over datasets."
            ),
        ),
        MetricDefinition(
            key="attribution_coverage",
            title="Attribution coverage",
            unit="%",
            group=DATA,
            tracked_by="governance",
            definition=(
                "100 − the % uncovered reported by the latest governance attribution-coverage "
                "check of each contracted dataset in the period (a row is covered when all "
                "its attribution references are present and found). Where the contract names "
                "a pipeline value column, the value-weighted check is used instead of the row "
                "count. Averaged over datasets. The guide's bar is more than 90%."
            ),
        ),
        MetricDefinition(
            key="template_reuse",
            title="Template reuse rate",
            unit="%",
            group=ADOPTION,
            definition=(
                "Share of launches (requests that went live in the period) built from an "
                "approved catalog template version." + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="self_serve_share",
            title="Self-serve share",
            unit="%",
            group=ADOPTION,
            definition=(
                "Share of work fulfilled in the period that was self-served: (self-serve "
                "completions with no request + requests for self-serve services that went "
                "live) ÷ (self-serve completions + requests that went live). A completion is "
                "placed by its time, and grouped by the service's class and first channel and "
                "the person's team." + _PERIOD_NOTE
            ),
        ),
        MetricDefinition(
            key="nps",
            title="Stakeholder NPS",
            unit="NPS",
            group=ADOPTION,
            tracked_by="metrics",
            definition=(
                "Net promoter score of the built-in quarterly survey sent to requesters of "
                "delivered work: % of answers 9–10 minus % of answers 0–6, over answers "
                "received in the period (−100 to +100), by requester group (demand gen, field, "
                "sales)."
            ),
        ),
        *(
            MetricDefinition(
                key=key,
                title=f"Requests {key}",
                unit="requests",
                group=THROUGHPUT,
                definition=f"Requests {what} in the period{excluded}." + _PERIOD_NOTE,
            )
            for key, what, excluded in (
                ("submitted", "first submitted", " (drafts never submitted excluded)"),
                ("accepted", "first accepted at triage", ""),
                ("shipped", "that first went live", ""),
            )
        ),
        MetricDefinition(
            key="experiments",
            title="Experiment throughput",
            unit="experiments",
            group=THROUGHPUT,
            tracked_by="releases",
            definition=(
                "Experiments concluded in the period; 'met power' counts those whose observed "
                "sample per variant reached the required size (two-proportion z-test from the "
                "baseline rate, minimum detectable effect, α and power recorded in the "
                "experiment register). Cost per experiment: mean cost of those with a cost "
                "recorded. Team and channel filters apply." + _PERIOD_NOTE
            ),
        ),
    ]
}

# Figures computed from requests: these take the class / service / team / channel filters.
REQUEST_METRICS = ("ttc", "triage_sla", "delivery_sla", "backlog_aging", "template_reuse",
                   "self_serve_share", "submitted", "accepted", "shipped")  # fmt: skip

HEADLINE = ("ttc", "delivery_sla", "triage_sla", "backlog_aging", "template_reuse", "nps")

# Drill-downs: the requests behind a number. key → (title, what it lists).
DRILLS: dict[str, str] = {
    "shipped": "Requests that went live in the period",
    "ttc": "Requests that went live in the period (with their time to campaign)",
    "delivery_met": "Requests delivered within their SLA",
    "delivery_breached": "Requests delivered after their SLA target",
    "triage_met": "Requests triaged within their SLA",
    "triage_breached": "Requests triaged after their SLA target",
    "backlog_open": "Requests open at the end of the period",
    "backlog_aged": f"Requests open more than {AGING_DAYS} days at the end of the period",
    "submitted": "Requests submitted in the period",
    "accepted": "Requests accepted in the period",
    "with_template": "Launches built from an approved template",
    "without_template": "Launches not built from an approved template",
    "self_serve": "Launches of self-serve services",
}


def definition(key: str) -> MetricDefinition:
    return METRICS[key]
