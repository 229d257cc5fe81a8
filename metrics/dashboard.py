"""The leadership dashboard as data: headline figures and chart panels, each panel with its
SVG chart, its table (the same numbers, with drill-down links) and its CSV export.

Building a panel runs a fixed number of queries (see `selectors`), so the page's query
count does not grow with the number of requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar, cast
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from . import periods, selectors
from .charts import Series, bar_chart, line_chart
from .definitions import HEADLINE, METRICS, MetricDefinition
from .enablement.figures import DEFINITIONS as ENABLEMENT
from .enablement.figures import enablement_figures
from .filters import MetricFilters
from .selectors import MetricResult

T = TypeVar("T")

Cell = tuple[object, str]  # (shown value, drill-down url or "")


@dataclass
class Panel:
    key: str
    title: str
    definitions: list[MetricDefinition]
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    svg: SafeString | str = ""
    note: str = ""

    def csv_rows(self) -> list[list[object]]:
        return [[value for value, _ in row] for row in self.rows]


@dataclass
class Headline:
    result: MetricResult
    drill_url: str

    @property
    def metric(self) -> MetricDefinition:
        return self.result.metric

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "flat": "▶"}.get(self.result.trend, "")


class Context:
    """The filters, their URL parameters, and the figures computed once per page."""

    def __init__(self, filters: MetricFilters, query: dict[str, str]) -> None:
        self.f = filters
        self.query = {k: v for k, v in query.items() if k != "group_by"}
        self._cache: dict[str, object] = {}

    def once(self, name: str, compute: Callable[[], T]) -> T:
        if name not in self._cache:
            self._cache[name] = compute()
        return cast(T, self._cache[name])  # what `compute` returned for `name`

    def overall(self) -> dict[str, MetricResult]:
        """Every request figure over the whole selection. Triage adherence is the total of
        the by-class query (exact: a ratio of counts), which saves a scan of its own."""

        def compute() -> dict[str, MetricResult]:
            keys = [k for k in selectors.REQUEST_FIGURES if k != "triage_sla"]
            figures = selectors.request_figures(keys, self.f)
            figures["triage_sla"] = self.by_class()["triage_sla"].total  # type: ignore[assignment]
            return {k: figures[k] for k in selectors.REQUEST_FIGURES}

        return self.once("overall", compute)

    def by_class(self) -> dict[str, MetricResult]:
        return self.once(
            "by_class",
            lambda: selectors.request_figures(
                ["delivery_sla", "triage_sla"], self.f.with_(group_by="class")
            ),
        )

    def backlog(self, grouped: bool = False) -> MetricResult:
        """Backlog aging by class; its `.total` is the overall figure (one query for both)."""
        by_class: MetricResult = self.once(
            "backlog", lambda: selectors.backlog_aging(self.f.with_(group_by="class"))
        )
        return by_class if grouped else by_class.total  # type: ignore[return-value]

    def nps(self) -> MetricResult:
        return self.once("nps", lambda: selectors.nps(self.f))

    def drill(self, metric: str, **params: object) -> str:
        query = {**self.query, "metric": metric}
        query.update({k: str(v) for k, v in params.items() if v not in (None, "")})
        return f"{reverse('metrics:drill')}?{urlencode(query)}"

    def csv(self, panel: str) -> str:
        return f"{reverse('metrics:export', args=[panel])}?{urlencode(self.query)}"


def _fmt(value: float | None) -> object:
    return "" if value is None else round(value, 1)


def _labels(result: MetricResult) -> list[str]:
    return [p.label for p in result.series[0].points] if result.series else []


def headline(ctx: Context) -> list[Headline]:
    overall = ctx.overall()
    drills = {"ttc": "ttc", "delivery_sla": "delivery_breached", "triage_sla": "triage_breached",
              "backlog_aging": "backlog_aged", "template_reuse": "without_template"}  # fmt: skip
    out = []
    for key in HEADLINE:
        if key in overall:
            result = overall[key]
        elif key == "backlog_aging":
            result = ctx.backlog()
        else:
            result = ctx.nps()
        point = result.current
        bucket = point.start.isoformat() if point else ""
        out.append(Headline(result, ctx.drill(drills[key], bucket=bucket) if key in drills else ""))
    return out


def panel_headline(ctx: Context) -> Panel:
    rows = []
    for h in headline(ctx):
        p = h.result.current
        rows.append(
            [
                (h.metric.title, ""),
                (p.label if p else "", ""),
                (_fmt(p.value) if p else "", h.drill_url),
                (h.metric.unit, ""),
                (_fmt(p.previous) if p else "", ""),
                (_fmt(p.change) if p else "", ""),
            ]
        )
    return Panel(
        key="headline",
        title="Headline figures",
        definitions=[METRICS[k] for k in HEADLINE],
        header=["Figure", "Period", "Value", "Unit", "Previous period", "Change"],
        rows=rows,
    )


def panel_sla(ctx: Context) -> Panel:
    grouped = ctx.by_class()
    overall = ctx.overall()
    delivery, triage = grouped["delivery_sla"], grouped["triage_sla"]
    labels = _labels(overall["delivery_sla"])
    series = [Series(f"Delivery · {s.label}", [p.value for p in s.points]) for s in delivery.series]
    series.append(Series("Triage · all", [p.value for p in overall["triage_sla"].series[0].points]))
    rows: list[list[Cell]] = []
    # (clock, its result, where its measured count drills to: delivery's are the launches)
    for clock, result, measured in (("Delivery", delivery, "ttc"), ("Triage", triage, "")):
        for s in result.series:
            for p in s.points:
                where = {"bucket": p.start, "class": s.key}
                breached = int(p.extra.get("breached") or 0)
                rows.append([
                    (p.label, ""), (f"{clock} · {s.label}", ""), (_fmt(p.value), ""),
                    (p.count, ctx.drill(measured, **where) if measured else ""),
                    (breached, ctx.drill(f"{clock.lower()}_breached", **where)),
                ])  # fmt: skip
    return Panel(
        key="sla",
        title="SLA adherence by class",
        definitions=[METRICS["delivery_sla"], METRICS["triage_sla"]],
        header=["Period", "Clock · class", "Adherence %", "Measured", "Breached"],
        rows=rows,
        svg=_percent_chart("SLA adherence by class (%)", labels, series),
    )


def _percent_chart(title: str, labels: list[str], series: list[Series]) -> SafeString:
    """A line chart of percentages (0–100); metrics/charts.py escapes every text in it."""
    return mark_safe(line_chart(title=title, labels=labels, series=series, unit="%", y_max=100))


def panel_ttc(ctx: Context) -> Panel:
    ttc = ctx.overall()["ttc"]
    points = ttc.series[0].points if ttc.series else []
    labels = [p.label for p in points]
    svg = line_chart(
        title="Time to campaign (business days)",
        labels=labels,
        series=[
            Series("Median", [p.value for p in points]),
            Series("90th percentile", [p.extra.get("p90_business_days") for p in points]),
        ],
        unit="d",
    )
    rows = [
        [
            (p.label, ""),
            (p.count, ctx.drill("ttc", bucket=p.start)),
            (_fmt(p.value), ""),
            (_fmt(p.extra.get("p90_business_days")), ""),
            (_fmt(p.extra.get("median_calendar_days")), ""),
            (_fmt(p.extra.get("p90_calendar_days")), ""),
        ]
        for p in points
    ]
    return Panel(
        key="ttc",
        title="Time to campaign",
        definitions=[METRICS["ttc"]],
        header=[
            "Period",
            "Launches",
            "Median (business d)",
            "P90 (business d)",
            "Median (calendar d)",
            "P90 (calendar d)",
        ],  # fmt: skip
        rows=rows,
        svg=mark_safe(svg),
    )


def panel_distribution(ctx: Context) -> Panel:
    distribution: list[tuple[str, int, int]] = ctx.once(
        "distribution", lambda: selectors.ttc_distribution(ctx.f)
    )
    rows = [[(label, ""), (count, ctx.drill("ttc", ttc_bin=i))] for label, count, i in distribution]
    svg = bar_chart(
        title="TTC distribution over the range (business days); click a bar for its requests",
        labels=[label for label, _, _ in distribution],
        values=[count for _, count, _ in distribution],
        links=[ctx.drill("ttc", ttc_bin=i) for _, _, i in distribution],
    )
    return Panel(
        key="ttc_distribution",
        title="TTC distribution",
        definitions=[METRICS["ttc"]],
        header=["Business days", "Launches"],
        rows=rows,
        svg=mark_safe(svg),
    )


def panel_backlog(ctx: Context) -> Panel:
    grouped = ctx.backlog(grouped=True)
    overall = ctx.backlog()
    labels = _labels(overall)
    series = [Series(s.label, [p.value for p in s.points]) for s in grouped.series]
    series.append(Series("All", [p.value for p in overall.series[0].points]))
    rows: list[list[Cell]] = []
    for s in [*grouped.series, *overall.series]:
        for p in s.points:
            params = {"class": s.key} if s.key != "all" else {}
            rows.append(
                [
                    (p.label, ""),
                    (s.label, ""),
                    (_fmt(p.value), ""),
                    (p.count, ctx.drill("backlog_open", bucket=p.start, **params)),
                    (int(p.extra.get("aged") or 0),
                     ctx.drill("backlog_aged", bucket=p.start, **params)),
                ]
            )  # fmt: skip
    return Panel(
        key="backlog",
        title="Backlog aging by class",
        definitions=[METRICS["backlog_aging"]],
        header=["Period end", "Class", "% older than 14 days", "Open", "Older than 14 days"],
        rows=rows,
        svg=_percent_chart("Open requests older than 14 days (%)", labels, series),
    )


def panel_throughput(ctx: Context) -> Panel:
    overall = ctx.overall()
    experiments: MetricResult = ctx.once("experiments", lambda: selectors.experiments(ctx.f))
    keys = ("submitted", "accepted", "shipped")
    labels = _labels(overall["submitted"])
    series = [
        Series(METRICS[k].title, [p.value for p in overall[k].series[0].points]) for k in keys
    ]
    register = reverse("releases:experiment_list")
    scope = {k: v for k, v in ctx.query.items() if k in ("team", "channel")}
    rows: list[list[Cell]] = []
    for i, label in enumerate(labels):
        row: list[Cell] = [(label, "")]
        for k in keys:
            p = overall[k].series[0].points[i]
            row.append((int(p.value or 0), ctx.drill(k, bucket=p.start)))
        e = experiments.series[0].points[i]
        last = periods.period_next(e.start, ctx.f.period) - timedelta(days=1)
        query = {"status": "concluded", "concluded_from": e.start, "concluded_to": last, **scope}
        row.append((int(e.value or 0), f"{register}?{urlencode(query)}"))
        rows.append(row)
    met = sum(int(p.extra.get("met_power") or 0) for p in experiments.series[0].points)
    done = sum(int(p.value or 0) for p in experiments.series[0].points)
    return Panel(
        key="throughput",
        title="Throughput",
        definitions=[METRICS[k] for k in keys] + [METRICS["experiments"]],
        header=["Period", "Submitted", "Accepted", "Shipped", "Experiments concluded"],
        rows=rows,
        svg=mark_safe(line_chart(title="Requests per period", labels=labels, series=series)),
        note=(
            f"Experiments: {done} concluded in the range, {met} of them met power (observed "
            "sample per variant ≥ required), from the experiment register."
            + (f" {experiments.note}" if experiments.note else "")
        ),
    )


def panel_adoption(ctx: Context) -> Panel:
    overall = ctx.overall()
    reuse, self_serve = overall["template_reuse"], overall["self_serve_share"]
    nps = ctx.nps()
    labels = _labels(reuse)
    series = [
        Series("Template reuse %", [p.value for p in reuse.series[0].points]),
        Series("Self-serve share %", [p.value for p in self_serve.series[0].points]),
        Series("NPS", [p.value for p in nps.series[0].points] if nps.series else []),
    ]
    rows: list[list[Cell]] = []
    for i, label in enumerate(labels):
        r, s = reuse.series[0].points[i], self_serve.series[0].points[i]
        n = nps.series[0].points[i] if nps.series else None
        rows.append(
            [
                (label, ""),
                (_fmt(r.value), ctx.drill("with_template", bucket=r.start)),
                (_fmt(s.value), ctx.drill("self_serve", bucket=s.start)),
                (r.count, ctx.drill("shipped", bucket=r.start)),
                (_fmt(n.value) if n else "", ""),
                (n.count if n else 0, ""),
            ]
        )
    return Panel(
        key="adoption",
        title="Enablement & adoption",
        definitions=[METRICS["template_reuse"], METRICS["self_serve_share"], METRICS["nps"]],
        header=["Period", "Template reuse %", "Self-serve share %", "Launches", "NPS", "Answers"],
        rows=rows,
        svg=mark_safe(
            line_chart(
                title="Template reuse, self-serve share (%) and NPS", labels=labels, series=series
            )
        ),  # fmt: skip
    )


def _figure_rows(results: list[MetricResult]) -> tuple[list[str], list[list[Cell]]]:
    """One row per period, one column per figure (its overall series)."""
    labels = next((_labels(r) for r in results if r.series), [])
    rows: list[list[Cell]] = []
    for i, label in enumerate(labels):
        row: list[Cell] = [(label, "")]
        for r in results:
            points = r.series[0].points if r.series else []
            row.append((_fmt(points[i].value) if i < len(points) else "", ""))
        rows.append(row)
    return labels, rows


def panel_reliability(ctx: Context) -> Panel:
    uptime, mttr = selectors.uptime(ctx.f), selectors.mttr(ctx.f)
    labels, rows = _figure_rows([uptime, mttr])
    for i, row in enumerate(rows):
        point = mttr.series[0].points[i] if mttr.series else None
        row.append((_fmt(point.extra.get("mtta_hours")) if point else "", ""))
        row.append((point.count if point else 0, ""))
    for monitor in uptime.series[1:]:
        rows.append(
            [(f"{monitor.label} (whole range)", "")]
            + [(_fmt(_mean_points(monitor)), ""), ("", ""), ("", ""), ("", "")]
        )
    return Panel(
        key="reliability",
        title="Automation uptime and MTTR",
        definitions=[METRICS["uptime"], METRICS["mttr"]],
        header=["Period", "Uptime %", "MTTR (h)", "MTTA (h)", "Incidents resolved"],
        rows=rows,
        svg=_percent_chart(
            "Automation uptime (%)",
            labels,
            [Series("Uptime %", [p.value for p in uptime.series[0].points])]
            if uptime.series
            else [],
        ),
        note=uptime.note,
    )


def _mean_points(series: selectors.Series) -> float | None:
    values = [p.value for p in series.points if p.value is not None]
    return sum(values) / len(values) if values else None


def panel_data_health(ctx: Context) -> Panel:
    keys = ("data_completeness", "data_accuracy", "duplicates_per_1k", "attribution_coverage")
    results = list(selectors.data_health_figures(list(keys), ctx.f).values())
    _, rows = _figure_rows(results)
    return Panel(
        key="data_health",
        title="Data health",
        definitions=[METRICS[k] for k in keys],
        header=["Period"] + [f"{METRICS[k].title} ({METRICS[k].unit})" for k in keys],
        rows=rows,
        note=" ".join(sorted({r.note for r in results if r.note})),
    )


def _pct_cell(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def panel_enablement(ctx: Context) -> Panel:
    """The enablement figures over the last 90 days (metrics/enablement/figures.py), with a
    row per team for training completion; details on the enablement page."""
    f = enablement_figures(days=90, top=False)
    url = reverse("metrics:enablement") + "?days=90"
    team_rows: list[list[Cell]] = [
        [
            (f"Training completion: {t.team}", ""),
            (_pct_cell(t.rate), ""),
            (f"{t.completed} of {t.enrolled} enrolments completed", ""),
        ]
        for t in f.training
    ]
    rows: list[list[Cell]] = [
        [
            ("Training completion", url),
            (_pct_cell(f.training_rate), ""),
            (f"{f.completed} of {f.enrolled} enrolments completed", ""),
        ],
        *team_rows,
        [
            ("Deflection", url),
            (_pct_cell(f.deflection), ""),
            (f"{f.self_served} self-served, {f.ticketed} requested", ""),
        ],
        [
            ("Playbook use", url),
            (f.reads, ""),
            (f"reads by {f.readers} people; helpful {_pct_cell(f.helpful_share)}", ""),
        ],
        [
            ("Office-hours attendance", url),
            (_pct_cell(f.attendance), ""),
            (
                f"{f.attended} of {f.marked_bookings} booked seats attended; "
                f"{f.sessions_held} sessions held, fill rate {_pct_cell(f.fill_rate)}",
                "",
            ),
        ],
        [
            ("Knowledge concentration", url),
            (_pct_cell(f.concentration), ""),
            (
                f"{f.single_author} of {f.documents} playbooks and runbooks single-author"
                + (f"; {f.top_owner} owns {_pct_cell(f.top_owner_share)}" if f.top_owner else ""),
                "",
            ),
        ],
    ]
    return Panel(
        key="enablement",
        title="Enablement",
        definitions=list(ENABLEMENT.values()),
        header=["Figure", "Value", "Counted"],
        rows=rows,
        note="The last 90 days up to now, whatever the period above; the class, service, "
        "team and channel filters do not apply (per-team training is listed).",
    )


PANELS: dict[str, Callable[[Context], Panel]] = {
    "headline": panel_headline,
    "sla": panel_sla,
    "ttc": panel_ttc,
    "ttc_distribution": panel_distribution,
    "backlog": panel_backlog,
    "throughput": panel_throughput,
    "adoption": panel_adoption,
    "reliability": panel_reliability,
    "data_health": panel_data_health,
    "enablement": panel_enablement,
}

# What the page shows, in order.
PAGE_PANELS = (
    "sla",
    "ttc",
    "ttc_distribution",
    "backlog",
    "throughput",
    "adoption",
    "reliability",
    "data_health",
    "enablement",
)
