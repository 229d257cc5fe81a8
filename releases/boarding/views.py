"""Boarding pages: board a request or an RFC, and its next steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from catalog.models import Channel
from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, has_role
from mops.core.actors import actor_of
from mops.core.views import call_service
from releases import work
from releases.boarding import carriage
from releases.boarding import selectors as boarding_selectors
from releases.boarding import services as boarding_services
from releases.boarding.forms import BoardForm
from releases.common import BOARDERS, REFUSAL_LABELS
from releases.qa import selectors as qa_selectors
from releases.qa import services as qa_services
from releases.qa.models import ItemState, Phase
from releases.trains import services as trains_services
from releases.trains.models import Departure

# --- boarding a request -----------------------------------------------------------------------


def _verdict_rows(
    *,
    actor: User,
    checklist: boarding_services.BoardingCheck,
    now: datetime,
    request: Any = None,
    rfc: Any = None,
) -> dict[str, Any]:
    """The next 20 departures of trains that carry the work, each with every boarding
    rule's verdict, split into those it may board now and the refused ones. A refusal
    every refused departure shares (the checklist not passed, say) is stated once in
    `shared`, not on each row. Seats taken, freezes and the emergency RFCs over the listed
    span are read once for the list, not per departure."""
    own = work.request_channels(request) if request is not None else work.rfc_channels(rfc)
    kind = work.request_change_type(request) if request is not None else ""
    candidates = list(boarding_selectors.bookable_departures(own, change_type=kind, now=now)[:20])
    rules = trains_services.active_freeze_rules()
    emergencies = (
        work.emergency_rfcs_between(
            min(d.starts_at for d in candidates), max(d.ends_at for d in candidates)
        )
        if candidates
        else []
    )
    rows: list[dict[str, Any]] = []
    for departure in candidates:
        channels, change_type = boarding_services.work_channels(
            train=departure.train, request=request, rfc=rfc
        )
        checks, _, _ = boarding_services.boarding_checks(
            departure=departure,
            channels=channels,
            change_type=change_type,
            actor=actor,
            checklist_ok=checklist,
            now=now,
            taken=departure.seats_taken,  # type: ignore[attr-defined]  # annotated by the selector
            freeze_rules=rules,
            emergencies=emergencies,
        )
        rows.append({"departure": departure, "checks": checks, "ok": all(c.ok for c in checks)})
    refused = [r for r in rows if not r["ok"]]
    shared = [
        c
        for c in (refused[0]["checks"] if len(refused) > 1 else [])
        if not c.ok and all(c in r["checks"] for r in refused)
    ]
    for row in refused:
        row["reasons"] = [c for c in row["checks"] if not c.ok and c not in shared]
        # An admin may board inside a freeze by recording a reason (the service checks it).
        row["freeze_only"] = [c.rule for c in row["checks"] if not c.ok] == ["freeze"]
    return {
        "rows": rows,
        "eligible": [r for r in rows if r["ok"]],
        "refused": refused,
        "shared": shared,
        "rule": carriage.why(channels=own, change_type=kind),
    }


def _board_context(
    http: HttpRequest,
    checklist: boarding_services.BoardingCheck,
    *,
    request: Any = None,
    rfc: Any = None,
) -> dict[str, Any]:
    """What a boarding page shows of its work item (`request=` or `rfc=`): its label and
    channels, the departures' verdicts (`_verdict_rows`) and its current boarding."""
    if request is not None:
        label, channels = work.request_label(request), work.request_channels(request)
    else:
        label, channels = work.rfc_label(rfc), work.rfc_channels(rfc)
    verdicts = _verdict_rows(
        actor=actor_of(http), checklist=checklist, now=timezone.now(), request=request, rfc=rfc
    )
    return {
        "label": label,
        "channels": [Channel(c).label for c in channels if c in Channel.values],
        **verdicts,
        "boarding": boarding_selectors.current_boarding(request=request, rfc=rfc),
    }


def visible_request(request: HttpRequest, pk: int) -> Any:
    found = work.requests_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such request.")
    return found


class _BoardPage(RoleRequiredMixin, View):
    """A work item's boarding page: the candidate departures with every rule's verdict on
    GET, boarding through `_board` on POST. A subclass says how to find its item, what
    the page shows of it and how boarding it is announced."""

    template_name: str

    def item(self, request: HttpRequest, pk: int) -> Any:
        raise NotImplementedError

    def item_context(self, request: HttpRequest, item: Any) -> dict[str, Any]:
        raise NotImplementedError

    def board(self, request: HttpRequest, form: BoardForm, pk: int, item: Any) -> HttpResponse:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int, form: BoardForm | None = None) -> HttpResponse:
        context = self.item_context(request, self.item(request, pk))
        context.update(is_admin=has_role(request.user, ADMINS), form=form or BoardForm())
        return render(request, self.template_name, context, status=400 if form is not None else 200)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.item(request, pk)
        form = BoardForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        return self.board(request, form, pk, item)


class RequestBoardView(_BoardPage):
    """Board a request in QA onto a departure: the candidate departures with every rule's
    verdict, so the person sees why a departure is refused before trying."""

    read_roles = MOPS_STAFF
    write_roles = BOARDERS
    template_name = "releases/board.html"

    def item(self, request: HttpRequest, pk: int) -> Any:
        return visible_request(request, pk)

    def item_context(self, request: HttpRequest, item: Any) -> dict[str, Any]:
        checklist = boarding_services.preflight_verdict(item)
        context = _board_context(request, checklist, request=item)
        in_qa = work.request_is_in_qa(item)
        return {
            **context,
            "work_request": item,
            "checklist": checklist,
            "in_qa": in_qa,
            "can_board": in_qa and context["boarding"] is None,
        }

    def board(self, request: HttpRequest, form: BoardForm, pk: int, item: Any) -> HttpResponse:
        return _board(
            request,
            form,
            back=reverse("releases:request_board", args=[pk]),
            done="Boarded",
            request=item,
        )


def _board(
    http: HttpRequest, form: BoardForm, /, *, back: str, done: str, **work_item: Any
) -> HttpResponse:
    """Board the work item (`request=` or `rfc=`) on the form's departure through the one
    boarding service: "<done> <departure>." on success; a refusal names its rule
    ("Refused (freeze): …") on the page `back`."""
    departure = get_object_or_404(Departure, pk=form.cleaned_data["departure"])
    ok, _ = call_service(
        http,
        boarding_services.departure_board,
        field_map=REFUSAL_LABELS,
        departure=departure,
        actor=http.user,
        override_reason=form.cleaned_data.get("override_reason", ""),
        **work_item,
    )
    if not ok:
        return redirect(back)
    messages.success(http, f"{done} {departure}.")
    return redirect(departure.get_absolute_url())


def _visible_rfc(request: HttpRequest, pk: int) -> Any:
    found = work.rfcs_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such RFC.")
    return found


class RfcBoardView(_BoardPage):
    """Schedule an approved RFC on a departure: the next open departures of trains carrying
    its channels with every rule's verdict; boarding goes through the same service as the
    API, which schedules the RFC in governance (quorum and freeze re-checked there)."""

    read_roles = work.RFC_SCHEDULERS
    write_roles = work.RFC_SCHEDULERS
    template_name = "releases/rfc_board.html"

    def item(self, request: HttpRequest, pk: int) -> Any:
        return _visible_rfc(request, pk)

    def item_context(self, request: HttpRequest, item: Any) -> dict[str, Any]:
        checklist = boarding_services.BoardingCheck(
            "checklist", True, "RFCs carry their own approvals."
        )
        context = _board_context(request, checklist, rfc=item)
        schedulable = work.rfc_is_schedulable(item)
        return {
            **context,
            "rfc": item,
            "schedulable": schedulable,
            "can_board": schedulable and context["boarding"] is None,
        }

    def board(self, request: HttpRequest, form: BoardForm, pk: int, item: Any) -> HttpResponse:
        return _board(
            request,
            form,
            back=reverse("releases:rfc_board", args=[pk]),
            done=f"Scheduled {item.reference} on",
            rfc=item,
        )


def checklist_progress(runs: list[Any], phase: str = Phase.PREFLIGHT) -> tuple[int, int]:
    """(items done, items) over the runs of `phase`: passed or not applicable counts."""
    results = [r for run in runs if run.phase == phase for r in run.results.all()]
    done = sum(r.state in (ItemState.PASSED, ItemState.NOT_APPLICABLE) for r in results)
    return done, len(results)


def request_next_steps(work_request: Any, user: Any) -> list[dict[str, Any]]:
    """The request page's next step for its state (registered in intake.hooks): in QA, the
    checklist with its progress and "Board on a train" with the next eligible departures;
    scheduled, the departure it rides and where to mark it live. Only links the user may
    follow are given."""
    status = work.request_status(work_request)
    if status not in (work.IN_QA, work.SCHEDULED, work.LIVE):
        return []
    reads_qa = has_role(user, MOPS_STAFF | READ_EVERYTHING)
    reads_departures = has_role(user, READ_EVERYTHING)
    panels: list[dict[str, Any]] = []
    if status == work.IN_QA:
        qa_services.checklists_instantiate(request=work_request)
    runs = qa_selectors.checklist_runs_for(work_request)
    done, total = checklist_progress(runs)
    if status == work.IN_QA or total:
        passed = done == total
        panels.append(
            {
                "key": "checklist",
                "title": "QA checklist",
                "text": (
                    f"{done} of {total} items done" + (" — passed." if passed and total else ".")
                    if total
                    else "No pre-flight checklist applies to this service."
                ),
                "done": done,
                "total": total,
                "url": reverse("releases:request_qa", args=[work_request.pk]) if reads_qa else "",
                "label": "Open the QA checklist" if status == work.IN_QA else "QA checklist",
                "primary": status == work.IN_QA and not passed,
                "items": [],  # the template reads step.items: without it, dict.items() lists the keys
            }
        )
    if status == work.IN_QA:
        panels.append(_board_panel(work_request, user, reads_departures))
    boarding = boarding_selectors.current_boarding(request=work_request)
    if status == work.SCHEDULED and boarding is not None:
        departure = boarding.departure
        panels.append(
            {
                "key": "departure",
                "title": "On a train",
                "text": f"Boarded on {departure}. It goes live when the departure leaves and "
                "is marked live on its manifest.",
                "url": departure.get_absolute_url() if reads_departures else "",
                "label": "Open the departure",
                "primary": reads_departures and departure.starts_at <= timezone.now(),
                "items": [],
            }
        )
    return panels


def _board_panel(work_request: Any, user: Any, reads_departures: bool) -> dict[str, Any]:
    """The "Board on a train" step of a request in QA: the next eligible departures, or why
    none can take it."""
    checklist = boarding_services.preflight_verdict(work_request)
    verdicts = _verdict_rows(
        actor=user, checklist=checklist, now=timezone.now(), request=work_request
    )
    boards = has_role(user, BOARDERS)
    items = [
        (str(row["departure"]), row["departure"].get_absolute_url() if reads_departures else "")
        for row in verdicts["eligible"][:3]
    ]
    if items:
        text = "Next eligible departures:"
    elif not checklist.ok:
        text = f"{checklist.message} Then board one of the trains that carry it."
    elif verdicts["refused"]:
        text = "No departure can take it now: " + (
            " ".join(c.message for c in verdicts["shared"])
            or "see each departure's reason on the boarding page."
        )
    else:
        text = "No open departure of a train that carries it. " + verdicts["rule"]
    return {
        "key": "board",
        "title": "Board on a train",
        "text": text,
        "items": items,
        "url": reverse("releases:request_board", args=[work_request.pk]) if boards else "",
        "label": "Board on a train",
        "primary": bool(items) and boards,
    }


def rfc_board_link(rfc: Any, user: Any) -> tuple[str, str] | None:
    """The RFC page's "Schedule on a departure" link (registered in governance.hooks)."""
    if not work.rfc_is_schedulable(rfc) or not has_role(user, work.RFC_SCHEDULERS):
        return None
    return "Schedule on a departure", reverse("releases:rfc_board", args=[rfc.pk])
