from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from typing import Any, Protocol, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, has_role

from . import registry
from .actors import actor_of
from .api import json_error
from .audit import AUDIT_READERS, audit_entries, audit_models_for, tracked_models
from .concurrency import StaleVersion
from .lifecycle import TransitionError

T = TypeVar("T")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's start page: what is waiting for them, by role."""
    panels = [panel for provider in registry.home_panels for panel in provider(request.user)]
    return render(request, "core/home.html", {"panels": panels})


class AuditView(RoleRequiredMixin, TemplateView):
    """Who changed what: the merged history of the tracked models, filterable; each reader
    sees the history of what they may see, secrets masked (`mops.core.audit`)."""

    template_name = "core/audit.html"
    read_roles = AUDIT_READERS

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        params = self.request.GET
        errors: list[str] = []

        def parse_date(name: str) -> datetime | None:
            raw = params.get(name, "").strip()
            if not raw:
                return None
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                errors.append(f"{name}: '{raw}' is not a date (YYYY-MM-DD).")
                return None
            return timezone.make_aware(datetime.combine(day, time.min))

        since, until = parse_date("since"), parse_date("until")
        models = audit_models_for(self.request.user)
        model_label = params.get("model") or None
        if model_label and model_label not in {m._meta.label_lower for m in tracked_models()}:
            errors.append(f"model: '{model_label}' is not an audited model.")
            model_label = None
        entries = audit_entries(
            user=self.request.user,
            model_label=model_label,
            username=params.get("user") or None,
            since=since,
            until=until,
        )
        context = super().get_context_data(**kwargs)
        context.update(
            entries=entries,
            models=[(m._meta.label_lower, m._meta.verbose_name) for m in models],
            filters=params,
            errors=errors,
        )
        return context


class SetupGuideView(RoleRequiredMixin, TemplateView):
    """The first-run set-up guide: each step done or not, computed from live data, with
    the page where it is done. Apps contribute their steps through the registry."""

    template_name = "core/setup.html"
    read_roles = ADMINS

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        steps = sorted(
            (step for provider in registry.setup_steps for step in provider()),
            key=lambda s: s.order,
        )
        context = super().get_context_data(**kwargs)
        context.update(
            steps=steps,
            done=sum(1 for s in steps if s.done),
            time_zone=settings.TIME_ZONE,
        )
        return context


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return json_error(400, "bad_request", "The request could not be understood.")
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return json_error(403, "permission_denied", str(exception or "") or "Not allowed.")
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return json_error(404, "not_found", "Not found.")
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return json_error(500, "server_error", "Internal error; it has been logged.")
    return render(request, "errors/500.html", status=500)


class ErrorTarget(Protocol):
    """What call_service puts errors on: a Django form, or a page's own adapter spreading
    them over several forms (intake's RequestFormErrors)."""

    fields: Any

    def add_error(self, field: str | None, error: Any) -> None: ...


def call_service(
    request: HttpRequest,
    fn: Callable[..., T],
    /,
    *args: Any,
    form: ErrorTarget | None = None,
    field_map: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> tuple[bool, T | None]:
    """The one page convention for a service's refusals: call `fn(*args, **kwargs)` and turn
    ValidationError (field errors onto `form`, the rest to messages), PermissionDenied,
    TransitionError and StaleVersion into what the person sees. Returns (ok, result); a view
    redirects on ok and re-renders the form otherwise. Anything else still raises.

    `field_map` renames the service's field names to the form's ({"working_hours": "day_0"}).
    A refusal on a form keeps its code, so a view can answer a stale version with 412:
    `invalid_status(form)`."""
    try:
        return True, fn(*args, **kwargs)
    except ValidationError as exc:
        _validation_to_page(request, form, exc, field_map or {})
    except (PermissionDenied, TransitionError, StaleVersion) as exc:
        text = str(getattr(exc, "message", None) or str(exc) or _("You may not do that."))
        if form is not None:
            form.add_error(None, ValidationError(text, code=getattr(exc, "code", None)))
        else:
            messages.error(request, text)
    return False, None


def invalid_status(form: forms.BaseForm) -> int:
    """The status of a page that shows its form again: 412 when the service refused a stale
    version (`call_service` keeps the code "stale"), else 400."""
    return 412 if form.has_error(NON_FIELD_ERRORS, "stale") else 400


def uploaded_text(form: forms.BaseForm, *, max_bytes: int) -> str:
    """The CSV of a valid upload form with a `file` and a `text` field (the file first, up
    to `max_bytes`), or "" with the error on the form: not UTF-8, or neither given."""
    upload = form.cleaned_data["file"]
    text = ""
    if upload is not None:
        try:
            text = upload.read(max_bytes).decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text; save it as CSV UTF-8.")
    else:
        text = form.cleaned_data["text"]
    if not form.errors and not text.strip():
        form.add_error("text", "Choose a CSV file or paste its lines.")
    return text


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A form that was posted from another page (a row's button, a panel): its errors as
    messages on the page it returns to, one per field ("note: This field is required.")."""
    for field, texts in form.errors.items():
        prefix = "" if field == NON_FIELD_ERRORS else f"{field}: "
        messages.error(request, prefix + " ".join(map(str, texts)))


def _validation_to_page(
    request: HttpRequest,
    form: ErrorTarget | None,
    exc: ValidationError,
    field_map: Mapping[str, str],
) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for name, texts in errors.items():
        field = field_map.get(name, name)
        for text in texts:
            if form is not None and (field in form.fields or field == NON_FIELD_ERRORS):
                form.add_error(None if field == NON_FIELD_ERRORS else field, text)
            elif field == NON_FIELD_ERRORS:
                messages.error(request, text)
            else:
                messages.error(request, f"{field}: {text}")


class ObjectEditView(RoleRequiredMixin, View):
    """The one create-or-update page over a service pair: GET shows the form (empty, or
    from the object named by the URL's `lookup` argument), POST validates it and calls
    `create_service(actor=, **fields)` or `update_service(<object_name>=obj, actor=,
    **fields)` through `call_service`; on success a message and a redirect, otherwise the
    form again with 400 — 412 when the service raised `StaleVersion`. With `version_field`,
    the hidden field holding the version the person read goes to the update service as
    `expected_version`; `field_map` renames the service's fields to the form's. A page
    declares its roles and these attributes and overrides only what differs (`get_initial`,
    `service_fields`, `create_kwargs`, `get_extra_forms`, `announce`, `render_page`)."""

    model: type[Any]
    form_class: type[forms.BaseForm]
    template_name: str
    object_name: str  # the object's name in the template context and the update service
    create_service: Callable[..., Any]  # assign as staticmethod(fn)
    update_service: Callable[..., Any]
    lookup = "slug"
    version_field: str | None = None
    success_message = ""  # str.format()-ed with obj=<the saved object>; "": none
    success_url: str | None = None  # a URL name; None: the saved object's own address
    field_map: Mapping[str, str] | None = None  # the service's field names → the form's

    def get_object(self) -> Any | None:
        value = self.kwargs.get(self.lookup)
        return get_object_or_404(self.model, **{self.lookup: value}) if value else None

    def get_initial(self, obj: Any | None) -> dict[str, Any]:
        return {}

    def get_form(self, obj: Any | None, data: Any = None) -> forms.BaseForm:
        """Bound to the POST, or unbound from the object (a model form's instance) or
        `get_initial`; a posted model form always builds a new instance: the service saves."""
        if data is not None:
            return self.form_class(data)
        if issubclass(self.form_class, forms.BaseModelForm):
            return self.form_class(instance=obj, initial=self.get_initial(obj))
        return self.form_class(initial=self.get_initial(obj))

    def get_extra_forms(self, obj: Any | None, data: Any = None) -> dict[str, Any]:
        """More forms by context name, validated with the main one (None: not shown)."""
        return {}

    def service_fields(self, obj: Any | None, form: Any) -> dict[str, Any]:
        """The service's keyword arguments from the valid form (the version field apart).
        Called inside `call_service`: a ValidationError raised here lands on the form."""
        return {k: v for k, v in form.cleaned_data.items() if k != self.version_field}

    def create_kwargs(self, extra: dict[str, Any]) -> dict[str, Any]:
        """What only the create service takes besides the form's fields (`extra`: the
        valid extra forms)."""
        return {}

    def save(self, obj: Any | None, form: Any, extra: dict[str, Any]) -> Any:
        fields = self.service_fields(obj, form)
        actor = actor_of(self.request)
        if obj is None:
            return self.create_service(actor=actor, **self.create_kwargs(extra), **fields)
        if self.version_field:
            fields["expected_version"] = form.cleaned_data.get(self.version_field)
        return self.update_service(**{self.object_name: obj}, actor=actor, **fields)

    def announce(self, saved: Any) -> None:
        """What the person is told after a save: `success_message`, if any."""
        if self.success_message:
            messages.success(self.request, self.success_message.format(obj=saved))

    def get_success_url(self, saved: Any) -> str:
        return reverse(self.success_url) if self.success_url else saved.get_absolute_url()

    def render_page(
        self, obj: Any | None, form: forms.BaseForm, extra: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        context = {"form": form, **extra, self.object_name: obj}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self.render_page(obj, self.get_form(obj), self.get_extra_forms(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        extra = self.get_extra_forms(obj, request.POST)
        valid = [f.is_valid() for f in (form, *extra.values()) if f is not None]  # all errors
        if all(valid):
            ok, saved = call_service(
                request, self.save, obj, form, extra, form=form, field_map=self.field_map
            )
            if ok:
                self.announce(saved)
                return redirect(self.get_success_url(saved))
        return self.render_page(obj, form, extra, status=invalid_status(form))


class ObjectListView(RoleRequiredMixin, ListView):  # any model
    """The one filtered list page: `filterset_class` (the FilterSet the API uses too) over
    the selector's queryset, 50 a page; the template gets `filter` and `can_edit` (the
    person has one of `edit_roles`, for the New button)."""

    filterset_class: Any
    selector: Callable[[], Any]  # assign as staticmethod(fn): the page's base queryset
    edit_roles: Iterable[str] = ADMINS
    paginate_by = 50

    def get_queryset(self) -> Any:
        self.filterset = self.filterset_class(self.request.GET, queryset=self.selector())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = has_role(self.request.user, self.edit_roles)
        return context
