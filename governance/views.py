"""Governance pages: RFC list / editor / page (review, schedule, diff, history), the
campaign taxonomy, the UTM builder (htmx live preview), the validator (one value or a
CSV), the campaign registry. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import io
import re
import tempfile
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView
from rest_framework.exceptions import APIException

from catalog.models import SelfServeTool, Service, ServiceStatus
from catalog.services import SELF_SERVERS
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, ALL_ROLES, MOPS_STAFF, has_role
from mops.core.lifecycle import TransitionError

from . import hooks, selectors
from . import taxonomy as tx
from .filters import CampaignFilter, RfcFilter
from .forms import (
    BuilderForm,
    ChannelRuleFormSet,
    CsvUploadForm,
    NamingTokenFormSet,
    ReviewForm,
    RfcForm,
    ScheduleForm,
    TaxonomyForm,
    TransitionForm,
    ValidateForm,
    channel_rules_initial,
    naming_tokens_initial,
    ordered_rows,
)
from .models import (
    EDITABLE_STATES,
    REVIEWERS,
    RFC_AUTHORS,
    SCHEDULERS,
    SYSTEM_TRANSITIONS,
    Rfc,
    RfcRevision,
    RfcStatus,
    TaxonomyVersion,
)
from .risk import QUESTIONS
from .selfserve import (
    FIELD_OBJECTS,
    FIELD_TYPES,
    campaign_register_self_served,
    rfc_draft_field_request,
)
from .services import (
    TAXONOMY_EDITORS,
    campaign_register,
    rfc_approve,
    rfc_create,
    rfc_quorum,
    rfc_reject,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
    rfc_update,
    taxonomy_restore,
    taxonomy_save,
)
from .taxonomy_codec import taxonomy_to_data

CSV_RESULT_ROWS_SHOWN = 500


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _problem_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, TransitionError):
        return exc.message
    if isinstance(exc, APIException):
        return str(exc.detail)
    return str(exc) or "Not allowed."


# --- RFCs ---------------------------------------------------------------------------------


class RfcListView(RoleRequiredMixin, ListView):
    """Every RFC, filterable by state, risk, type, author; approvers see theirs to review."""

    template_name = "governance/rfc_list.html"
    read_roles = selectors.RFC_READERS
    paginate_by = 50

    def get_queryset(self):  # type: ignore[no-untyped-def]
        self.filterset = RfcFilter(
            self.request.GET, queryset=selectors.rfcs_visible_to(self.request.user)
        )
        return self.filterset.qs if self.filterset.is_valid() else Rfc.objects.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_write"] = has_role(self.request.user, RFC_AUTHORS)
        context["to_review"] = list(selectors.rfcs_awaiting_review_by(self.request.user)[:10])
        return context


def _visible_rfc(request: HttpRequest, pk: int) -> Rfc:
    return get_object_or_404(selectors.rfcs_visible_to(request.user), pk=pk)


class RfcEditView(RoleRequiredMixin, View):
    """Write a new RFC or edit one (an edit after approval voids the approvals)."""

    read_roles = RFC_AUTHORS
    write_roles = RFC_AUTHORS

    def _render(self, request: HttpRequest, form: RfcForm, rfc: Rfc | None) -> HttpResponse:
        return render(
            request,
            "governance/rfc_form.html",
            {
                "form": form,
                "rfc": rfc,
                "questions": QUESTIONS,
                "approved_warning": rfc is not None and rfc.status == RfcStatus.APPROVED,
            },
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfc = _visible_rfc(request, pk) if pk else None
        form = RfcForm(initial=RfcForm.initial_from(rfc) if rfc else {"risk": "low"})
        return self._render(request, form, rfc)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfc = _visible_rfc(request, pk) if pk else None
        form = RfcForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, rfc)
        values = form.service_values()
        try:
            if rfc is None:
                rfc = rfc_create(
                    actor=request.user, submit=request.POST.get("submit") == "review", **values
                )
                messages.success(request, f"{rfc.reference} saved.")
            else:
                before = rfc.status
                rfc = rfc_update(
                    rfc=rfc,
                    actor=request.user,
                    expected_version=form.cleaned_data.get("version"),
                    **values,
                )
                if before == RfcStatus.APPROVED and rfc.status != before:
                    messages.warning(
                        request,
                        "The content changed after approval: approvals voided, back in review.",
                    )
                else:
                    messages.success(request, f"{rfc.reference} saved (v{rfc.version}).")
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self._render(request, form, rfc)
        except (TransitionError, APIException, PermissionDenied) as exc:
            form.add_error(None, _problem_text(exc))
            return self._render(request, form, rfc)
        return redirect(rfc.get_absolute_url())


class RfcDetailView(RoleRequiredMixin, View):
    """The RFC page: content, approvals and quorum, diff between versions, what changed
    since the last approval, events; review, transition and schedule forms."""

    read_roles = selectors.RFC_READERS
    write_roles = MOPS_STAFF | REVIEWERS
    action_roles = {
        "approve": REVIEWERS,
        "request_changes": REVIEWERS,
        "reject": REVIEWERS,
        "schedule": SCHEDULERS,
        "transition": MOPS_STAFF,
    }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = selectors.rfc_page(_visible_rfc(request, pk))
        return render(request, "governance/rfc_detail.html", self._context(request, rfc))

    def _context(self, request: HttpRequest, rfc: Rfc, **extra: Any) -> dict[str, Any]:
        user = request.user
        policy = selectors.approval_policy_for(rfc.risk)
        revisions = list(selectors.rfc_revisions(rfc))
        diff_to = _int(request.GET.get("to"), rfc.version)
        diff_from = _int(request.GET.get("from"), max(diff_to - 1, 1))
        try:
            diff = (
                selectors.rfc_diff(rfc, from_number=diff_from, to_number=diff_to)
                if diff_from != diff_to
                else []
            )
        except RfcRevision.DoesNotExist:
            diff, diff_from, diff_to = [], rfc.version, rfc.version
        approved_version, since_approval = selectors.rfc_changes_since_approval(rfc)
        is_author = rfc.author_id == user.pk
        transitions = [
            t
            for t in Rfc.lifecycle.available(state=rfc.status, roles=user.roles)
            if t.name not in SYSTEM_TRANSITIONS and t.name != "schedule"
        ]
        can_review = (
            has_role(user, REVIEWERS)
            and not is_author
            and rfc.status in (RfcStatus.IN_REVIEW, RfcStatus.APPROVED)
        )
        answers = rfc.risk_answers or {}
        context = {
            "rfc": rfc,
            "policy": policy,
            "quorum": rfc_quorum(rfc),
            "approvals": list(rfc.approvals.all()),
            "revisions": revisions,
            "diff": diff,
            "diff_from": diff_from,
            "diff_to": diff_to,
            "approved_version": approved_version,
            "since_approval": since_approval,
            "events": list(rfc.events.select_related("actor")[:50]),
            "transitions": transitions,
            "can_edit": has_role(user, RFC_AUTHORS) and rfc.status in EDITABLE_STATES,
            "can_review": can_review,
            "can_approve": can_review and rfc.status == RfcStatus.IN_REVIEW,
            "is_author": is_author,
            "self_review_note": is_author and rfc.status == RfcStatus.IN_REVIEW,
            "awaiting_schedule": rfc.status == RfcStatus.APPROVED,
            "can_schedule": has_role(user, SCHEDULERS) and rfc.status == RfcStatus.APPROVED,
            "review_form": ReviewForm(initial={"content_hash": rfc.content_hash}),
            "schedule_form": ScheduleForm(
                initial={
                    "window_start": rfc.desired_window_start,
                    "window_end": rfc.desired_window_end,
                }
            ),
            "answers": [(q, bool(answers.get(q.key))) for q in QUESTIONS],
            "action_links": hooks.rfc_action_links(rfc, user),
        }
        context.update(extra)
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = _visible_rfc(request, pk)
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "request_changes", "reject"):
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("The review form was incomplete; reload the page.")
                comment = form.cleaned_data["comment"] or ""
                expected = form.cleaned_data["content_hash"]
                if action == "approve":
                    rfc_approve(
                        rfc=rfc, actor=request.user, comment=comment, expected_hash=expected
                    )
                    messages.success(request, f"You approved {rfc.reference} v{rfc.version}.")
                elif action == "request_changes":
                    rfc_request_changes(
                        rfc=rfc, actor=request.user, comment=comment, expected_hash=expected
                    )
                    messages.success(request, "Changes requested; the author is notified.")
                else:
                    rfc_reject(rfc=rfc, actor=request.user, comment=comment, expected_hash=expected)
                    messages.success(request, f"{rfc.reference} rejected.")
            elif action == "transition":
                form = TransitionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Choose a step.")
                rfc = rfc_transition(
                    rfc=rfc,
                    name=form.cleaned_data["name"],
                    actor=request.user,
                    note=form.cleaned_data["note"] or "",
                )
                messages.success(request, f"{rfc.reference} is now {rfc.get_status_display()}.")
            elif action == "schedule":
                form = ScheduleForm(request.POST)
                if not form.is_valid():
                    rfc = selectors.rfc_page(rfc)
                    context = self._context(request, rfc, schedule_form=form)
                    return render(request, "governance/rfc_detail.html", context, status=400)
                start, end = form.cleaned_data["window_start"], form.cleaned_data["window_end"]
                rfc = rfc_schedule(
                    rfc=rfc,
                    actor=request.user,
                    window_start=start,
                    window_end=end,
                    window_ref=form.cleaned_data["window_ref"] or "",
                    in_freeze=hooks.window_in_freeze(start, end),
                    note=form.cleaned_data["note"] or "",
                )
                messages.success(request, f"{rfc.reference} is scheduled.")
            else:
                messages.error(request, "Unknown action.")
        except (ValidationError, TransitionError, APIException, PermissionDenied) as exc:
            messages.error(request, _problem_text(exc))
        return redirect(rfc.get_absolute_url())


def _int(raw: str | None, default: int) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if 0 < value < 1_000_000 else default


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
                lambda m, what=what: f"{what} {int(m[1]) + 1}" + (f", {m[2]}" if m[2] else ""),
                message,
            )
        return message

    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({k: [name(m) for m in v] for k, v in exc.message_dict.items()})


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
            version = get_object_or_404(TaxonomyVersion, number=_int(request.POST.get("number"), 0))
            restored = taxonomy_restore(version=version, actor=request.user)
            messages.success(request, f"v{version.number} restored as v{restored.number}.")
            return redirect("governance:taxonomy")
        form = TaxonomyForm(request.POST)
        rules = ChannelRuleFormSet(request.POST, prefix="rules")
        tokens = NamingTokenFormSet(request.POST, prefix="tokens")
        if form.is_valid() and rules.is_valid() and tokens.is_valid():
            data = dict(form.cleaned_data)
            try:
                version = taxonomy_save(
                    actor=request.user,
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
            except ValidationError as exc:
                _errors_to_form(form, _taxonomy_rows_named(exc))
            except APIException as exc:
                form.add_error(None, _problem_text(exc))
            else:
                messages.success(request, f"Taxonomy v{version.number} is now active.")
                return redirect("governance:taxonomy")
        return render(
            request,
            "governance/taxonomy.html",
            self._context(request, form, rules, tokens),
            status=400,
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
            name = tx.build_campaign_name(form.tokens(), taxonomy)
            result = tx.build_url(
                data["base_url"],
                data["source"],
                data["medium"],
                name,
                data.get("content") or None,
                data.get("term") or None,
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
        result, problems = (None, [])
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
            try:
                if self_serve is not None:
                    campaign, link, result, _ = campaign_register_self_served(
                        service=self_serve, **fields
                    )
                else:
                    campaign, link, result = campaign_register(**fields)
            except ValidationError as exc:
                _errors_to_form(form, exc)
                result = None
            else:
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
            try:
                rfc, _ = rfc_draft_field_request(
                    service=service, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
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
        if upload.size > tx.MAX_CSV_BYTES:
            form.add_error(
                "file",
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{tx.MAX_CSV_BYTES / 1024 / 1024:.0f} MB. Split it and upload the parts.",
            )
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
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        tx.write_results_csv(tx.validate_csv(upload, taxonomy), text)
        text.flush()
        raw.seek(0)
        body = raw.read()
        text.detach()
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

    def get_queryset(self):  # type: ignore[no-untyped-def]
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


def governance_index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if has_role(request.user, selectors.RFC_READERS):
        return redirect("governance:rfc_list")
    if has_role(request.user, ADMINS):
        raise Http404
    return redirect("governance:utm_builder")
