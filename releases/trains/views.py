"""Release pages: calendar, trains, departure manifests, boarding, QA checklists, freezes,
checklist templates, the experiment register and the iCalendar feeds. Thin: parse, call a
service, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from catalog.models import Channel
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, ALL_ROLES, MOPS_STAFF, READ_EVERYTHING, has_role, user_roles
from mops.core.lifecycle import TransitionError
from mops.core.uploads import attachment_response

from . import carriage, schedule, selectors, services, work
from .filters import ChecklistTemplateFilter, ExperimentFilter, FreezeFilter, TrainFilter
from .forms import (
    BoardForm,
    ChecklistPublishForm,
    ChecklistTemplateForm,
    DepartureEditForm,
    ExperimentForm,
    ExperimentTransitionForm,
    FreezeForm,
    ItemResultForm,
    PreflightForm,
    TrainForm,
    item_lines,
)
from .ical import freezes_feed, train_feed
from .models import (
    Boarding,
    ChecklistTemplate,
    Departure,
    DepartureStatus,
    Experiment,
    Freeze,
    ItemResult,
    ItemState,
    Phase,
    PreflightStatus,
    Train,
)

PREFLIGHT_PENDING = (PreflightStatus.QUEUED, PreflightStatus.RUNNING)


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, texts in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, exc.messages)


def _flash_error(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, services.BoardingRefused):
        messages.error(request, f"Refused ({exc.rule}): {exc.reason}")
    elif isinstance(exc, ValidationError):
        texts = (
            [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        messages.error(request, " ".join(texts))
    elif isinstance(exc, TransitionError):
        messages.error(request, exc.message)
    else:
        messages.error(request, str(exc))


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- calendar ---------------------------------------------------------------------------------


class CalendarView(RoleRequiredMixin, View):
    """Month or week view of departures (with what is on them) and freezes; feed URLs."""

    read_roles = READ_EVERYTHING
    write_roles = READ_EVERYTHING  # rotating one's own feed token

    def get(self, request: HttpRequest) -> HttpResponse:
        mode = request.GET.get("mode", "month")
        anchor = _parse_date(request.GET.get("date")) or timezone.localdate()
        train_ids = None
        raw_train = request.GET.get("train", "")
        if raw_train.isdigit():
            train_ids = [int(raw_train)]
        view = selectors.calendar_view(
            mode=mode,
            anchor=anchor,
            tz_name=timezone.get_current_timezone_name(),
            train_ids=train_ids,
        )
        token = selectors.FeedToken.objects.filter(user=request.user).first()
        all_trains = list(selectors.trains().filter(active=True))
        feeds = []
        if token is not None:
            base = request.build_absolute_uri("/")[:-1]
            feeds = [
                (t.name, base + reverse("releases:train_feed", args=[token.key, t.pk]))
                for t in all_trains
            ]
            feeds.append(("Freezes", base + reverse("releases:freezes_feed", args=[token.key])))
        # Calendar apps subscribe from a webcal: link (same address, the app's scheme).
        feeds = [(name, url, "webcal://" + url.split("://", 1)[1]) for name, url in feeds]
        return render(
            request,
            "releases/calendar.html",
            {
                "view": view,
                "trains": all_trains,
                "train_id": train_ids[0] if train_ids else None,
                "feeds": feeds,
                "has_token": token is not None,
                "today": timezone.localdate(),
                "waiting": selectors.requests_waiting_to_board(),
                "can_board": has_role(request.user, services.BOARDERS),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        services.feed_token_rotate(user=request.user)
        messages.success(request, "New feed address issued; the old one no longer works.")
        return redirect(reverse("releases:calendar") + "#feeds")


# --- trains -----------------------------------------------------------------------------------


class TrainListView(RoleRequiredMixin, ListView):
    template_name = "releases/train_list.html"
    read_roles = MOPS_STAFF | READ_EVERYTHING
    paginate_by = 50

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = TrainFilter(self.request.GET, queryset=selectors.trains())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = has_role(self.request.user, services.TRAIN_EDITORS)
        return context


class TrainDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        train = get_object_or_404(selectors.trains(), slug=slug)
        upcoming = list(
            selectors.departures()
            .filter(train=train, ends_at__gte=timezone.now())
            .order_by("starts_at")[:30]
        )
        return render(
            request,
            "releases/train_detail.html",
            {
                "train": train,
                "departures": upcoming,
                "frozen": selectors.frozen_map(upcoming),
                "can_edit": has_role(request.user, services.TRAIN_EDITORS),
            },
        )


def _train_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if k != "version"}
    fields["channels"] = list(fields.get("channels") or [])
    return fields


class TrainFormView(RoleRequiredMixin, View):
    read_roles = services.TRAIN_EDITORS
    write_roles = services.TRAIN_EDITORS

    def _train(self, slug: str | None) -> Train | None:
        return get_object_or_404(Train, slug=slug) if slug else None

    def get(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        train = self._train(slug)
        initial: dict[str, Any] = {"first_date": timezone.localdate()}
        if train is not None:
            initial = {f: getattr(train, f) for f in services.TRAIN_FIELDS if f != "owner"}
            initial["version"] = train.version
        form = TrainForm(initial=initial)
        return render(request, "releases/train_form.html", {"form": form, "train": train})

    def post(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        train = self._train(slug)
        form = TrainForm(request.POST)
        if form.is_valid():
            fields = _train_fields(form.cleaned_data)
            try:
                if train is None:
                    train = services.train_create(actor=request.user, owner=request.user, **fields)
                else:
                    train = services.train_update(
                        train=train,
                        actor=request.user,
                        expected_version=form.cleaned_data.get("version"),
                        **fields,
                    )
                messages.success(request, f"Saved {train.name}.")
                return redirect(train.get_absolute_url())
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except services.StaleVersion as exc:
                form.add_error(None, str(exc.detail))
        return render(
            request, "releases/train_form.html", {"form": form, "train": train}, status=400
        )


# --- departures -------------------------------------------------------------------------------


class DepartureDetailView(RoleRequiredMixin, View):
    """The manifest: what is on the departure, move to next, remove, mark live / rolled back,
    and the departure's own edits (move, capacity, cancel, close boarding)."""

    read_roles = READ_EVERYTHING
    write_roles = MOPS_STAFF
    action_roles = {
        "edit": services.DEPARTURE_EDITORS,
        "transition": MOPS_STAFF,
        "move_next": services.BOARDERS,
        "remove": services.BOARDERS,
        "live": services.LAUNCHERS,
        "rolled_back": services.LAUNCHERS,
    }

    def _departure(self, pk: int) -> Departure:
        return get_object_or_404(selectors.departures(with_manifest=True), pk=pk)

    def get(self, request: HttpRequest, pk: int, form: forms.Form | None = None) -> HttpResponse:
        departure = self._departure(pk)
        tz = schedule.zone(departure.train.time_zone)
        edit_form = form or DepartureEditForm(
            initial={
                "capacity": departure.capacity,
                "note": departure.note,
                "version": departure.version,
                "starts_at": departure.starts_at.astimezone(tz).replace(tzinfo=None),
            }
        )
        return render(
            request,
            "releases/departure_detail.html",
            {
                "departure": departure,
                "rows": selectors.manifest_rows(departure),
                "frozen": selectors.frozen_map([departure]).get(departure.pk, []),
                "transitions": Departure.lifecycle.available(
                    state=departure.status, roles=user_roles(request.user)
                ),
                "next_departure": services.departure_next(departure),
                "edit_form": edit_form,
                "can_edit": has_role(request.user, services.DEPARTURE_EDITORS),
                "can_board": has_role(request.user, services.BOARDERS),
                "has_left": services.departure_has_left(departure),
                "waiting": selectors.requests_waiting_to_board(train=departure.train)
                if departure.status == DepartureStatus.OPEN
                else [],
                "now": timezone.now(),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        departure = self._departure(pk)
        action = request.POST.get("action", "")
        try:
            if action == "edit":
                form = DepartureEditForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, form=form)
                starts_at = form.cleaned_data.get("starts_at")
                if starts_at is not None:
                    tz = schedule.zone(departure.train.time_zone)
                    starts_at = schedule.localize(starts_at.replace(tzinfo=None), tz)
                services.departure_update(
                    departure=departure,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    starts_at=starts_at,
                    capacity=form.cleaned_data.get("capacity"),
                    note=form.cleaned_data.get("note"),
                )
                messages.success(request, "Departure updated.")
            elif action == "transition":
                services.departure_transition(
                    departure=departure,
                    name=request.POST.get("name", ""),
                    actor=request.user,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, "Departure updated.")
            elif action in ("move_next", "remove", "live", "rolled_back"):
                boarding = get_object_or_404(
                    Boarding, pk=request.POST.get("boarding") or 0, departure=departure
                )
                note = request.POST.get("note", "")
                if action == "move_next":
                    moved = services.boarding_move(boarding=boarding, actor=request.user)
                    messages.success(request, f"Moved to {moved.departure}.")
                elif action == "remove":
                    services.boarding_remove(boarding=boarding, actor=request.user, note=note)
                    messages.success(request, "Taken off the departure.")
                else:
                    services.boarding_mark(
                        boarding=boarding, outcome=action, actor=request.user, note=note
                    )
                    messages.success(request, f"Marked {action.replace('_', ' ')}.")
            else:
                messages.error(request, f"Unknown action '{action}'.")
        except services.StaleVersion as exc:
            messages.error(request, str(exc.detail))
        except (ValidationError, TransitionError) as exc:
            _flash_error(request, exc)
        return redirect(departure.get_absolute_url())


# --- boarding a request -----------------------------------------------------------------------


def _verdict_rows(
    *,
    actor: Any,
    checklist: services.BoardingCheck,
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
    candidates = list(selectors.bookable_departures(own, change_type=kind, now=now)[:20])
    rules = services.active_freeze_rules()
    emergencies = (
        work.emergency_rfcs_between(
            min(d.starts_at for d in candidates), max(d.ends_at for d in candidates)
        )
        if candidates
        else []
    )
    rows = []
    for departure in candidates:
        channels, change_type = services.work_channels(
            train=departure.train, request=request, rfc=rfc
        )
        checks, _, _ = services.boarding_checks(
            departure=departure,
            channels=channels,
            change_type=change_type,
            actor=actor,
            checklist_ok=checklist,
            now=now,
            taken=departure.seats_taken,
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


def _visible_request(request: HttpRequest, pk: int) -> Any:
    found = work.requests_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such request.")
    return found


class RequestBoardView(RoleRequiredMixin, View):
    """Board a request in QA onto a departure: the candidate departures with every rule's
    verdict, so the person sees why a departure is refused before trying."""

    read_roles = MOPS_STAFF
    write_roles = services.BOARDERS

    def get(self, request: HttpRequest, pk: int, form: BoardForm | None = None) -> HttpResponse:
        work_request = _visible_request(request, pk)
        channels = work.request_channels(work_request)
        now = timezone.now()
        checklist = services.preflight_verdict(work_request)
        verdicts = _verdict_rows(
            actor=request.user, checklist=checklist, now=now, request=work_request
        )
        boarding = selectors.boarding_for_request(work_request)
        return render(
            request,
            "releases/board.html",
            {
                "work_request": work_request,
                "label": work.request_label(work_request),
                "channels": [Channel(c).label for c in channels if c in Channel.values],
                **verdicts,
                "checklist": checklist,
                "boarding": boarding,
                "in_qa": work.request_is_in_qa(work_request),
                "can_board": work.request_is_in_qa(work_request) and boarding is None,
                "is_admin": has_role(request.user, ADMINS),
                "form": form or BoardForm(),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        work_request = _visible_request(request, pk)
        form = BoardForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        departure = get_object_or_404(Departure, pk=form.cleaned_data["departure"])
        try:
            services.departure_board(
                departure=departure,
                request=work_request,
                actor=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except (ValidationError, TransitionError) as exc:
            _flash_error(request, exc)
            return redirect(reverse("releases:request_board", args=[pk]))
        messages.success(request, f"Boarded {departure}.")
        return redirect(departure.get_absolute_url())


def _visible_rfc(request: HttpRequest, pk: int) -> Any:
    found = work.rfcs_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such RFC.")
    return found


class RfcBoardView(RoleRequiredMixin, View):
    """Schedule an approved RFC on a departure: the next open departures of trains carrying
    its channels with every rule's verdict; boarding goes through the same service as the
    API, which schedules the RFC in governance (quorum and freeze re-checked there)."""

    read_roles = work.RFC_SCHEDULERS
    write_roles = work.RFC_SCHEDULERS

    def get(self, request: HttpRequest, pk: int, form: BoardForm | None = None) -> HttpResponse:
        rfc = _visible_rfc(request, pk)
        channels = work.rfc_channels(rfc)
        now = timezone.now()
        checklist = services.BoardingCheck("checklist", True, "RFCs carry their own approvals.")
        verdicts = _verdict_rows(actor=request.user, checklist=checklist, now=now, rfc=rfc)
        boarding = selectors.boarding_for_rfc(rfc)
        return render(
            request,
            "releases/rfc_board.html",
            {
                "rfc": rfc,
                "label": work.rfc_label(rfc),
                "channels": [Channel(c).label for c in channels if c in Channel.values],
                **verdicts,
                "boarding": boarding,
                "schedulable": work.rfc_is_schedulable(rfc),
                "can_board": work.rfc_is_schedulable(rfc) and boarding is None,
                "is_admin": has_role(request.user, ADMINS),
                "form": form or BoardForm(),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = _visible_rfc(request, pk)
        form = BoardForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        departure = get_object_or_404(Departure, pk=form.cleaned_data["departure"])
        try:
            services.departure_board(
                departure=departure,
                rfc=rfc,
                actor=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except (ValidationError, TransitionError, PermissionDenied) as exc:
            _flash_error(request, exc)
            return redirect(reverse("releases:rfc_board", args=[pk]))
        messages.success(request, f"Scheduled {rfc.reference} on {departure}.")
        return redirect(departure.get_absolute_url())


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
        services.checklists_instantiate(request=work_request)
    runs = selectors.checklist_runs_for(work_request)
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
        checklist = services.preflight_verdict(work_request)
        verdicts = _verdict_rows(
            actor=user, checklist=checklist, now=timezone.now(), request=work_request
        )
        boards = has_role(user, services.BOARDERS)
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
        panels.append(
            {
                "key": "board",
                "title": "Board on a train",
                "text": text,
                "items": items,
                "url": reverse("releases:request_board", args=[work_request.pk]) if boards else "",
                "label": "Board on a train",
                "primary": bool(items) and boards,
            }
        )
    boarding = selectors.boarding_for_request(work_request)
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


def rfc_board_link(rfc: Any, user: Any) -> tuple[str, str] | None:
    """The RFC page's "Schedule on a departure" link (registered in governance.hooks)."""
    if not work.rfc_is_schedulable(rfc) or not has_role(user, work.RFC_SCHEDULERS):
        return None
    return "Schedule on a departure", reverse("releases:rfc_board", args=[rfc.pk])


# --- QA checklists ----------------------------------------------------------------------------


class RequestQaView(RoleRequiredMixin, View):
    """A request's checklist runs: tick items with evidence, run automated checks.
    Runs are instantiated here if the in-QA hook has not done it yet."""

    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = services.CHECKERS

    def get(self, request: HttpRequest, pk: int, status: int = 200) -> HttpResponse:
        work_request = _visible_request(request, pk)
        if work.request_status(work_request) in (work.IN_QA,):
            services.checklists_instantiate(request=work_request)
        runs = selectors.checklist_runs_for(work_request)
        recent = list(selectors.preflight_runs().filter(request=work_request)[:10])
        # The live part alone when its own poll asks (htmx), the whole page otherwise.
        polled = getattr(request, "htmx", False) and request.htmx.target == "qa-live"
        return render(
            request,
            "releases/_qa_live.html" if polled else "releases/request_qa.html",
            {
                "work_request": work_request,
                "label": work.request_label(work_request),
                "runs": runs,
                "preflight_form": PreflightForm(),
                "recent": recent,
                "pending": [p for p in recent if p.status in PREFLIGHT_PENDING],
                "can_check": has_role(request.user, services.CHECKERS),
                "can_board": has_role(request.user, services.BOARDERS),
                "rollback_plan": work.request_rollback_plan(work_request),
                "verdict": services.preflight_verdict(work_request),
            },
            status=status,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        work_request = _visible_request(request, pk)
        action = request.POST.get("action", "")
        try:
            if action == "tick":
                result = get_object_or_404(
                    ItemResult, pk=request.POST.get("result") or 0, run__request=work_request
                )
                form = ItemResultForm(request.POST, request.FILES)
                if not form.is_valid():
                    _flash_error(request, ValidationError(form.errors))
                else:
                    services.item_result_record(
                        result=result,
                        actor=request.user,
                        state=form.cleaned_data["state"],
                        evidence_link=form.cleaned_data.get("evidence_link") or "",
                        evidence_file=form.cleaned_data.get("evidence_file"),
                        evidence_note=form.cleaned_data.get("evidence_note") or "",
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, "Checklist item recorded.")
            elif action == "preflight":
                form = PreflightForm(request.POST)
                if not form.is_valid():
                    _flash_error(request, ValidationError(form.errors))
                else:
                    item_result = None
                    if form.cleaned_data.get("item_result"):
                        item_result = get_object_or_404(
                            ItemResult,
                            pk=form.cleaned_data["item_result"],
                            run__request=work_request,
                        )
                    services.preflight_start(
                        request=work_request,
                        actor=request.user,
                        check=form.cleaned_data["check"],
                        html=form.cleaned_data.get("html", ""),
                        urls=form.url_list(),
                        item_result=item_result,
                    )
                    messages.success(
                        request, "Check queued; this page updates itself when it ends."
                    )
            else:
                messages.error(request, f"Unknown action '{action}'.")
        except services.StaleVersion as exc:
            messages.error(request, str(exc.detail))
        except (ValidationError, TransitionError, PermissionDenied) as exc:
            _flash_error(request, exc)
        return redirect(reverse("releases:request_qa", args=[pk]))


class EvidenceDownloadView(RoleRequiredMixin, View):
    """One evidence file, as an inert attachment; 404 unless its request is visible (so its
    requester's team may download it too)."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        visible = work.requests_visible_to(request.user).values("pk")
        result = get_object_or_404(ItemResult, pk=pk, run__request__in=visible)
        return attachment_response(
            result.evidence_file, filename=result.evidence_filename or "evidence"
        )


# --- checklist templates ----------------------------------------------------------------------


class TemplateListView(RoleRequiredMixin, ListView):
    template_name = "releases/template_list.html"
    read_roles = MOPS_STAFF | READ_EVERYTHING
    paginate_by = 50

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = ChecklistTemplateFilter(
            self.request.GET, queryset=selectors.checklist_templates()
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = has_role(self.request.user, services.TEMPLATE_EDITORS)
        return context


class TemplateCreateView(RoleRequiredMixin, View):
    read_roles = services.TEMPLATE_EDITORS
    write_roles = services.TEMPLATE_EDITORS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "releases/template_form.html", {"form": ChecklistTemplateForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ChecklistTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = services.checklist_template_create(
                    actor=request.user, **form.cleaned_data
                )
                return redirect(reverse("releases:template_detail", args=[template.slug]))
            except ValidationError as exc:
                _errors_to_form(form, exc)
        return render(request, "releases/template_form.html", {"form": form}, status=400)


class TemplateDetailView(RoleRequiredMixin, View):
    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = services.TEMPLATE_EDITORS

    def _template(self, slug: str) -> ChecklistTemplate:
        return get_object_or_404(ChecklistTemplate, slug=slug)

    def get(self, request: HttpRequest, slug: str, form: forms.Form | None = None) -> HttpResponse:
        template = self._template(slug)
        versions = list(template.versions.select_related("created_by").prefetch_related("items"))
        current = template.current_version
        items = list(current.items.all()) if current else []
        return render(
            request,
            "releases/template_detail.html",
            {
                "template": template,
                "versions": versions,
                "items": items,
                "form": form or ChecklistPublishForm(initial={"items": item_lines(items)}),
                "can_edit": has_role(request.user, services.TEMPLATE_EDITORS),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = self._template(slug)
        form = ChecklistPublishForm(request.POST)
        if form.is_valid():
            try:
                version = services.checklist_template_publish(
                    template=template,
                    actor=request.user,
                    items=form.cleaned_data["items"],
                    changelog=form.cleaned_data["changelog"],
                )
                messages.success(request, f"Published version {version.number}.")
                return redirect(reverse("releases:template_detail", args=[slug]))
            except ValidationError as exc:
                _errors_to_form(form, exc)
        return self.get(request, slug, form=form)


# --- freezes ----------------------------------------------------------------------------------


class FreezeListView(RoleRequiredMixin, ListView):
    template_name = "releases/freeze_list.html"
    read_roles = READ_EVERYTHING
    paginate_by = 50

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = FreezeFilter(self.request.GET, queryset=selectors.freezes())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = has_role(self.request.user, services.FREEZE_EDITORS)
        return context


def _freeze_fields(data: dict[str, Any]) -> dict[str, Any]:
    tz = schedule.zone(data.get("time_zone") or "UTC")
    fields = {
        key: data.get(key)
        for key in ("name", "reason", "kind", "time_zone", "rrule", "first_date", "start_time")
    }
    fields["reason"] = fields["reason"] or ""
    fields["rrule"] = fields["rrule"] or ""
    fields["channels"] = list(data.get("channels") or [])
    fields["duration_minutes"] = data.get("duration_minutes")
    fields["active"] = bool(data.get("active"))
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    fields["starts_at"] = datetime.combine(starts_on, time(0), tzinfo=tz) if starts_on else None
    fields["ends_at"] = (
        datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=tz) if ends_on else None
    )
    if fields["kind"] == Freeze.Kind.ONE_OFF:
        fields.update(rrule="", first_date=None, start_time=None, duration_minutes=None)
    else:
        fields.update(starts_at=None, ends_at=None)
    return fields


class FreezeFormView(RoleRequiredMixin, View):
    read_roles = services.FREEZE_EDITORS
    write_roles = services.FREEZE_EDITORS

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        freeze = get_object_or_404(Freeze, pk=pk) if pk else None
        initial: dict[str, Any] = {}
        if freeze is not None:
            tz = schedule.zone(freeze.time_zone)
            initial = {f: getattr(freeze, f) for f in services.FREEZE_FIELDS}
            initial["version"] = freeze.version
            if freeze.starts_at:
                initial["starts_on"] = freeze.starts_at.astimezone(tz).date()
            if freeze.ends_at:
                initial["ends_on"] = (freeze.ends_at.astimezone(tz) - timedelta(seconds=1)).date()
        return render(
            request,
            "releases/freeze_form.html",
            {"form": FreezeForm(initial=initial), "freeze": freeze},
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        freeze = get_object_or_404(Freeze, pk=pk) if pk else None
        if freeze is not None and request.POST.get("action") == "delete":
            services.freeze_delete(freeze=freeze, actor=request.user)
            messages.success(request, "Freeze deleted.")
            return redirect("releases:freeze_list")
        form = FreezeForm(request.POST)
        if form.is_valid():
            try:
                fields = _freeze_fields(form.cleaned_data)
                if freeze is None:
                    services.freeze_create(actor=request.user, **fields)
                else:
                    services.freeze_update(
                        freeze=freeze,
                        actor=request.user,
                        expected_version=form.cleaned_data.get("version"),
                        **fields,
                    )
                messages.success(request, "Freeze saved.")
                return redirect("releases:freeze_list")
            except schedule.ScheduleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except services.StaleVersion as exc:
                form.add_error(None, str(exc.detail))
        return render(
            request, "releases/freeze_form.html", {"form": form, "freeze": freeze}, status=400
        )


# --- experiments ------------------------------------------------------------------------------


class ExperimentListView(RoleRequiredMixin, ListView):
    """The experiment register with its filters (the metrics dashboard links here)."""

    template_name = "releases/experiment_list.html"
    read_roles = services.EXPERIMENT_READERS
    paginate_by = 50

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = ExperimentFilter(self.request.GET, queryset=selectors.experiments())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = has_role(self.request.user, services.EXPERIMENT_EDITORS)
        return context


def _experiment_work(experiment: Experiment) -> tuple[str, str]:
    """(label, url) of the intake request linked to the experiment, or empty strings."""
    if experiment.request_id is None:
        return "", ""
    return work.request_label(experiment.request), work.request_url(experiment.request)


class ExperimentDetailView(RoleRequiredMixin, View):
    """One experiment: design and required sample, outcome, its event timeline, and the
    lifecycle buttons (concluding asks for the result, learnings and observed sample)."""

    read_roles = services.EXPERIMENT_READERS
    write_roles = services.EXPERIMENT_EDITORS

    def get(
        self, request: HttpRequest, pk: int, form: ExperimentTransitionForm | None = None
    ) -> HttpResponse:
        experiment = get_object_or_404(selectors.experiment_detail(), pk=pk)
        label, url = _experiment_work(experiment)
        return render(
            request,
            "releases/experiment_detail.html",
            {
                "experiment": experiment,
                "work_label": label,
                "work_url": url,
                "transitions": Experiment.lifecycle.available(
                    state=experiment.status, roles=user_roles(request.user)
                ),
                "form": form or ExperimentTransitionForm(initial={"version": experiment.version}),
                "can_edit": has_role(request.user, services.EXPERIMENT_EDITORS),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = get_object_or_404(Experiment, pk=pk)
        form = ExperimentTransitionForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        data = form.cleaned_data
        try:
            experiment = services.experiment_transition(
                experiment=experiment,
                name=data["name"],
                actor=request.user,
                note=data.get("note") or "",
                result=data.get("result") or "",
                learnings=data.get("learnings") or "",
                observed_sample_per_variant=data.get("observed_sample_per_variant"),
                expected_version=data.get("version"),
            )
        except services.StaleVersion as exc:
            messages.error(request, str(exc.detail))
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.get(request, pk, form=form)
        except (TransitionError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, f"{experiment.name}: {experiment.get_status_display()}.")
        return redirect(experiment.get_absolute_url())


class ExperimentFormView(RoleRequiredMixin, View):
    """Register an experiment, or edit one (only what its status still lets change)."""

    read_roles = services.EXPERIMENT_EDITORS
    write_roles = services.EXPERIMENT_EDITORS

    def _experiment(self, pk: int | None) -> Experiment | None:
        return get_object_or_404(selectors.experiments(), pk=pk) if pk else None

    def _form(self, experiment: Experiment | None, data: Any = None) -> ExperimentForm:
        initial: dict[str, Any] = {}
        if experiment is not None:
            initial = {
                f: getattr(experiment, f)
                for f in services.EXPERIMENT_FIELDS
                if f not in ("owner", "team", "request", "departure")
            }
            initial.update(
                owner=experiment.owner.username,
                team=experiment.team.slug,
                request=experiment.request_id,
                departure=experiment.departure_id,
                version=experiment.version,
            )
        form = ExperimentForm(data, initial=initial)
        if experiment is not None:
            form.keep_only(services.experiment_editable_fields(experiment))
        return form

    def _render(
        self, request: HttpRequest, form: ExperimentForm, experiment: Experiment | None, code: int
    ) -> HttpResponse:
        return render(
            request,
            "releases/experiment_form.html",
            {"form": form, "experiment": experiment},
            status=code,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        experiment = self._experiment(pk)
        return self._render(request, self._form(experiment), experiment, 200)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        experiment = self._experiment(pk)
        form = self._form(experiment, request.POST)
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                self._resolve_links(request, fields, editing=experiment is not None)
                if experiment is None:
                    experiment = services.experiment_create(actor=request.user, **fields)
                else:
                    experiment = services.experiment_update(
                        experiment=experiment,
                        actor=request.user,
                        expected_version=form.cleaned_data.get("version"),
                        **fields,
                    )
                messages.success(request, f"Saved {experiment.name}.")
                return redirect(experiment.get_absolute_url())
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except services.StaleVersion as exc:
                form.add_error(None, str(exc.detail))
        return self._render(request, form, experiment, 400)

    @staticmethod
    def _resolve_links(request: HttpRequest, fields: dict[str, Any], *, editing: bool) -> None:
        """Request and departure numbers → objects; an unknown number is a field error."""
        if "request" in fields and fields["request"] is not None:
            found = work.requests_visible_to(request.user).filter(pk=fields["request"]).first()
            if found is None:
                raise ValidationError({"request": "No such request."})
            fields["request"] = found
        if "departure" in fields and fields["departure"] is not None:
            departure = Departure.objects.filter(pk=fields["departure"]).first()
            if departure is None:
                raise ValidationError({"departure": "No such departure."})
            fields["departure"] = departure
        for key in ("owner", "team"):  # left empty on an edit: keep the current one
            if editing and key in fields and fields[key] is None:
                fields.pop(key)
        for key in ("alpha", "power", "variants"):  # left empty: the default / current value
            if key in fields and fields[key] is None:
                fields.pop(key)


# --- iCalendar feeds --------------------------------------------------------------------------


def _feed_user(token: str) -> Any:
    found = selectors.feed_token_lookup(token)
    if found is None or not has_role(found.user, READ_EVERYTHING):
        raise Http404("Unknown feed.")
    services_touch = found.last_used_at is None or (
        timezone.now() - found.last_used_at > timedelta(minutes=10)
    )
    if services_touch:
        type(found).objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def train_feed_view(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A train's departures as iCalendar, for Google Calendar / Outlook subscriptions."""
    _feed_user(token)
    train = get_object_or_404(Train, pk=pk)
    return _ics(train_feed(train, base_url=request.build_absolute_uri("/")[:-1]), train.slug)


def freezes_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    _feed_user(token)
    return _ics(freezes_feed(), "freezes")
