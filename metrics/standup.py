"""The guide's "Pragmatic 30-60-90 to stand it up", evaluated from live data (#16).

`standup_evidence(started=...)` reads the records (a fixed handful of queries, reusing the
high-performing checklist's evidence); `standup_plan(evidence, started=..., today=...)`
turns it into the three phases' goals (pure: tested with hand-built histories). Every goal
says what was found, what is missing and where to do it; a goal past its phase's end and
not met is overdue. Day 1 is the install's start: `MOPS_INSTALL_STARTED` (a date) when set,
else the day the first account was created.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import Service, ServiceStatus, Template
from governance.enablement.selectors import playbooks_search

from .checklist import MET, MISSING, PARTIAL, checklist_evidence
from .models import RequestFact
from .stack.figures import golden_path_share as stack_golden_path_share

logger = logging.getLogger(__name__)
UNKNOWN = "not measurable yet"
AGING_DAYS = 14
AGING_DROP_TARGET = 30.0  # % down from day 1
GOLDEN_PATH_TARGET = 80.0
TOP_CAMPAIGN_TYPES = 5
RUNBOOK_TOPICS = ("lifecycle", "scoring", "routing")
PHASES = (
    (1, 30, "Days 1–30: Stabilize & Standardize"),
    (31, 60, "Days 31–60: Systematize"),
    (61, 90, "Days 61–90: Accelerate"),
)


@dataclass
class StandupEvidence:
    taxonomy_published: bool = False
    active_services: int = 0
    services_with_owner_team: int = 0
    owner_teams: int = 0
    submitted: int = 0
    qa_templates: int | None = None  # None: releases has no checklist templates model
    tue_thu_trains: int | None = None
    monitors_or_checks: int = 0
    launches_with_ttc: int = 0
    versioned_templates: int = 0
    runbook_topics: dict[str, bool] = field(default_factory=dict)  # topic -> with rollback
    golden_path_share: float | None = None  # None: the stack registry has no figure
    aging_day1: float | None = None  # % of open backlog older than 14 days, on day 1
    aging_now: float | None = None
    experiment_playbook: str = ""  # title of a playbook on minimum sample sizes
    attribution_coverage: float | None = None
    courses: int = 0


@dataclass
class Goal:
    key: str
    title: str
    status: str
    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    link: tuple[str, str] | None = None  # (label, url name) where to do it
    overdue: bool = False

    @property
    def url(self) -> str:
        return _url(self.link[1]) if self.link else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "overdue": self.overdue,
            "evidence": self.evidence,
            "missing": self.missing,
            "link": {"label": self.link[0], "url": self.url} if self.link else None,
        }


@dataclass
class Phase:
    title: str
    first_day: int
    last_day: int
    due: date
    goals: list[Goal]

    @property
    def met(self) -> int:
        return sum(1 for g in self.goals if g.status == MET)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except Exception:  # noqa: BLE001 - a page of an app that is not installed: no link
        return ""


# --- evidence (database) ------------------------------------------------------------------------


def install_started() -> date:
    """MOPS_INSTALL_STARTED when it is a date (a malformed one is logged and ignored), else
    the day the first account was created."""
    configured = str(getattr(settings, "MOPS_INSTALL_STARTED", "") or "").strip()
    if configured:
        try:
            return date.fromisoformat(configured)
        except ValueError:
            logger.warning("MOPS_INSTALL_STARTED=%r is not a YYYY-MM-DD date; ignored.", configured)
    first = get_user_model().objects.aggregate(first=Min("date_joined"))["first"]
    return timezone.localdate(first) if first else timezone.localdate()


def _aging_at(moment: datetime) -> float | None:
    """% of the backlog open at `moment` that had been waiting more than 14 days."""
    open_then = RequestFact.objects.filter(submitted_at__lte=moment).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=moment)
    )
    counts = open_then.aggregate(
        total=Count("pk"),
        aged=Count("pk", filter=Q(submitted_at__lte=moment - timedelta(days=AGING_DAYS))),
    )
    return round(100 * counts["aged"] / counts["total"], 1) if counts["total"] else None


def _model(label: str, name: str) -> Any:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def standup_evidence(*, started: date) -> StandupEvidence:
    base = checklist_evidence()
    services = Service.objects.filter(status=ServiceStatus.ACTIVE).aggregate(
        active=Count("pk"),
        owned=Count("pk", filter=Q(owner_team__isnull=False)),
        teams=Count("owner_team", distinct=True),
    )
    evidence = StandupEvidence(
        taxonomy_published=bool(base.taxonomy_published),
        active_services=services["active"],
        services_with_owner_team=services["owned"],
        owner_teams=services["teams"],
        submitted=base.submitted,
        monitors_or_checks=base.monitors_active + base.datasets_scheduled,
        launches_with_ttc=base.launches_with_ttc,
        versioned_templates=Template.objects.filter(current_version__isnull=False).count(),
        attribution_coverage=base.attribution_coverage,
        courses=_model("enablement", "Course")
        .objects.filter(modules__isnull=False)
        .distinct()
        .count(),
    )
    checklist_template = _model("releases", "ChecklistTemplate")
    if checklist_template is not None:
        evidence.qa_templates = checklist_template.objects.filter(
            current_version__isnull=False
        ).count()
    train = _model("releases", "Train")
    if train is not None:
        evidence.tue_thu_trains = (
            train.objects.filter(rrule__icontains="TU").filter(rrule__icontains="TH").count()
        )
    runbook = _model("governance", "Runbook")
    for topic in RUNBOOK_TOPICS:
        found = runbook.objects.filter(title__icontains=topic) if runbook else None
        if found is None or not found.exists():
            continue
        evidence.runbook_topics[topic] = found.filter(body__icontains="rollback").exists()
    hit = playbooks_search("minimum sample size").first()
    evidence.experiment_playbook = hit.title if hit else ""
    zone = timezone.get_current_timezone()
    day1 = datetime.combine(started + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    evidence.aging_day1 = _aging_at(day1)
    evidence.aging_now = _aging_at(timezone.now())
    evidence.golden_path_share = stack_golden_path_share()
    return evidence


# --- the plan (pure) -----------------------------------------------------------------------------


def _goal(key: str, title: str, met: bool, partial: bool, link: tuple[str, str], evidence: list[str], missing: list[str]) -> Goal:  # fmt: skip
    status = MET if met else PARTIAL if partial else MISSING
    return Goal(key, title, status, evidence, [] if met else missing, link)


def _phase1(e: StandupEvidence) -> list[Goal]:
    qa = e.qa_templates or 0
    trains = e.tue_thu_trains or 0
    return [
        _goal(
            "taxonomy_catalog", "Ship a one-page taxonomy and service catalog",
            e.taxonomy_published and e.active_services > 0,
            e.taxonomy_published or e.active_services > 0,
            ("Publish the taxonomy", "governance:taxonomy"),
            [f"Taxonomy {'published' if e.taxonomy_published else 'not published'}; "
             f"{e.active_services} active catalog service(s)."],
            [m for m, lack in (("Publish the campaign taxonomy.", not e.taxonomy_published),
                               ("Publish at least one catalog service.", not e.active_services)) if lack],
        ),
        _goal(
            "intake_slas", "Stand up intake with SLAs",
            e.active_services > 0 and e.submitted > 0, e.active_services > 0,
            ("Open the catalog", "catalog:service_list"),
            [f"{e.submitted} request(s) submitted in the last 90 days through the catalog."],
            ["No request has come in through intake yet."],
        ),
        _goal(
            "qa_train", "A QA checklist and a Tuesday/Thursday release train",
            qa > 0 and trains > 0, qa > 0 or trains > 0,
            ("Set up release trains", "releases:train_list"),
            [f"{qa} published QA checklist template(s); {trains} train(s) departing Tue and Thu."],
            [m for m, lack in (("Publish a QA checklist template.", not qa),
                               ("Create a train with FREQ=WEEKLY;BYDAY=TU,TH.", not trains)) if lack],
        ),
        _goal(
            "health_ttc", "Basic data-health monitors and a starter TTC figure",
            e.monitors_or_checks > 0 and e.launches_with_ttc > 0,
            e.monitors_or_checks > 0 or e.launches_with_ttc > 0,
            ("Add a monitor", "governance:monitor_list"),
            [f"{e.monitors_or_checks} active monitor(s) or scheduled contract check(s); "
             f"{e.launches_with_ttc} launch(es) with a measured TTC."],
            [m for m, lack in (("Add a heartbeat monitor or schedule contract checks.", not e.monitors_or_checks),
                               ("Ship a request to live so TTC is measured.", not e.launches_with_ttc)) if lack],
        ),
    ]  # fmt: skip


def _phase2(e: StandupEvidence) -> list[Goal]:
    topics = e.runbook_topics
    with_rollback = [t for t in RUNBOOK_TOPICS if topics.get(t)]
    goals = [
        _goal(
            "templates", "Top 5 recurring campaign types as versioned templates",
            e.versioned_templates >= TOP_CAMPAIGN_TYPES, e.versioned_templates > 0,
            ("Catalog templates", "catalog:template_list"),
            [f"{e.versioned_templates} template(s) with a published version."],
            [f"{TOP_CAMPAIGN_TYPES - e.versioned_templates} more versioned template(s)."],
        ),
        _goal(
            "runbooks", "Lifecycle, scoring and routing runbooks with rollback plans",
            len(with_rollback) == len(RUNBOOK_TOPICS), bool(topics),
            ("Runbooks", "governance:runbook_list"),
            [f"Runbooks found for: {', '.join(topics) or 'none'}; with a rollback plan: "
             f"{', '.join(with_rollback) or 'none'}."],
            [f"A '{t}' runbook with a rollback section." for t in RUNBOOK_TOPICS if t not in with_rollback],
        ),
    ]  # fmt: skip
    if e.golden_path_share is None:
        goals.append(
            Goal(
                "golden_path", "80% of new requests on the golden path", UNKNOWN,
                ["No request of a service with integration flows went live this quarter."],
                ["Register the stack's flows and the catalog services they carry."],
                ("Open the integration map", "stack:map"),
            )
        )  # fmt: skip
    else:
        goals.append(
            _goal(
                "golden_path", "80% of new requests on the golden path",
                e.golden_path_share >= GOLDEN_PATH_TARGET, e.golden_path_share > 0,
                ("Open the catalog", "catalog:service_list"),
                [f"{e.golden_path_share}% of the requests live this quarter (of services with "
                 "flows recorded) run only through golden-path flows."],
                [f"Reach {GOLDEN_PATH_TARGET:.0f}%."],
            )
        )  # fmt: skip
    goals.append(_aging_goal(e))
    return goals


def _aging_goal(e: StandupEvidence) -> Goal:
    title = "Backlog aging down 30% from day 1"
    link = ("Backlog", "intake:request_list")
    if e.aging_day1 is None or e.aging_now is None:
        return Goal("backlog_aging", title, UNKNOWN,
                    ["No backlog on day 1 or now to compare."], ["Requests in the backlog."], link)  # fmt: skip
    evidence = [
        f"Aged (> {AGING_DAYS} days) share of the backlog: {e.aging_day1}% on day 1, {e.aging_now}% now."
    ]
    if e.aging_day1 == 0:
        met = e.aging_now == 0
        return _goal("backlog_aging", title, met, False, link, evidence, ["Nothing was aged on day 1; keep it at 0%."])  # fmt: skip
    drop = round(100 * (e.aging_day1 - e.aging_now) / e.aging_day1, 1)
    evidence.append(f"Down {drop}% (target {AGING_DROP_TARGET:.0f}%).")
    return _goal("backlog_aging", title, drop >= AGING_DROP_TARGET, drop > 0, link, evidence,
                 [f"Work down the oldest requests: {AGING_DROP_TARGET - drop:.1f} points to go."])  # fmt: skip


def _phase3(e: StandupEvidence) -> list[Goal]:
    owned_all = e.active_services > 0 and e.services_with_owner_team == e.active_services
    return [
        _goal(
            "experimentation", "An experimentation playbook with minimum sample sizes",
            bool(e.experiment_playbook), False,
            ("Write a playbook", "enablement:playbook_create"),
            [f"Playbook: {e.experiment_playbook}." if e.experiment_playbook else "No playbook mentions minimum sample sizes."],
            ["A playbook on running experiments that states minimum sample sizes."],
        ),
        _goal(
            "attribution", "Attribution coverage wired",
            e.attribution_coverage is not None, False,
            ("Datasets", "governance:dataset_list"),
            [f"Attribution coverage {e.attribution_coverage}%." if e.attribution_coverage is not None
             else "No attribution coverage check has run on a contracted dataset."],
            ["Add a coverage check to the pipeline dataset's contract."],
        ),
        _goal(
            "hybrid", "Hub standards with embedded owners",
            owned_all and e.owner_teams >= 2 and e.courses > 0,
            e.services_with_owner_team > 0 or e.courses > 0,
            ("Training", "enablement:course_list"),
            [f"{e.services_with_owner_team} of {e.active_services} active service(s) have an owner team "
             f"({e.owner_teams} team(s)); {e.courses} course(s) teach the standards."],
            [m for m, lack in (("Give every active service an owner team.", not owned_all),
                               ("Owners from at least two teams (the hub and an embedded one).", e.owner_teams < 2),
                               ("A course that teaches the hub's standards.", not e.courses)) if lack],
        ),
    ]  # fmt: skip


def standup_plan(evidence: StandupEvidence, *, started: date, today: date) -> list[Phase]:
    """The three phases with their goals; a goal that is measurable, unmet and past its
    phase's last day is overdue."""
    phases = []
    for (first, last, title), goals in zip(
        PHASES, (_phase1(evidence), _phase2(evidence), _phase3(evidence)), strict=True
    ):
        due = started + timedelta(days=last - 1)
        for goal in goals:
            goal.overdue = goal.status not in (MET, UNKNOWN) and today > due
        phases.append(Phase(title, first, last, due, goals))
    return phases


def standup_day(*, started: date, today: date) -> int:
    """Day of the plan today (day 1 is the start)."""
    return (today - started).days + 1
