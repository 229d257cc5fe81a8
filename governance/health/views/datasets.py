"""Data-health pages: datasets with scores, dataset / contract page (semantics next to
every check, run now, YAML export / import), warehouses, run detail with failing samples.
Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, has_role
from mops.core.actors import actor_of
from mops.core.uploads import content_disposition
from mops.core.views import ObjectEditView, call_service, invalid_status

from .. import selectors as hs
from ..contracts.codec import contract_to_yaml
from ..contracts.spec import DIMENSIONS
from ..forms import (
    ContractYamlForm,
    DatasetForm,
    DbtImportForm,
    WarehouseForm,
)
from ..models import CheckRun, Dataset, IncidentStatus, Warehouse
from ..services import (
    RunInProgress,
    contract_draft,
    contract_import_yaml,
    dataset_introspect,
    dataset_run_pending,
    dataset_run_queue,
    dataset_save,
    datasets_import_dbt,
    warehouse_save,
)


def contract_yaml(dataset: Dataset) -> str:
    contract = dataset.contract
    return contract_to_yaml(
        contract.spec,
        name=f"{dataset.schema}.{dataset.table}",
        version=contract.version,
        status=contract.status,
        description=contract.description,
        owner=dataset.owner.username if dataset.owner is not None else "",
        consumers=list(contract.consumers),
        server=dataset.warehouse.name,
    )


class DatasetListView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        datasets = list(hs.datasets_with_health())
        return render(
            request,
            "governance/dataset_list.html",
            {
                "datasets": datasets,
                "dimensions": DIMENSIONS,
                "can_admin": has_role(request.user, ADMINS),
            },
        )


class DatasetDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING
    write_roles = MOPS_STAFF

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(hs.datasets_with_health(), pk=pk)
        pending = dataset_run_pending(dataset)
        htmx = getattr(request, "htmx", None)  # set by django-htmx's middleware
        if htmx and htmx.target == "run-status":
            # The page's poll: while the run is queued or running, the status again; when
            # it ended, reload the whole page (scores, checks, incidents all changed).
            if pending:
                return render(request, "governance/_run_status.html", {"pending": True})
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        runs = hs.dataset_runs(dataset)
        last = runs[0] if runs else None
        results = list(last.results.all()) if last else []
        trends = hs.score_trends(runs)
        contract = getattr(dataset, "contract", None)
        return render(
            request,
            "governance/dataset_detail.html",
            {
                "dataset": dataset,
                "contract": contract,
                "runs": runs[:10],
                "last": last,
                "results": results,
                "sparklines": [
                    (d, hs.sparkline_points(trends[d]), trends[d][-1] if trends[d] else None)
                    for d in DIMENSIONS
                ],
                "history": contract.history.all()[:10] if contract else [],
                "incidents": dataset.incidents.exclude(status=IncidentStatus.RESOLVED),
                "can_edit": has_role(request.user, ADMINS),
                "pending": pending,
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(Dataset, pk=pk)
        try:
            ok, _ = call_service(
                request,
                dataset_run_queue,
                dataset=dataset,
                actor=actor_of(request),
                mode=request.POST.get("mode", "full"),
            )
        except RunInProgress:
            messages.warning(request, "A run of this dataset is in progress; try again shortly.")
        except Exception:  # the broker refused the task: nothing was queued
            messages.error(request, "The worker queue is unreachable; the run was not queued.")
        else:
            if ok:
                messages.success(
                    request, "Checks queued; this page updates itself when the run ends."
                )
        return redirect(dataset.get_absolute_url())


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    cancel: str = "",
    lede: str = "",
    status: int = 200,
    submit: str = "Save",
    draft_url: str = "",
) -> HttpResponse:
    return render(
        request,
        "governance/health_form.html",
        {
            "form": form,
            "title": title,
            "cancel": cancel,
            "lede": lede,
            "submit": submit,
            "draft_url": draft_url,
        },
        status=status,
    )


class EditPage(ObjectEditView):
    """A health editor: the object's `<object_name>_save` service creates (no object) and
    updates it, on the shared health form page; then the object's page."""

    template_name = "governance/health_form.html"
    lookup = "pk"

    def render_page(
        self, obj: Any | None, form: Any, extra: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        return _form_page(
            self.request,
            form,
            title=f"Edit {obj}" if obj else f"New {self.object_name}",
            cancel=obj.get_absolute_url() if obj else "",
            status=status,
        )


CONTRACT_LEDE = (
    "Open Data Contract Standard (v3) YAML. Rules, references, thresholds and volume live under"
    " customProperties (mops.*). Saving makes a new version."
)


class ContractEditView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def _dataset(self, pk: int) -> Dataset:
        return get_object_or_404(
            Dataset.objects.select_related("contract", "owner", "warehouse"), pk=pk
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = self._dataset(pk)
        has = hasattr(dataset, "contract")
        text = contract_yaml(dataset) if has else ""
        lede = CONTRACT_LEDE
        refused = False
        if request.GET.get("draft") == "1":
            # "Draft from table": the introspected columns and observed formats, not saved
            # until the owner has refined them and pressed Save.
            ok, draft = call_service(
                request, contract_draft, dataset=dataset, actor=actor_of(request)
            )
            refused = not ok
            if draft is not None:
                text = draft["yaml"]
                lede = (
                    f"Drafted from the table ({len(draft['spec']['fields'])} columns"
                    + (
                        f"; formats seen: {_formats_text(draft['formats'])}"
                        if draft["formats"]
                        else ""
                    )
                    + "). Review it, add rules and thresholds, then save."
                    + "".join(f" {note}" for note in draft["notes"])
                )
        form = ContractYamlForm(
            initial={"yaml": text, "version": dataset.contract.version if has else None}
        )
        return _form_page(
            request,
            form,
            title=f"Contract of {dataset}",
            cancel=dataset.get_absolute_url(),
            lede=lede,
            submit="Save contract",
            status=400 if refused else 200,
            draft_url=f"{request.path}?draft=1",
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = self._dataset(pk)
        form = ContractYamlForm(request.POST)
        page: dict[str, Any] = {
            "title": f"Contract of {dataset}",
            "cancel": dataset.get_absolute_url(),
            "submit": "Save contract",
        }
        if not form.is_valid():
            return _form_page(request, form, status=400, lede=CONTRACT_LEDE, **page)
        ok, _ = call_service(
            request,
            contract_import_yaml,
            form=form,
            field_map={"spec": "yaml"},  # the spec is what the YAML says
            dataset=dataset,
            actor=actor_of(request),
            text=form.cleaned_data["yaml"],
            expected_version=form.cleaned_data["version"],
        )
        if not ok:
            return _form_page(
                request, form, status=invalid_status(form), lede=CONTRACT_LEDE, **page
            )
        messages.success(request, "Contract saved as a new version.")
        return redirect(dataset.get_absolute_url())


def _formats_text(formats: dict[str, str]) -> str:
    return ", ".join(f"{column} = {kind}" for column, kind in sorted(formats.items()))


class WarehouseListView(RoleRequiredMixin, View):
    """Admins: warehouses (connection strings are write-only) and a form to add one."""

    read_roles = ADMINS
    write_roles = ADMINS

    def _page(
        self,
        request: HttpRequest,
        form: WarehouseForm,
        status: int = 200,
        dbt_form: DbtImportForm | None = None,
    ) -> HttpResponse:
        return render(
            request,
            "governance/warehouse_list.html",
            {
                "warehouses": Warehouse.objects.order_by("name"),
                "form": form,
                "dbt_form": dbt_form or DbtImportForm(prefix="dbt"),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, WarehouseForm())

    def _import_dbt(self, request: HttpRequest) -> HttpResponse:
        form = DbtImportForm(request.POST, request.FILES, prefix="dbt")
        if form.is_valid():
            _, imported = call_service(
                request,
                datasets_import_dbt,
                form=form,
                actor=actor_of(request),
                warehouse=form.cleaned_data["warehouse"],
                manifest=form.cleaned_data["manifest"],
            )
            if imported is not None:
                datasets, notes = imported
                names = ", ".join(str(d) for d in datasets) or "none"
                messages.success(request, f"Imported {len(datasets)} datasets from dbt: {names}.")
                for note in notes:
                    messages.info(request, f"Not imported: {note}")
                return redirect("governance:warehouse_list")
        return self._page(request, WarehouseForm(), status=400, dbt_form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "import-dbt":
            return self._import_dbt(request)
        form = WarehouseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            existing = Warehouse.objects.filter(name=data["name"]).first()
            ok, _ = call_service(
                request,
                warehouse_save,
                form=form,
                actor=actor_of(request),
                name=data["name"],
                dsn=data["dsn"] or (None if existing else ""),
                statement_timeout_ms=data["statement_timeout_ms"],
                warehouse=existing,
            )
            if ok:
                messages.success(request, f"Warehouse {data['name']} saved.")
                return redirect("governance:warehouse_list")
        return self._page(request, form, status=400)


class DatasetEditView(EditPage):
    read_roles = write_roles = ADMINS
    model, form_class, object_name = Dataset, DatasetForm, "dataset"
    create_service = update_service = staticmethod(dataset_save)

    def get_initial(self, dataset: Dataset | None) -> dict[str, Any]:
        if dataset is None:
            return {"owner": self.request.user.pk}
        return {
            "warehouse": dataset.warehouse_id,
            "schema": dataset.schema,
            "table": dataset.table,
            "description": dataset.description,
            "owner": dataset.owner_id,
            "schedule": dataset.schedule,
            "enabled": dataset.enabled,
        }

    def announce(self, saved: Dataset) -> None:
        # The save stands; a table the warehouse cannot read yet is said after its reason.
        introspected, _ = call_service(self.request, dataset_introspect, dataset=saved)
        if introspected:
            messages.success(self.request, f"Dataset {saved} saved; columns introspected.")
        else:
            messages.warning(self.request, f"Dataset {saved} saved, but its columns were not read.")


class ContractYamlView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(
            Dataset.objects.select_related("contract", "owner", "warehouse"), pk=pk
        )
        if not hasattr(dataset, "contract"):
            raise Http404("No contract yet.")
        response = HttpResponse(
            contract_yaml(dataset), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition(f"{dataset.table}.odcs.yaml")
        return response


class RunDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            run = hs.run_page(pk)
        except CheckRun.DoesNotExist:
            raise Http404("No such run.") from None
        results = list(run.results.all())
        order = {"fail": 0, "error": 1, "warn": 2, "pass": 3, "skipped": 4}
        results.sort(key=lambda r: (order.get(r.status, 5), r.key))
        return render(
            request,
            "governance/run_detail.html",
            {
                "run": run,
                "results": results,
                "incidents": run.incidents.all(),
                # The database's own error text can name what the query touched: admins only.
                "show_error_detail": has_role(request.user, ADMINS),
            },
        )
