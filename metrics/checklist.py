""" "Are we high-performing yet?" — the guide's six-item checklist, evaluated from live data.

`checklist_evidence()` reads the records in a fixed handful of queries; `checklist_items()`
turns that evidence into the six verdicts (pure: testable with hand-made evidence). Each
item says what was found and what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from catalog.models import SelfServeCompletion, Service, ServiceStatus
from governance.models import (
    CheckResult,
    CheckRun,
    ContractStatus,
    Dataset,
    Monitor,
    MonitorStatus,
    Rotation,
    TaxonomyVersion,
)
from intake.models import OVERRIDE_LIVE, RequestEvent
from releases.boarding.models import Boarding, BoardingStatus
from releases.qa.models import ChecklistRun, Phase, RunStatus

from .models import ImpactReview, RequestFact
from .periods import period_previous

WINDOW_DAYS = 90
HEALTH_RUN_DAYS = 7
SHIPPED_VIA_TEMPLATE_TARGET = 80.0  # % of launches
ATTRIBUTION_TARGET = 90.0  # % of pipeline (the guide's bar)
SELF_SERVE_SERVICES_TARGET = 3
SELF_SERVE_SHARE_TARGET = 20.0  # % of fulfilled requests

MET, PARTIAL, MISSING = "met", "partial", "missing"


@dataclass
class ChecklistItem:
    key: str
    title: str
    status: str
    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def tally(self, value: object, *, found: str, absent: str, untracked: str = "") -> None:
        """`found` as evidence when `value` is there, else `absent` as missing; `untracked`
        as missing when `value` is None (the app holding that record type does not track it
        yet)."""
        if value is None and untracked:
            self.missing.append(untracked)
        elif value:
            self.evidence.append(found)
        else:
            self.missing.append(absent)


@dataclass
class Evidence:
    """What the records say (None: the app holding that record type does not track it yet)."""

    window_days: int = WINDOW_DAYS
    submitted: int = 0
    services_used: int = 0
    launches: int = 0
    launches_with_ttc: int = 0
    triage_decided: int = 0
    launches_with_template: int = 0
    launches_via_train: int | None = None  # release train + passed QA + rollback plan
    launches_overridden: int = 0  # went live by admin override, without a train
    self_serve_services: int = 0
    self_serve_launches: int = 0
    self_serve_completions: int = 0  # finished with no request at all
    taxonomy_published: bool | None = None
    contracts_published: int | None = None
    health_checks_recent: int | None = None
    monitors_alerting: int | None = None  # active monitors, when an alert rotation exists
    monitors_active: int = 0
    datasets_scheduled: int = 0
    attribution_coverage: float | None = None
    # the monthly impact review: acknowledged month (YYYY-MM) or "" when none recently;
    # None when not evaluated
    impact_reviewed: str | None = None


def checklist_evidence() -> Evidence:
    """Counts over the last 90 days of requests, the catalog and governance (fixed queries)."""
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    live = Q(live_at__gte=since)
    counts = RequestFact.objects.aggregate(
        submitted=Count("pk", filter=Q(submitted_at__gte=since)),
        services_used=Count("service", filter=Q(submitted_at__gte=since), distinct=True),
        launches=Count("pk", filter=live),
        launches_with_ttc=Count("pk", filter=live & Q(ttc_business_seconds__isnull=False)),
        triage_decided=Count("pk", filter=Q(triaged_at__gte=since, triage_met__isnull=False)),
        launches_with_template=Count("pk", filter=live & Q(with_template=True)),
        self_serve_launches=Count("pk", filter=live & Q(self_serve=True)),
    )
    trains = _train_launches(live)
    self_serve_services = Service.objects.filter(
        status=ServiceStatus.ACTIVE, self_serve=True
    ).count()
    self_serve_completions = SelfServeCompletion.objects.filter(completed_at__gte=since).count()
    taxonomy_published = TaxonomyVersion.objects.filter(is_active=True).exists()
    week = timezone.now() - timedelta(days=HEALTH_RUN_DAYS)
    contracted = Dataset.objects.filter(contract__status=ContractStatus.PUBLISHED)
    health = contracted.aggregate(
        contracts_published=Count("pk"),
        datasets_scheduled=Count("pk", filter=Q(enabled=True) & ~Q(schedule="")),
    )
    health_checks_recent = CheckRun.objects.filter(
        dataset__in=contracted, started_at__gte=week
    ).count()
    monitors_active = Monitor.objects.exclude(status=MonitorStatus.PAUSED).count()
    alert_rotations = Rotation.objects.filter(channels__enabled=True, members__isnull=False)
    has_alerts = alert_rotations.exists()
    # Latest attribution coverage per contracted dataset: the pipeline-value check when
    # stored, else the row-count one; 100 − % uncovered, averaged over datasets.
    latest = (
        CheckResult.objects.filter(
            kind__in=("coverage_value", "coverage"),
            value__isnull=False,
            run__dataset__in=contracted,
        )
        .order_by("run__dataset_id", "-kind", "-run__started_at", "-run_id")
        .distinct("run__dataset_id")
        .values_list("value", flat=True)
    )
    coverages = [100.0 - v for v in latest if v is not None]  # the filter keeps no NULL
    return Evidence(
        **counts,
        **health,
        **trains,
        self_serve_services=self_serve_services,
        self_serve_completions=self_serve_completions,
        taxonomy_published=taxonomy_published,
        health_checks_recent=health_checks_recent,
        monitors_alerting=monitors_active if has_alerts else 0,
        monitors_active=monitors_active,
        attribution_coverage=(round(sum(coverages) / len(coverages), 1) if coverages else None),
        impact_reviewed=impact_review_acknowledged(),
    )


def impact_review_acknowledged() -> str:
    """The newest of the last two completed months whose impact review leadership
    acknowledged ("YYYY-MM"), or "" — a month's review is due during the next month."""
    last = period_previous(timezone.localdate().replace(day=1), "month")
    months = [last, period_previous(last, "month")]
    month = (
        ImpactReview.objects.filter(month__in=months, acknowledged_at__isnull=False)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return f"{month:%Y-%m}" if month else ""


def _train_launches(live: Q) -> dict[str, int]:
    """Launches in the window that shipped on a release train with QA and rollback — landed
    by a departure (boarding marked live or rolled back), every pre-flight checklist run
    passed (at least one), a rollback plan on the template version, not an admin override —
    and the launches an admin overrode live (one query)."""
    request = OuterRef("request_id")
    landed = Boarding.objects.filter(
        request=request, status__in=[BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK]
    )
    preflight = ChecklistRun.objects.filter(request=request, phase=Phase.PREFLIGHT)
    overridden = RequestEvent.objects.filter(request=request, transition=OVERRIDE_LIVE)
    return (
        RequestFact.objects.filter(live)
        .annotate(
            landed=Exists(landed),
            qa_passed=Exists(preflight.filter(status=RunStatus.PASSED)),
            qa_open=Exists(preflight.exclude(status=RunStatus.PASSED)),
            overridden=Exists(overridden),
        )
        .aggregate(
            launches_via_train=Count(
                "pk",
                filter=Q(landed=True, qa_passed=True, qa_open=False, overridden=False)
                & ~Q(request__template_version__rollback_plan="")
                & Q(request__template_version__isnull=False),
            ),
            launches_overridden=Count("pk", filter=Q(overridden=True)),
        )
    )


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


ItemRule = Callable[[Evidence], ChecklistItem]
ITEMS: list[ItemRule] = []  # the checklist in order: one small function per item


def _item(rule: ItemRule) -> ItemRule:
    ITEMS.append(rule)
    return rule


def _settle(item: ChecklistItem, *, met: bool) -> ChecklistItem:
    """Met when its condition holds, partial when there is any evidence, else missing."""
    if met:
        item.status = MET
    elif item.evidence:
        item.status = PARTIAL
    return item


def checklist_items(e: Evidence) -> list[ChecklistItem]:
    """The six verdicts from the evidence."""
    return [rule(e) for rule in ITEMS]


@_item
def _taxonomy_contract(e: Evidence) -> ChecklistItem:
    item = ChecklistItem("taxonomy_contract", "Published taxonomy and data contract exist", MISSING)
    item.tally(
        e.taxonomy_published,
        found="An active campaign taxonomy version is published.",
        absent="No active campaign taxonomy version.",
        untracked="Campaign taxonomy is not tracked in mops yet (governance).",
    )
    item.tally(
        e.contracts_published,
        found=f"{e.contracts_published} published data contract(s).",
        absent="No published data contract.",
        untracked="Data contracts are not tracked in mops yet (governance).",
    )
    return _settle(item, met=bool(e.taxonomy_published and e.contracts_published))


@_item
def _intake_tracked(e: Evidence) -> ChecklistItem:
    days = e.window_days
    item = ChecklistItem(
        "intake_tracked",
        "All work enters through intake; TTC and SLA adherence are tracked",
        MISSING,
    )
    item.tally(
        e.submitted,
        found=f"{e.submitted} request(s) entered through intake in the last {days} days, "
        f"for {e.services_used} catalog service(s).",
        absent=f"No request was submitted through intake in the last {days} days.",
    )
    if e.launches:
        item.evidence.append(
            f"TTC measured for {e.launches_with_ttc} of {e.launches} launch(es) "
            f"({_pct(e.launches_with_ttc, e.launches)}%)."
        )
        if e.launches_with_ttc < e.launches:
            item.missing.append(
                f"{e.launches - e.launches_with_ttc} launch(es) have no acceptance, so no TTC."
            )
    else:
        item.missing.append(f"No launch in the last {days} days to measure TTC on.")
    item.tally(
        e.triage_decided,
        found=f"Triage SLA measured on {e.triage_decided} triage decision(s).",
        absent="No triage decision measured against its SLA.",
    )
    met = e.submitted and e.launches and e.launches_with_ttc == e.launches and e.triage_decided
    return _settle(item, met=bool(met))


@_item
def _templates_trains(e: Evidence) -> ChecklistItem:
    item = ChecklistItem(
        "templates_trains",
        "Campaigns ship via templates and release trains with QA and rollback",
        MISSING,
    )
    template_share = _pct(e.launches_with_template, e.launches)
    if e.launches:
        item.evidence.append(
            f"{e.launches_with_template} of {e.launches} launch(es) used an approved template "
            f"({template_share}%; target {SHIPPED_VIA_TEMPLATE_TARGET:g}%)."
        )
        if template_share < SHIPPED_VIA_TEMPLATE_TARGET:
            item.missing.append("Too few launches reuse an approved template.")
    else:
        item.missing.append(f"No launch in the last {e.window_days} days.")
    train_share = None
    if e.launches_via_train is None:
        item.missing.append("Release-train boarding with QA and rollback is not tracked yet.")
    elif e.launches:
        train_share = _pct(e.launches_via_train, e.launches)
        item.evidence.append(
            f"{e.launches_via_train} of {e.launches} launch(es) shipped on a release train with "
            f"passed QA and a rollback plan ({train_share}%)."
        )
        if train_share < SHIPPED_VIA_TEMPLATE_TARGET:
            item.missing.append(
                "Too few launches shipped via a release train with QA and rollback."
            )
    if e.launches_overridden:
        item.evidence.append(
            f"{e.launches_overridden} launch(es) went live by admin override, without a train."
        )
    met = (
        e.launches
        and template_share >= SHIPPED_VIA_TEMPLATE_TARGET
        and train_share is not None
        and train_share >= SHIPPED_VIA_TEMPLATE_TARGET
    )
    return _settle(item, met=bool(met))


@_item
def _monitoring(e: Evidence) -> ChecklistItem:
    item = ChecklistItem(
        "monitoring", "Data health and automation uptime are monitored with alerts", MISSING
    )
    if e.contracts_published:
        item.evidence.append(
            f"{e.datasets_scheduled} of {e.contracts_published} contracted dataset(s) have "
            "a check schedule."
        )
        if e.datasets_scheduled < e.contracts_published:
            item.missing.append("Schedule the checks of every contracted dataset.")
    else:
        item.missing.append("No dataset has a published data contract to check.")
    item.tally(
        e.health_checks_recent,
        found=f"{e.health_checks_recent} data-health check run(s) on contracted datasets in "
        f"the last {HEALTH_RUN_DAYS} days.",
        absent=f"No data-health check ran in the last {HEALTH_RUN_DAYS} days.",
        untracked="Data-health check results are not tracked in mops yet (governance).",
    )
    if e.monitors_alerting is None:
        item.missing.append("Heartbeat monitors are not tracked in mops yet (governance).")
    elif e.monitors_alerting:
        item.evidence.append(
            f"{e.monitors_alerting} heartbeat monitor(s) alert an on-call rotation with a "
            "notification channel."
        )
    elif e.monitors_active:
        item.missing.append("No on-call rotation with members and a notification channel to alert.")
    else:
        item.missing.append("No active heartbeat monitor.")
    met = (
        e.contracts_published
        and e.datasets_scheduled == e.contracts_published
        and e.health_checks_recent
        and e.monitors_alerting
    )
    return _settle(item, met=bool(met))


@_item
def _attribution(e: Evidence) -> ChecklistItem:
    item = ChecklistItem(
        "attribution",
        f"Attribution coverage above {ATTRIBUTION_TARGET:g}% of pipeline; impact is reviewed "
        "monthly",
        MISSING,
    )
    if e.attribution_coverage is None:
        item.missing.append(
            "No attribution-coverage check result on a contracted dataset (governance)."
        )
    else:
        item.evidence.append(
            f"Latest attribution coverage: {e.attribution_coverage:g}% (pipeline value where "
            "the contract names a value column, else rows; mean over contracted datasets)."
        )
        if e.attribution_coverage > ATTRIBUTION_TARGET:
            item.status = MET
        else:
            item.status = PARTIAL
            item.missing.append(f"Below {ATTRIBUTION_TARGET:g}%.")
    if e.impact_reviewed:
        item.evidence.append(f"Impact review of {e.impact_reviewed} acknowledged by leadership.")
    elif e.impact_reviewed is not None:
        item.missing.append(
            "No monthly impact review acknowledged for either of the last two months "
            "(Business impact → Monthly review)."
        )
        if item.status == MET:
            item.status = PARTIAL
    return item


@_item
def _self_serve(e: Evidence) -> ChecklistItem:
    item = ChecklistItem("self_serve", "Common tasks are self-serve", MISSING)
    fulfilled = e.launches + e.self_serve_completions
    share = _pct(e.self_serve_launches + e.self_serve_completions, fulfilled)
    item.evidence.append(
        f"{e.self_serve_services} active self-serve service(s) in the catalog "
        f"(target {SELF_SERVE_SERVICES_TARGET})."
    )
    if e.self_serve_services < SELF_SERVE_SERVICES_TARGET:
        item.missing.append("Publish more self-serve services for the common tasks.")
    if fulfilled:
        item.evidence.append(
            f"{share}% of fulfilled work was self-served ({e.self_serve_completions} task(s) "
            f"finished with no ticket; target {SELF_SERVE_SHARE_TARGET:g}%)."
        )
        if share < SELF_SERVE_SHARE_TARGET:
            item.missing.append("Too little work is finished through self-serve.")
    met = (
        e.self_serve_services >= SELF_SERVE_SERVICES_TARGET
        and fulfilled
        and share >= SELF_SERVE_SHARE_TARGET
    )
    # partial here means "a self-serve service exists" (its evidence line is always there)
    if met:
        item.status = MET
    elif e.self_serve_services:
        item.status = PARTIAL
    return item


def checklist_evaluate() -> list[ChecklistItem]:
    return checklist_items(checklist_evidence())
