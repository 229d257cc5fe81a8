"""Reads of the stack domain: lists with what their pages show, the tools a retirement
touches, the integration map's drawing and the renewal calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Lower
from django.urls import reverse

from governance.models import DataContract, Monitor

from . import hooks, maplayout
from .models import (
    APPROVED_PATTERNS,
    AccessReview,
    AccessReviewItem,
    Contract,
    Flow,
    GoldenPath,
    Instrument,
    InstrumentKind,
    Layer,
    Pattern,
    Tool,
)

LAYER_ORDER: list[str] = list(Layer.values)


def _count(rows: type[models.Model] | QuerySet[Any], field: str) -> Coalesce:
    """The number of `rows` (a model or a queryset) pointing at the outer row by `field`."""
    base = rows._default_manager.all() if isinstance(rows, type) else rows
    return Coalesce(
        Subquery(
            base.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def tools() -> QuerySet[Tool]:
    """The registry: each tool with its owner, team, contract dataset and flow counts."""
    return Tool.objects.select_related("owner", "team", "data_contract__dataset").annotate(
        flows_out_count=_count(Flow, "source"), flows_in_count=_count(Flow, "target")
    )


def tool_detail() -> QuerySet[Tool]:
    return tools().prefetch_related("runbooks", "monitors")


@dataclass
class Dependents:
    """What depends on a tool: what retiring it would break or orphan."""

    flows: list[Flow]
    monitors: list[Monitor]
    data_contracts: list[DataContract]
    contracts: list[Contract]

    @property
    def empty(self) -> bool:
        return not (self.flows or self.monitors or self.data_contracts or self.contracts)


def tool_dependents(tool: Tool) -> Dependents:
    """The flows in and out of `tool`, the monitors watching it or its flows, the data
    contracts it or its flows carry, and its vendor contracts."""
    flow_list = list(
        flows().filter(Q(source=tool) | Q(target=tool)).order_by("source__name", "target__name")
    )
    monitors = Monitor.objects.filter(Q(tools=tool) | Q(flows__in=flow_list)).distinct()
    data_contracts = (
        DataContract.objects.select_related("dataset")
        .filter(Q(tools=tool) | Q(flows__in=flow_list))
        .distinct()
    )
    return Dependents(
        flows=flow_list,
        monitors=list(monitors.order_by("name")),
        data_contracts=list(data_contracts),
        contracts=list(tool.contracts.order_by("ends_on")),
    )


def flows() -> QuerySet[Flow]:
    return Flow.objects.select_related(
        "source", "target", "owner", "monitor", "data_contract__dataset"
    )


def flow_golden_q(prefix: str = "") -> Q:
    """A flow is on the golden path when both ends are approved tools and its pattern is
    an approved one."""
    return Q(
        **{
            f"{prefix}source__status": GoldenPath.APPROVED,
            f"{prefix}target__status": GoldenPath.APPROVED,
            f"{prefix}pattern__in": sorted(APPROVED_PATTERNS),
        }
    )


def golden_path_summary() -> dict[str, int]:
    """Flows in total and on the golden path, in one query."""
    return Flow.objects.aggregate(total=Count("pk"), golden=Count("pk", filter=flow_golden_q()))


# --- the integration map ------------------------------------------------------------------

EDGE_CLASS = {"up": "up", "down": "down", "new": "unknown", "paused": "unknown"}


@dataclass(slots=True)
class MapEdge:
    flow_id: int
    url: str
    path: str
    css: str
    title: str


@dataclass(slots=True)
class MapNode:
    tool_id: int
    url: str
    x: int
    y: int
    name: str
    css: str


@dataclass
class IntegrationMap:
    width: int
    height: int
    columns: list[tuple[int, str]]
    nodes: list[MapNode]
    edges: list[MapEdge]


def integration_map(*, golden_only: bool = False) -> IntegrationMap:
    """The map's drawing: tools in layer columns, one edge per flow classed by its
    monitor's state (up / down / unknown / unmonitored). Two queries whatever the size,
    neither ordered (the layout orders) and the golden-path filter (`flow_golden_q`)
    applied here from the tools' statuses, so the flow query joins the monitor only."""
    tool_rows = list(Tool.objects.order_by().values_list("pk", "name", "layer", "status"))
    flow_rows = list(
        Flow.objects.order_by().values_list(
            "pk", "source_id", "target_id", "pattern", "monitor__status", "objects_synced"
        )
    )
    if golden_only:
        approved = {pk for pk, _, _, status in tool_rows if status == GoldenPath.APPROVED}
        flow_rows = [
            row
            for row in flow_rows
            if row[1] in approved and row[2] in approved and row[3] in APPROVED_PATTERNS
        ]
    column = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    placed, width, height = maplayout.layered_layout(
        ((pk, column[layer]) for pk, _, layer, _ in tool_rows),
        ((s, t) for _, s, t, *_ in flow_rows),
        len(LAYER_ORDER),
    )
    names = {pk: name for pk, name, _, _ in tool_rows}
    tool_url = reverse("stack:tool_detail", args=[0]).removesuffix("0/")
    flow_url = reverse("stack:flow_detail", args=[0]).removesuffix("0/")
    nodes = [
        MapNode(pk, f"{tool_url}{pk}/", p.x, p.y, name, status)
        for pk, name, _, status in tool_rows
        for p in (placed[pk],)
    ]
    edge_path = maplayout.edge_path
    classes = {
        (status, pattern in APPROVED_PATTERNS): EDGE_CLASS.get(status, "unmonitored")
        + ("" if pattern in APPROVED_PATTERNS else " offpath")
        for status in (*EDGE_CLASS, "")
        for pattern in Pattern.values
    }
    edges = [
        MapEdge(
            pk,
            f"{flow_url}{pk}/",
            edge_path(placed[source], placed[target]),
            classes.get((status or "", pattern in APPROVED_PATTERNS), "unmonitored"),
            f"{names[source]} → {names[target]}: {objects} ({status or 'no monitor'})",
        )
        for pk, source, target, pattern, status, objects in flow_rows
    ]
    labels = [str(label) for label in Layer.labels]
    return IntegrationMap(width, height, maplayout.column_labels(labels), nodes, edges)


def integration_map_svg(drawing: IntegrationMap) -> str:
    """The drawing as SVG markup (every user text escaped in `maplayout.render_svg`)."""
    return maplayout.render_svg(
        width=drawing.width,
        height=drawing.height,
        columns=drawing.columns,
        nodes=((n.url, n.x, n.y, n.css, n.name) for n in drawing.nodes),
        edges=((e.flow_id, e.url, e.path, e.css, e.title) for e in drawing.edges),
    )


# --- contracts and renewals ---------------------------------------------------------------


def contracts() -> QuerySet[Contract]:
    """Contracts with their notice deadline computed in SQL (end of term − notice days)."""
    return Contract.objects.select_related("tool", "owner", "tool__owner").annotate(
        deadline=ExpressionWrapper(F("ends_on") - F("notice_days"), output_field=DateField())
    )


def renewals_between(start: date, end: date) -> QuerySet[Contract]:
    """Contracts whose notice deadline falls in [start, end], soonest first."""
    # `deadline` is contracts()' annotation, which the plugin cannot see.
    found = contracts().filter(deadline__gte=start, deadline__lte=end)  # type: ignore[misc]
    return found.order_by("deadline", "pk")


# --- licence utilisation ------------------------------------------------------------------


def utilisation_threshold() -> int:
    """Tools whose 30-day utilisation is below this percentage are flagged."""
    return int(getattr(settings, "STACK_UTILISATION_THRESHOLD", 70))


def utilisation(*, today: date) -> QuerySet[Tool]:
    """Every tool with a current contract or seats: seats bought (the current contract),
    assigned, active in the last 30 / 90 days, utilisation % (active 30 days ÷ bought),
    unused seats and their cost (annual cost × unused ÷ bought) — all computed in SQL."""
    # One grouped join over the current contract(s) and the seats: aggregates are cheap to
    # reference again below, where a correlated subquery would be re-run at each use.
    # Several current contracts of one tool count as the largest of them.
    qs = Tool.objects.select_related("owner").annotate(
        current=FilteredRelation("contracts", condition=Q(contracts__ends_on__gte=today)),
    )
    qs = qs.annotate(
        bought=Coalesce(Max("current__seats_bought"), Value(0)),
        annual_cost=Max("current__annual_cost"),
        currency=Max("current__currency"),
        assigned=Count("seats", distinct=True),
        active_30=Count(
            "seats",
            filter=Q(seats__last_active_on__gt=today - timedelta(days=30)),
            distinct=True,
        ),
        active_90=Count(
            "seats",
            filter=Q(seats__last_active_on__gt=today - timedelta(days=90)),
            distinct=True,
        ),
    )
    qs = qs.annotate(
        utilisation=Case(
            When(
                bought__gt=0,
                then=Cast(F("active_30"), FloatField()) * 100.0 / Cast(F("bought"), FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        ),
        unused=Greatest(F("bought") - F("active_30"), Value(0)),
    ).annotate(
        unused_cost=Case(
            When(
                bought__gt=0,
                then=ExpressionWrapper(
                    F("annual_cost") * F("unused") / F("bought"),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                ),
            ),
            default=None,
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        below=Case(
            When(utilisation__lt=utilisation_threshold(), then=Value(True)),
            default=Value(False),
        ),
    )
    return qs.filter(Q(bought__gt=0) | Q(assigned__gt=0)).order_by("utilisation", "name")


# --- access reviews -----------------------------------------------------------------------


def access_reviews() -> QuerySet[AccessReview]:
    """Reviews with their item counts and completion % (decided ÷ holders), in SQL."""
    qs = AccessReview.objects.select_related("tool__owner").annotate(
        holders=_count(AccessReviewItem, "review"),
        decided=_count(AccessReviewItem.objects.exclude(decision=""), "review"),
    )
    return qs.annotate(
        completion=Case(
            When(
                holders__gt=0,
                then=Cast(F("decided"), FloatField()) * 100.0 / Cast(F("holders"), FloatField()),
            ),
            default=Value(100.0),
            output_field=FloatField(),
        )
    )


# --- instrumentation inventory --------------------------------------------------------------


def instruments() -> QuerySet[Instrument]:
    """Inventory entries with their owner and destination tools (two queries a page)."""
    return Instrument.objects.select_related("owner").prefetch_related(
        Prefetch("destinations", queryset=Tool.objects.only("pk", "name", "status"))
    )


@dataclass
class UncoveredEvent:
    """An event some tracking plans name that the inventory has no entry for."""

    name: str
    requests: list[hooks.PlannedEvent]


@dataclass
class OffPathDestination:
    instrument: Instrument
    tool: Tool


@dataclass
class Coverage:
    """The instrumentation inventory against the tracking plans and the golden path."""

    planned: int  # distinct event names the tracking plans in play name
    uncovered: list[UncoveredEvent]
    unconsented_pixels: list[Instrument]
    off_path: list[OffPathDestination]

    @property
    def covered_share(self) -> float | None:
        """% of the planned event names that have an inventory entry."""
        if not self.planned:
            return None
        return round(100 * (self.planned - len(self.uncovered)) / self.planned, 1)


def instrumentation_coverage() -> Coverage:
    """Tracking-plan events with no inventory entry (an event of that name, any property,
    compared without case); pixels with no consent category; destinations of entries that
    are not approved tools. Three queries plus the tracking-plan providers'."""
    planned: dict[str, list[hooks.PlannedEvent]] = {}
    for event in hooks.planned_events():
        planned.setdefault(event.name.lower(), []).append(event)
    known = set(
        Instrument.objects.filter(kind=InstrumentKind.EVENT)
        .annotate(n=Lower("name"))
        .filter(n__in=list(planned))
        .values_list("n", flat=True)
    )
    uncovered = [
        UncoveredEvent(events[0].name, events)
        for key, events in sorted(planned.items())
        if key not in known
    ]
    pixels = list(
        Instrument.objects.select_related("owner")
        .filter(kind=InstrumentKind.PIXEL, consent_category="")
        .order_by("property", "name")
    )
    through = Instrument.destinations.through
    off_path = [
        OffPathDestination(row.instrument, row.tool)
        for row in through.objects.select_related("instrument", "tool")
        .exclude(tool__status=GoldenPath.APPROVED)
        .order_by("instrument__property", "instrument__name", "tool__name")
    ]
    return Coverage(len(planned), uncovered, pixels, off_path)
