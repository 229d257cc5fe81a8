"""Pages of the experiment register."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import has_role, user_roles
from mops.core.actors import actor_of
from mops.core.views import ObjectEditView, ObjectListView, call_service
from releases import work
from releases.common import EXPERIMENT_EDITORS, EXPERIMENT_READERS
from releases.experiments import selectors
from releases.experiments import services as experiments_services
from releases.experiments.filters import ExperimentFilter
from releases.experiments.forms import ExperimentForm, ExperimentTransitionForm
from releases.experiments.models import Experiment
from releases.trains.models import Departure

# --- experiments ------------------------------------------------------------------------------


class ExperimentListView(ObjectListView):
    """The experiment register with its filters (the metrics dashboard links here)."""

    template_name = "releases/experiment_list.html"
    read_roles = EXPERIMENT_READERS
    filterset_class = ExperimentFilter
    selector = staticmethod(selectors.experiments)
    edit_roles = EXPERIMENT_EDITORS


def _experiment_work(experiment: Experiment) -> tuple[str, str]:
    """(label, url) of the intake request linked to the experiment, or empty strings."""
    request = experiment.request  # no query without one
    if request is None:
        return "", ""
    return work.request_label(request), work.request_url(request)


class ExperimentDetailView(RoleRequiredMixin, View):
    """One experiment: design and required sample, outcome, its event timeline, and the
    lifecycle buttons (concluding asks for the result, learnings and observed sample)."""

    read_roles = EXPERIMENT_READERS
    write_roles = EXPERIMENT_EDITORS

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
                "can_edit": has_role(request.user, EXPERIMENT_EDITORS),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = get_object_or_404(Experiment, pk=pk)
        form = ExperimentTransitionForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        data = form.cleaned_data
        ok, done = call_service(
            request,
            experiments_services.experiment_transition,
            form=form,
            experiment=experiment,
            name=data["name"],
            actor=actor_of(request),
            note=data.get("note") or "",
            result=data.get("result") or "",
            learnings=data.get("learnings") or "",
            observed_sample_per_variant=data.get("observed_sample_per_variant"),
            expected_version=data.get("version"),
        )
        if not ok or done is None:
            return self.get(request, pk, form=form)
        messages.success(request, f"{done.name}: {done.get_status_display()}.")
        return redirect(done.get_absolute_url())


class ExperimentFormView(ObjectEditView):
    """Register an experiment, or edit one (only what its status still lets change)."""

    read_roles = write_roles = EXPERIMENT_EDITORS
    form_class, object_name, lookup = ExperimentForm, "experiment", "pk"
    template_name = "releases/experiment_form.html"
    create_service = staticmethod(experiments_services.experiment_create)
    update_service = staticmethod(experiments_services.experiment_update)
    version_field, success_message = "version", "Saved {obj.name}."

    def get_object(self) -> Experiment | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(selectors.experiments(), pk=pk) if pk else None

    def get_form(self, obj: Experiment | None, data: Any = None) -> ExperimentForm:
        initial: dict[str, Any] = {}
        if obj is not None:
            initial = {
                f: getattr(obj, f)
                for f in experiments_services.EXPERIMENT_FIELDS
                if f not in ("owner", "team", "request", "departure")
            }
            initial.update(
                owner=obj.owner.username,
                team=obj.team.slug,
                request=obj.request_id,
                departure=obj.departure_id,
                version=obj.version,
            )
        form = ExperimentForm(data, initial=initial)
        if obj is not None:
            form.keep_only(experiments_services.experiment_editable_fields(obj))
        return form

    def service_fields(self, obj: Experiment | None, form: Any) -> dict[str, Any]:
        fields = super().service_fields(obj, form)
        self._resolve_links(self.request, fields, editing=obj is not None)
        return fields

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
