"""Admin base classes shared by every app.

Writes go through the services (one write path), so an admin either refuses them
(`ReadOnlyAdmin`) or hands them to the service (`ServiceAdmin`: `service_save` /
`service_delete`; or its own `save_model`/`delete_model` on a `HistoryAdmin`). Neither lets django-simple-history's "Revert" write an old
version back around the service.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from mops.accounts.models import User
from mops.core.actors import actor_of


def _tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class HistoryAdmin(SimpleHistoryAdmin):
    """The history views without Revert (a revert saves an old version around the service).
    A model simple-history does not track gets Django's own admin-log history instead."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not _tracked(self.model):
            response = admin.ModelAdmin.history_view(self, request, object_id, extra_context)
            if isinstance(response, TemplateResponse):
                response.template_name = "admin/object_history.html"
            return response
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" or not _tracked(self.model):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(HistoryAdmin):
    """Listing and history only: writes go through the services (one write path)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(HistoryAdmin):
    """The editor of a model with no page: the form's `service_fields` go to the service
    (`service_save`), and deleting one or many goes to `service_delete`, one by one, as
    the signed-in user; the service checks, validates and records the event."""

    service_fields: tuple[str, ...] = ()

    def service_save(self, *, actor: User, obj: Any, data: dict[str, Any], change: bool) -> Any:
        raise NotImplementedError

    def service_delete(self, *, actor: User, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in self.service_fields if f in form.cleaned_data}
        obj.pk = self.service_save(actor=actor_of(request), obj=obj, data=data, change=change).pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(actor=actor_of(request), obj=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.service_delete(actor=actor_of(request), obj=obj)
