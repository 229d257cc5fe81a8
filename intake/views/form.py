"""The request form: pick a service, create (draft or submit) and edit, with the service's inputs and the standard brief."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from catalog.forms import AnswersForm, build_answers_form
from catalog.models import Service, ServiceStatus
from catalog.selectors import services_visible_to
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.uploads import ALLOWED_DESCRIPTION
from mops.core.views import call_service

from .. import selectors, services
from ..forms import ANSWERS_PREFIX, RequestForm, raw_answers
from ..models import (
    Request,
)
from ._common import MAKERS, _visible_request

# --- the request form ---------------------------------------------------------------------


class ServicePickView(RoleRequiredMixin, View):
    read_roles = MAKERS

    def get(self, request: HttpRequest) -> HttpResponse:
        services_ = services_visible_to(request.user).filter(
            status=ServiceStatus.ACTIVE, current_version__isnull=False
        )
        return render(request, "intake/service_pick.html", {"services": services_})


class _AnyKey:
    def __contains__(self, key: object) -> bool:
        return True


class RequestFormErrors:
    """Where `call_service` puts a service's refusal on the request page: each error next to
    its field on the request form or its answers form (`answers.<key>`,
    `tracking_plan.<field>`, `scoring_inputs.<factor>`); the rest in `leftovers`, listed
    above the form."""

    fields = _AnyKey()  # every key is placed here, none goes to messages

    def __init__(self, form: RequestForm, answers: Any) -> None:
        self.form, self.answers = form, answers
        self.leftovers: list[str] = []

    def add_error(self, key: str | None, error: Any) -> None:
        message = " ".join(ValidationError(error).messages)
        form, answers = self.form, self.answers
        if key is None:
            self.leftovers.append(message)
        elif key.startswith("answers.") and key[8:] in answers.fields:
            text = message.split(": ", 1)[-1]
            if text not in answers.errors.get(key[8:], []):  # its own check said it
                answers.add_error(key[8:], text)
        elif key.startswith("tracking_plan.") and key[14:] in form.fields:
            form.add_error(key[14:], message)
        elif key.startswith("scoring_inputs.") and f"score_{key[15:]}" in form.fields:
            form.add_error(f"score_{key[15:]}", message)
        elif key in form.fields:
            if message not in form.errors.get(key, []):
                form.add_error(key, message)
        else:
            self.leftovers.append(f"{key}: {message}")


def _error_summary(form: RequestForm, answers: Any) -> list[tuple[str, str, str]]:
    """(field id, label, message) for every field error of both forms, in page order."""
    links = form.error_links()
    for name, field in answers.fields.items():
        for message in answers.errors.get(name, []) if answers.is_bound else []:
            links.append((answers[name].id_for_label, field.label or name, str(message)))
    return links


def _input_definition(service: Service) -> list[dict[str, Any]]:
    """The published version's input definition (only published services are offered)."""
    version = service.current_version
    return version.input_definition if version is not None else []


class _FormMixin:
    template_name = "intake/request_form.html"

    def _forms(
        self,
        http: HttpRequest,
        definition: list,
        initial: dict,
        answers: dict,
        bound: bool,
        service: Service | None = None,
    ) -> tuple[RequestForm, AnswersForm]:
        factors = services.default_scoring_version().parsed()
        data = http.POST if bound else None
        files = http.FILES if bound else None
        form = RequestForm(
            data,
            files,
            initial=initial,
            factors=factors,
            asked=services.standard_fields_asked(definition),
            required=services.submit_required_fields(service, definition) if service else (),
        )
        form.set_tracking_choices(**selectors.tracking_choices(http.user))
        form.set_campaign_hint(
            example=services.campaign_name_example(),
            builder_url=reverse("governance:utm_builder"),
        )
        answers_form = build_answers_form(definition, data, initial=answers, prefix=ANSWERS_PREFIX)
        return form, answers_form

    def _render(self, http: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
        form, answers = context.get("form"), context.get("answers")
        if form is not None and answers is not None and form.is_bound:
            context.setdefault("summary", _error_summary(form, answers))
        context.setdefault("upload_types", ALLOWED_DESCRIPTION)
        context.setdefault("upload_limit", services.attachment_max_bytes())
        return render(http, self.template_name, context, status=status)


class RequestCreateView(RoleRequiredMixin, _FormMixin, View):
    read_roles = MAKERS
    write_roles = MAKERS

    def _service(self, slug: str) -> Service:
        return get_object_or_404(
            Service.objects.select_related("current_version"),
            slug=slug,
            status=ServiceStatus.ACTIVE,
            current_version__isnull=False,
        )

    def get(self, http: HttpRequest, slug: str) -> HttpResponse:
        service = self._service(slug)
        definition = _input_definition(service)
        form, answers = self._forms(http, definition, {}, {}, False, service)
        return self._render(http, service=service, form=form, answers=answers, obj=None)

    def post(self, http: HttpRequest, slug: str) -> HttpResponse:
        """Save a draft, or submit: the draft, its files and the submission are one
        transaction, so a submit that fails leaves no draft behind (one per attempt)."""
        service = self._service(slug)
        definition = _input_definition(service)
        form, answers = self._forms(http, definition, {}, {}, True, service)
        context = {"service": service, "form": form, "answers": answers, "obj": None}
        if not form.is_valid():
            return self._render(http, status=400, **context)
        submit = http.POST.get("intent") == "submit"
        target = RequestFormErrors(form, answers)
        ok, obj = call_service(
            http,
            services.request_create,
            form=target,
            service=service,
            actor=http.user,
            answers=raw_answers(answers),
            attachments=form.cleaned_data.get("attachments") or [],
            submit=submit,
            **form.values(),
        )
        if not ok or obj is None:
            errors = target.leftovers
            return self._render(http, status=400, errors=errors, submit_failed=submit, **context)
        if submit:
            messages.success(http, f"{obj.reference} submitted.")
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(http, f"Draft {obj.reference} saved.")
        return HttpResponseRedirect(reverse("intake:request_edit", args=[obj.pk]))


SUBMITTED_MESSAGES = {
    "submit": "{ref} submitted.",
    "answer": "{ref} answered and resubmitted to MOPS.",
}


def _submit(
    http: HttpRequest, obj: Request, form: RequestForm, answers: Any, name: str
) -> HttpResponse:
    target = RequestFormErrors(form, answers)
    ok, done = call_service(
        http,
        services.request_transition,
        form=target,
        request=obj,
        name=name,
        actor=http.user,
        note=http.POST.get("note", ""),
    )
    if not ok or done is None:
        obj.refresh_from_db()
        form.data = cast(QueryDict, form.data).copy()  # bound to the POST
        form.data["version"] = str(obj.version)
        return _FormMixin()._render(
            http,
            status=400,
            service=obj.service,
            form=form,
            answers=answers,
            obj=obj,
            errors=target.leftovers,
            submit_failed=True,
        )
    obj = done
    messages.success(http, SUBMITTED_MESSAGES[name].format(ref=obj.reference))
    return HttpResponseRedirect(obj.get_absolute_url())


class RequestEditView(RoleRequiredMixin, _FormMixin, View):
    """Edit a draft (then submit) or a request waiting on the requester (then answer)."""

    read_roles = MAKERS
    write_roles = MAKERS

    def _obj(self, http: HttpRequest, pk: int) -> Request:
        obj = _visible_request(http.user, pk)
        if not services.can_edit(obj, http.user):
            raise PermissionDenied("This request cannot be edited in its current state.")
        return obj

    def get(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = self._obj(http, pk)
        form, answers = self._forms(
            http,
            obj.service_version.input_definition,
            RequestForm.initial_for(obj),
            obj.answers,
            False,
            obj.service,
        )
        return self._render(http, service=obj.service, form=form, answers=answers, obj=obj)

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = self._obj(http, pk)
        form, answers = self._forms(
            http,
            obj.service_version.input_definition,
            RequestForm.initial_for(obj),
            {},
            True,
            obj.service,
        )
        context = {"service": obj.service, "form": form, "answers": answers, "obj": obj}
        if not form.is_valid():
            return self._render(http, status=400, **context)

        def save() -> Request:
            saved = services.request_update(
                request=obj,
                actor=actor_of(http),
                expected_version=form.cleaned_data.get("version"),
                answers=raw_answers(answers),
                **form.values(),
            )
            if form.cleaned_data.get("attachments"):
                services.attachments_add(
                    request=saved, files=form.cleaned_data["attachments"], actor=actor_of(http)
                )
            return saved

        target = RequestFormErrors(form, answers)
        ok, saved = call_service(http, save, form=target)
        if not ok or saved is None:
            return self._render(http, status=400, **context, errors=target.leftovers)
        obj = saved
        intent = http.POST.get("intent")
        if intent in ("submit", "answer"):
            return _submit(http, obj, form, answers, intent)
        messages.success(http, f"{obj.reference} saved.")
        return HttpResponseRedirect(reverse("intake:request_edit", args=[obj.pk]))
