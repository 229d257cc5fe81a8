"""Taxonomy pages: the campaign taxonomy, the UTM builder (htmx live preview), the
validator (one value or a CSV), the self-serve field request, the campaign registry.
Thin: parse, call a service or selector, render."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from catalog.models import SelfServeTool, Service, ServiceStatus
from catalog.services import SELF_SERVERS
from governance import taxonomy as tx
from governance.selfserve import (
    FIELD_OBJECTS,
    FIELD_TYPES,
    campaign_register_self_served,
    rfc_draft_field_request,
)
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, has_role
from mops.core.actors import actor_of
from mops.core.uploads import upload_max_bytes
from mops.core.views import call_service, invalid_status

from . import selectors
from .codec import taxonomy_to_data
from .filters import CampaignFilter
from .forms import (
    BuilderForm,
    ChannelRuleFormSet,
    CsvUploadForm,
    NamingTokenFormSet,
    TaxonomyForm,
    ValidateForm,
    channel_rules_initial,
    naming_tokens_initial,
    ordered_rows,
)
from .models import Campaign, TaxonomyVersion
from .services import (
    TAXONOMY_EDITORS,
    campaign_register,
    taxonomy_restore,
    taxonomy_save,
)

CSV_RESULT_ROWS_SHOWN = 500


# --- taxonomy ------------------------------------------------------------------------------


def _taxonomy_rows_named(exc: ValidationError) -> ValidationError:
    """'channel_rules.2.source_regex: …' → 'Channel rule 3, source_regex: …' (rows as shown)."""

    def name(message: str) -> str:
        for pattern, what in (
            (r"channel_rules\.(\d+)(?:\.(\w+))?", "Channel rule"),
            (r"naming\.tokens\.(\d+)(?:\.(\w+))?", "Token"),
        ):
            message = re.sub(
                pattern,
                lambda m, what=what: f"{what} {int(m[1]) + 1}" + (f", {m[2]}" if m[2] else ""),  # type: ignore[misc]  # a default-bound loop variable
                message,
            )
        return message

    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({k: [name(m) for m in v] for k, v in exc.message_dict.items()})


def _taxonomy_save_named(**kwargs: Any) -> Any:
    """`taxonomy_save` with its row errors named as the page shows the rows."""
    try:
        return taxonomy_save(**kwargs)
    except ValidationError as exc:
        raise _taxonomy_rows_named(exc) from exc


class TaxonomyView(RoleRequiredMixin, View):
    """The campaign taxonomy for everyone; admins edit it (each save is a new version)."""

    read_roles = ALL_ROLES
    write_roles = TAXONOMY_EDITORS

    def _context(
        self,
        request: HttpRequest,
        form: TaxonomyForm | None = None,
        rules: Any = None,
        tokens: Any = None,
    ) -> dict[str, Any]:
        active = selectors.taxonomy_active_version()
        taxonomy = selectors.taxonomy_current()
        data = taxonomy_to_data(taxonomy)
        can_edit = has_role(request.user, TAXONOMY_EDITORS)
        if form is None and can_edit:
            # The active version, or the built-in default (not saved) before any edit.
            version = active or TaxonomyVersion(number=0, **data)
            form = TaxonomyForm(initial=TaxonomyForm.initial_from(version))
            rules = ChannelRuleFormSet(
                prefix="rules", initial=channel_rules_initial(version.channel_rules)
            )
            tokens = NamingTokenFormSet(
                prefix="tokens", initial=naming_tokens_initial(version.naming)
            )
        return {
            "active": active,
            "data": data,
            "template": taxonomy.naming.template,
            "naming": taxonomy.naming,
            "versions": list(selectors.taxonomy_versions()[:20]) if can_edit else [],
            "form": form,
            "rules": rules,
            "tokens": tokens,
            "can_edit": can_edit,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "governance/taxonomy.html", self._context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "restore":
            try:
                number = int(request.POST.get("number") or "")
            except ValueError:
                number = 0
            number = number if 0 < number < 1_000_000 else 0
            version = get_object_or_404(TaxonomyVersion, number=number)
            restored = taxonomy_restore(version=version, actor=actor_of(request))
            messages.success(request, f"v{version.number} restored as v{restored.number}.")
            return redirect("governance:taxonomy")
        form = TaxonomyForm(request.POST)
        rules = ChannelRuleFormSet(request.POST, prefix="rules")
        tokens = NamingTokenFormSet(request.POST, prefix="tokens")
        if form.is_valid() and rules.is_valid() and tokens.is_valid():
            data = dict(form.cleaned_data)
            ok, saved = call_service(
                request,
                _taxonomy_save_named,
                form=form,
                actor=actor_of(request),
                note=data.pop("note") or "",
                expected_version=data.pop("version"),
                sources=data["sources"],
                mediums=data["mediums"],
                channel_rules=ordered_rows(rules, "rule"),
                naming={
                    "delimiter": data["delimiter"],
                    "case": data["case"],
                    "tokens": ordered_rows(tokens, "token"),
                },
            )
            if ok and saved is not None:
                messages.success(request, f"Taxonomy v{saved.number} is now active.")
                return redirect("governance:taxonomy")
        return render(
            request,
            "governance/taxonomy.html",
            self._context(request, form, rules, tokens),
            status=invalid_status(form),
        )


# --- UTM builder and validator --------------------------------------------------------------


class UtmBuilderView(RoleRequiredMixin, View):
    """Self-serve: pick values from the taxonomy, get the tagged URL and campaign name,
    register the campaign. The preview (htmx) builds without registering."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def _self_serve(self, request: HttpRequest) -> Service | None:
        """The self-serve service this build finishes (`?service=<slug>`), if any."""
        slug = request.POST.get("service") or request.GET.get("service") or ""
        if not slug:
            return None
        return (
            Service.objects.filter(
                slug=slug, self_serve=True, self_serve_tool=SelfServeTool.UTM_BUILDER
            )
            .filter(status=ServiceStatus.ACTIVE)
            .first()
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = BuilderForm(
            taxonomy=selectors.taxonomy_current(),
            initial={"start_date": timezone.localdate()},
        )
        return render(
            request,
            "governance/utm_builder.html",
            {"form": form, "self_serve": self._self_serve(request)},
        )

    def _build(self, form: BuilderForm) -> tuple[tx.BuildResult | None, list[str]]:
        taxonomy = form.taxonomy
        data = form.cleaned_data
        try:
            result = tx.build_campaign_url(
                data["base_url"],
                data["source"],
                data["medium"],
                "",
                form.tokens(),
                data.get("content") or "",
                data.get("term") or "",
                taxonomy=taxonomy,
            )
        except tx.TaxonomyError as exc:
            field = f"token_{exc.field}" if f"token_{exc.field}" in form.fields else exc.field
            if field in form.fields:
                form.add_error(field, exc.message)
            return None, [f"{exc.field}: {exc.message}"]
        return result, []

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BuilderForm(request.POST, taxonomy=selectors.taxonomy_current())
        self_serve = self._self_serve(request)
        preview = request.POST.get("preview") == "1" or bool(getattr(request, "htmx", False))
        result, problems = None, list[Any]()
        if form.is_valid():
            result, problems = self._build(form)
        if preview:
            return render(
                request,
                "governance/includes/builder_preview.html",
                {"form": form, "result": result, "problems": problems, "preview": True},
            )
        campaign = link = None
        if result is not None:
            start = form.cleaned_data.get("start_date") or timezone.localdate()
            fields = {
                "actor": request.user,
                "base_url": form.cleaned_data["base_url"],
                "source": form.cleaned_data["source"],
                "medium": form.cleaned_data["medium"],
                "campaign": result.campaign,
                "content": form.cleaned_data.get("content") or "",
                "term": form.cleaned_data.get("term") or "",
                "start_date": start,
                "end_date": form.cleaned_data.get("end_date"),
            }
            registered: tuple[Any, Any, Any] | None
            if self_serve is not None:
                _, served = call_service(
                    request, campaign_register_self_served, form=form, service=self_serve, **fields
                )
                registered = None if served is None else served[:3]
            else:
                _, registered = call_service(request, campaign_register, form=form, **fields)
            if registered is None:
                result = None
            else:
                campaign, link, result = registered
                messages.success(request, f"Campaign {campaign.name} registered.")
                if self_serve is not None:
                    messages.success(
                        request,
                        f"“{self_serve.name}” is done: recorded as self-served, no ticket needed.",
                    )
        status = 200 if campaign else 400
        return render(
            request,
            "governance/utm_builder.html",
            {
                "form": form,
                "result": result,
                "problems": problems,
                "campaign": campaign,
                "link": link,
                "self_serve": self_serve,
            },
            status=status,
        )


class FieldRequestForm(forms.Form):
    object_name = forms.ChoiceField(
        label="Object", choices=[("", "—")] + [(o, o) for o in FIELD_OBJECTS]
    )
    field_label = forms.CharField(label="Field name", max_length=80)
    field_type = forms.ChoiceField(
        label="Type", choices=[("", "—")] + [(t, t) for t in FIELD_TYPES]
    )
    values = forms.CharField(
        label="Allowed values",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For a picklist: one value per line.",
    )
    purpose = forms.CharField(
        label="What is it for?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who fills it, who reads it, which reports or segments use it.",
    )


class SelfServeFieldView(RoleRequiredMixin, View):
    """Self-serve "Add a field": the marketer describes the field; it becomes a draft
    schema RFC for MOPS, and the service counts as self-served (no request)."""

    read_roles = SELF_SERVERS
    write_roles = SELF_SERVERS
    template_name = "governance/selfserve_field.html"

    def _service(self, request: HttpRequest) -> Service:
        slug = request.POST.get("service") or request.GET.get("service") or ""
        service = Service.objects.filter(
            slug=slug,
            self_serve=True,
            self_serve_tool=SelfServeTool.FIELD_RFC,
            status=ServiceStatus.ACTIVE,
        ).first()
        if service is None:
            raise Http404("No self-serve field-request service by that name.")
        return service

    def get(self, request: HttpRequest) -> HttpResponse:
        service = self._service(request)
        return render(request, self.template_name, {"service": service, "form": FieldRequestForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        service = self._service(request)
        form = FieldRequestForm(request.POST)
        if form.is_valid():
            _, drafted = call_service(
                request,
                rfc_draft_field_request,
                form=form,
                service=service,
                actor=actor_of(request),
                **form.cleaned_data,
            )
            if drafted is not None:
                rfc, _ = drafted
                messages.success(
                    request,
                    f"Done: your field request is drafted as RFC-{rfc.pk} for MOPS to review. "
                    "No ticket needed; you are told when it ships.",
                )
                return redirect("catalog:service_selfserve", slug=service.slug)
        return render(request, self.template_name, {"service": service, "form": form}, status=400)


class UtmValidatorView(RoleRequiredMixin, View):
    """Check one URL or campaign name, or a CSV of them (results on the page or as CSV)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "governance/utm_validator.html",
            {"form": ValidateForm(), "csv_form": CsvUploadForm()},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        taxonomy = selectors.taxonomy_current()
        context: dict[str, Any] = {"form": ValidateForm(), "csv_form": CsvUploadForm()}
        if request.POST.get("action") == "csv":
            return self._csv(request, taxonomy, context)
        form = ValidateForm(request.POST)
        context["form"] = form
        if not form.is_valid():
            return render(request, "governance/utm_validator.html", context, status=400)
        url = (form.cleaned_data.get("url") or "").strip()
        name = (form.cleaned_data.get("campaign_name") or "").strip()
        if url:
            context["url_result"] = tx.validate_url(url, taxonomy)
        if name:
            context["name_findings"] = tx.validate_campaign_name(name, taxonomy)
            context["name_fixed"] = tx.fix_campaign_name(name, taxonomy)
            context["name"] = name
        return render(request, "governance/utm_validator.html", context)

    def _csv(self, request: HttpRequest, taxonomy: tx.Taxonomy, context: dict) -> HttpResponse:
        form = CsvUploadForm(request.POST, request.FILES)
        context["csv_form"] = form
        if not form.is_valid():
            return render(request, "governance/utm_validator.html", context, status=400)
        upload = form.cleaned_data["file"]
        too_large = tx.csv_size_problem(upload.size, upload_max_bytes())
        if too_large:
            form.add_error("file", f"{too_large} Split it and upload the parts.")
            return render(request, "governance/utm_validator.html", context, status=400)
        upload.seek(0)
        try:
            if request.POST.get("download") == "1":
                return _csv_download(upload, taxonomy, upload.name)
            rows = list(tx.validate_csv(upload, taxonomy))
        except tx.CsvError as exc:
            form.add_error("file", str(exc))
            return render(request, "governance/utm_validator.html", context, status=400)
        invalid = sum(1 for r in rows if not r.valid)
        context.update(
            csv_rows=[r for r in rows if r.findings][:CSV_RESULT_ROWS_SHOWN],
            csv_total=len(rows),
            csv_invalid=invalid,
            csv_with_findings=sum(1 for r in rows if r.findings),
            csv_shown_limit=CSV_RESULT_ROWS_SHOWN,
            csv_column=rows[0].column if rows else "url",
        )
        return render(request, "governance/utm_validator.html", context)


def _csv_download(upload: Any, taxonomy: tx.Taxonomy, filename: str) -> HttpResponse:
    """The results as CSV; written to a temporary file first, so a CsvError mid-way
    becomes a clear error instead of a truncated download."""
    body = tx.results_csv_bytes(tx.validate_csv(upload, taxonomy))
    stem = (filename or "urls").rsplit(".", 1)[0][:60] or "urls"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}-checked.csv"'
    return response


# --- campaigns -------------------------------------------------------------------------------


class CampaignListView(RoleRequiredMixin, ListView):
    template_name = "governance/campaign_list.html"
    read_roles = ALL_ROLES
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Campaign]:
        self.filterset = CampaignFilter(
            self.request.GET, queryset=selectors.campaigns_visible_to(self.request.user)
        )
        return self.filterset.qs if self.filterset.is_valid() else self.filterset.queryset.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context


class CampaignDetailView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(selectors.campaigns_visible_to(request.user), pk=pk)
        links = campaign.links.select_related("created_by")
        return render(
            request, "governance/campaign_detail.html", {"campaign": campaign, "links": links}
        )
