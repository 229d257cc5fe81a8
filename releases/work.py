"""What releases needs from the work it schedules: intake requests and governance RFCs.

The one place that knows intake's and governance's names (fields, transitions, selectors),
so the rest of releases speaks of "channels of the work", "schedule it", "mark it live".
Both apps are to the left of releases, so importing them is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from governance.models import Rfc, RfcStatus
from governance.rfc import selectors as governance_selectors
from governance.rfc.models import SCHEDULERS as GOVERNANCE_RFC_SCHEDULERS
from governance.rfc.services import rfc_schedule as governance_rfc_schedule
from governance.rfc.services import rfc_transition
from intake.models import Request, Status
from intake.selectors import request_visible_to
from intake.services import request_release_step, request_transition
from mops.accounts.models import User
from releases.trains import schedule
from releases.trains.services import active_freeze_rules

# --- requests ---------------------------------------------------------------------------------

IN_QA = Status.IN_QA.value
SCHEDULED = Status.SCHEDULED.value
LIVE = Status.LIVE.value


def request_model() -> type[Request]:
    return Request


def request_channels(request: Request) -> list[str]:
    """The channels a request launches in: its service's channels."""
    return list(request.service.channels or [])


def request_change_type(request: Request) -> str:
    return request.service.change_type or ""


def request_status(request: Request) -> str:
    return str(request.status)


def request_is_in_qa(request: Request) -> bool:
    return request_status(request) == IN_QA


def request_rollback_plan(request: Request) -> str:
    """The rollback plan of the template version the request builds on (intake keeps none
    of its own); empty when the request uses no template."""
    version = request.template_version
    return str(version.rollback_plan or "") if version is not None else ""


def request_label(request: Request) -> str:
    return f"{request.reference} {request.title}".strip()


def request_url(request: Request) -> str:
    return request.get_absolute_url()


def requests_visible_to(user: Any) -> QuerySet[Request]:
    """intake's visibility rule (a requester sees their team's requests)."""
    return request_visible_to(user)


def _release_step(request: Request, name: str, actor: User, note: str) -> Request:
    """intake's release steps are system transitions: only this path takes them, and
    intake asks our departure gate (`hooks.departure_gate`) for the boarding behind each."""
    return request_release_step(request=request, name=name, actor=actor, note=note)


def request_schedule(*, request: Request, actor: User, note: str) -> Request:
    """in_qa → scheduled (the request is boarded on a departure)."""
    return _release_step(request, "schedule", actor, note)


def request_unschedule(*, request: Request, actor: User, note: str) -> Request:
    """scheduled → in_qa (taken off a departure)."""
    return _release_step(request, "unschedule", actor, note)


def request_go_live(*, request: Request, actor: User, note: str) -> Request:
    """scheduled → live (its departure landed it): stops the TTC clock."""
    return _release_step(request, "go_live", actor, note)


def request_is_scheduled(request: Request) -> bool:
    return request_status(request) == SCHEDULED


def request_roll_back(*, request: Request, actor: User, note: str) -> Request:
    """live → rolled_back (intake requires a note)."""
    return request_transition(request=request, name="roll_back", actor=actor, note=note)


# --- RFCs -------------------------------------------------------------------------------------


def emergency_rfc_for(start: datetime, end: datetime) -> Rfc | None:
    """An approved (or scheduled) emergency RFC whose desired window overlaps [start, end)."""
    return governance_selectors.rfc_emergency_approved_for(start, end)


def emergency_rfcs_between(start: datetime, end: datetime) -> list[Rfc]:
    """Every such RFC overlapping [start, end), earliest first (one query for a list)."""
    return list(governance_selectors.rfc_emergencies_approved_between(start, end))


def window_frozen(start: datetime, end: datetime, channels: Sequence[str]) -> bool:
    """Whether an active freeze touches [start, end) for work in `channels` (none named:
    any freeze). The boarding rule (`schedule.freezes_hitting`), registered as governance's
    freeze check (`governance.hooks.freeze_checks`) so `rfc_schedule` decides it itself."""
    return bool(schedule.freezes_hitting(active_freeze_rules(), start, end, channels or None))


def rfc_schedule(*, rfc: Rfc, actor: User, start: datetime, end: datetime, ref: str) -> Rfc:
    """approved → scheduled into the departure's window (governance re-checks the quorum
    and, through `window_frozen`, refuses a non-emergency high-risk RFC inside a freeze)."""
    return governance_rfc_schedule(
        rfc=rfc, actor=actor, window_start=start, window_end=end, window_ref=ref
    )


# governance's rule on who may schedule an RFC (PM and admin).
RFC_SCHEDULERS = GOVERNANCE_RFC_SCHEDULERS


def rfc_label(rfc: Rfc) -> str:
    return f"{rfc.reference} {rfc.title}".strip()


def rfcs_visible_to(user: Any) -> QuerySet[Rfc]:
    """governance's visibility rule for RFCs."""
    return governance_selectors.rfcs_visible_to(user)


def rfc_channels(rfc: Rfc) -> list[str]:
    return list(rfc.channels or [])


def rfc_is_schedulable(rfc: Rfc) -> bool:
    return str(rfc.status) == RfcStatus.APPROVED


def rfc_unschedule(*, rfc: Rfc, actor: User, note: str) -> Rfc:
    """scheduled → approved (taken off its departure; governance clears the window)."""
    return rfc_transition(rfc=rfc, name="unschedule", actor=actor, note=note)


def rfc_reschedule(*, rfc: Rfc, actor: User, start: datetime, end: datetime, ref: str) -> Rfc:
    """Move a scheduled RFC to another departure's window: governance has no "move", so
    unschedule then schedule again (its quorum and freeze rules are checked anew)."""
    rfc = rfc_unschedule(rfc=rfc, actor=actor, note=f"Moving to {ref}")
    return rfc_schedule(rfc=rfc, actor=actor, start=start, end=end, ref=ref)


def rfc_implement(*, rfc: Rfc, actor: User, note: str) -> Rfc:
    """scheduled → implemented (its departure went live)."""
    return rfc_transition(rfc=rfc, name="implement", actor=actor, note=note)


def rfc_roll_back(*, rfc: Rfc, actor: User, note: str) -> Rfc:
    """implemented → rolled_back (governance requires a note)."""
    return rfc_transition(rfc=rfc, name="roll_back", actor=actor, note=note)
