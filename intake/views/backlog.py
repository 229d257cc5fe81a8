"""The backlog (PMs) and my team's requests (requesters), bulk triage, saved views, the weekly review and the scoring model page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, ALL_ROLES, READ_EVERYTHING, has_role
from mops.core.views import call_service

from .. import selectors, services
from ..filters import ARIA_SORT, COLUMN_SORTS, SORTS, RequestFilter
from ..forms import BulkForm, ScoringModelForm
from ..models import (
    Request,
    ScoringModel,
)
from ..tally import TalliedRows
from ._common import PAGE_SIZE, TRIAGERS

# --- backlog ------------------------------------------------------------------------------


class RequestListView(RoleRequiredMixin, View):
    """PMs: the triage backlog. Requesters: their team's requests and what is expected of
    them. Same filters as the API list; rows in a constant number of queries."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        base = selectors.request_list(request.user)
        filterset = RequestFilter(request.GET or None, queryset=base, request=request)
        if filterset.is_bound and not filterset.is_valid():
            queryset = base.none()
        else:
            queryset = filterset.qs
        # counted from the status tally when the filters allow (tallied_count says)
        page = Paginator(TalliedRows(queryset, filterset.tallied_count), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        triager = has_role(request.user, TRIAGERS)
        now = timezone.now()
        rows = [
            {"r": r, "age": r.age_days(now), "due_in": _due_in(r, now)} for r in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        current = (
            filterset.form.cleaned_data.get("sort")
            if filterset.is_bound and filterset.form.is_valid()
            else ""
        ) or "-score"
        context = {
            "sort_headers": _sort_headers(query, current),
            "filter": filterset,
            "page": page,
            "rows": rows,
            "triager": triager,
            "staff_view": selectors.sees_all_requests(request.user),
            "saved_views": list(selectors.saved_views(request.user)),
            "query": query.urlencode(),
            "bulk_actions": BulkForm.ACTIONS,
            "assignees": cast(forms.ChoiceField, BulkForm(ids=[]).fields["assignee"]).choices
            if triager
            else [],
            "sorts": [(k, v[0]) for k, v in SORTS.items()],
            "now": now,
        }
        if getattr(request, "htmx", None):  # django-htmx's; the live refresh: the rows alone
            return render(request, "intake/request_list.html#backlog-rows", context)
        return render(request, "intake/request_list.html", context)


def _sort_headers(query: Any, current: str) -> list[dict[str, str]]:
    """Per sortable column: the link that sorts by it (or flips it) and its aria-sort."""
    headers = []
    for column, (first, other) in COLUMN_SORTS.items():
        active = current in (first, other)
        target = query.copy()
        target["sort"] = other if current == first else first
        target.pop("page", None)
        headers.append(
            {
                "label": {"score": "Score", "age": "Age", "sla": "SLA"}[column],
                "url": "?" + target.urlencode(),
                "aria": ARIA_SORT[current] if active else "",
                "arrow": ("▼" if ARIA_SORT[current] == "descending" else "▲") if active else "",
            }
        )
    return headers


def _due_in(r: Request, now: Any) -> str:
    if not r.sla_due_at or not r.sla_clock:
        return ""
    if r.paused_since:
        return "paused"
    delta = r.sla_due_at - now
    hours = delta.total_seconds() / 3600
    if hours < 0:
        return f"{-hours:.0f} h over" if hours <= -1 else "overdue"
    if hours < 48:
        return f"in {hours:.0f} h"
    return f"in {hours / 24:.0f} d"


class BulkView(RoleRequiredMixin, View):
    """Accept / reject / ask for info / assign / set class on the selected rows."""

    read_roles = TRIAGERS
    write_roles = TRIAGERS

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][: PAGE_SIZE * 4]
        form = BulkForm(request.POST, ids=ids)
        back = reverse("intake:request_list") + (
            "?" + request.POST["query"] if request.POST.get("query") else ""
        )
        if not ids:
            messages.error(request, "Select at least one request.")
            return HttpResponseRedirect(back)
        if not form.is_valid():
            messages.error(
                request, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            )
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        assignee = None
        if data.get("assignee"):
            from django.contrib.auth import get_user_model

            assignee = get_user_model().objects.filter(username=data["assignee"]).first()
        chosen = list(selectors.request_visible_to(request.user).filter(pk__in=ids).order_by("id"))
        ok, result = call_service(
            request,
            services.requests_bulk,
            requests=chosen,
            action=data["action"],
            actor=request.user,
            note=data.get("note", ""),
            assignee=assignee,
            complexity=data.get("complexity", ""),
        )
        if not ok or result is None:
            return HttpResponseRedirect(back)
        done, errors = result
        if done:
            messages.success(request, f"{len(done)} request(s) updated.")
        for ref, message in errors.items():
            messages.error(request, f"{ref}: {message}")
        return HttpResponseRedirect(back)


class SavedViewView(RoleRequiredMixin, View):
    """Save the current filters as a view; rename, share with the team or delete one."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def post(self, request: HttpRequest) -> HttpResponse:
        back = reverse("intake:request_list")
        action = request.POST.get("action", "save")
        raw_id = request.POST.get("view", "") or request.POST.get("delete", "")
        if action != "save" or request.POST.get("delete"):
            if not raw_id.isdigit():
                messages.error(request, "view: pick a saved view.")
                return HttpResponseRedirect(back)
        if request.POST.get("delete") or action == "delete":
            ok, _ = call_service(
                request, services.saved_view_delete, actor=request.user, view_id=int(raw_id)
            )
            if ok:
                messages.success(request, "Saved view deleted.")
            return HttpResponseRedirect(back)
        if action == "rename":
            ok, view = call_service(
                request,
                services.saved_view_update,
                actor=request.user,
                view_id=int(raw_id),
                name=request.POST.get("name", ""),
            )
            if ok and view is not None:
                messages.success(request, f"Renamed to “{view.name}”.")
            return HttpResponseRedirect(back)
        if action in ("share", "unshare"):
            ok, view = call_service(
                request,
                services.saved_view_update,
                actor=request.user,
                view_id=int(raw_id),
                shared=action == "share",
            )
            if ok and view is not None:
                messages.success(
                    request,
                    f"“{view.name}” is now shared with your team."
                    if view.shared
                    else f"“{view.name}” is now yours only.",
                )
            return HttpResponseRedirect(back)
        ok, view = call_service(
            request,
            services.saved_view_save,
            actor=request.user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "1",
        )
        if not ok or view is None:
            return HttpResponseRedirect(back)
        messages.success(request, f"Saved view “{view.name}”.")
        return HttpResponseRedirect(back + "?" + view.query)


# --- review and scoring -------------------------------------------------------------------


class ReviewView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, http: HttpRequest) -> HttpResponse:
        return render(http, "intake/review.html", {"review": selectors.weekly_review()})


class ScoringView(RoleRequiredMixin, View):
    """The default scoring model: its factors, versions; admins save a new version, which
    rescores the open backlog."""

    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    def _model(self) -> ScoringModel:
        services.default_scoring_version()
        model = selectors.scoring_models().filter(is_default=True).first()
        if model is None:
            raise Http404
        return model

    def get(self, http: HttpRequest) -> HttpResponse:
        model = self._model()
        import json

        version = model.current_version
        form = ScoringModelForm(
            initial={
                "factors": json.dumps(version.factors if version else [], indent=2),
                "version": model.version,
            }
        )
        return self._render(http, model, form)

    def _render(self, http: HttpRequest, model: ScoringModel, form: Any, errors: Any = ()) -> Any:
        return render(
            http,
            "intake/scoring.html",
            {
                "model": model,
                "factors": model.current_version.parsed() if model.current_version else [],
                "versions": model.versions.order_by("-number")[:20],
                "form": form,
                "errors": errors,
                "can_edit": has_role(http.user, ADMINS),
            },
        )

    def post(self, http: HttpRequest) -> HttpResponse:
        model = self._model()
        form = ScoringModelForm(http.POST)
        if not form.is_valid():
            return self._render(http, model, form)
        ok, version = call_service(
            http,
            services.scoring_model_update,
            form=form,
            scoring_model=model,
            factors=form.cleaned_data["factors"],
            actor=http.user,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
        if not ok or version is None:
            return self._render(http, model, form)
        version.refresh_from_db()
        messages.success(
            http,
            f"Version {version.number} saved; {version.rescored_count} requests rescored "
            f"in {version.rescore_ms} ms.",
        )
        return HttpResponseRedirect(reverse("intake:scoring"))
