"""API viewsets that write through a service (the kernel's, for every app's `api/views.py`).

Kept apart from `mops.core.api`: DRF's generic views load their default pagination class
from there as they are first imported, so that module cannot import them.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rest_framework import mixins, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

if TYPE_CHECKING:  # a mixin for generic API views: type its self as one
    _ApiView = GenericAPIView
else:
    _ApiView = object


def valid_data(
    serializer_class: type[BaseSerializer], request: Request, **kwargs: Any
) -> dict[str, Any]:
    """The request body checked by `serializer_class` (a 400 naming each field if not), for
    an action whose body is not the view's own serializer."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ServiceCreateMixin(_ApiView):
    """Create through the service layer, never `serializer.save()` (for a view with no
    update; `ServiceWriteMixin` adds it).

    A view validates the body with `validated(request, instance, partial=)`, calls its
    service and answers with `respond(obj, code)`: the object read again through
    `get_queryset()` (so the answer has what the list and detail have), serialized. A view
    whose body is not what it answers names the body's serializer in
    `write_serializer_class` (`validated` reads with it; the answer stays the view's own).
    """

    http_method_names: Sequence[str] = ["get", "post", "patch", "put", "head", "options"]
    write_serializer_class: type[BaseSerializer] | None = None

    def validated(self, request: Request, instance: Any = None, partial: bool = False) -> dict:
        if self.write_serializer_class is None:
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
        else:
            serializer = self.write_serializer_class(
                instance,
                data=request.data,
                partial=partial,
                context=self.get_serializer_context(),
            )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


class ServiceWriteMixin(ServiceCreateMixin):
    """Create and update through the service layer, never `serializer.save()`.

    Validating and answering are `ServiceCreateMixin`'s `validated` and `respond`. PUT and
    PATCH both arrive at `write_update(request, partial=)`, which the view writes.
    """

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.write_update(request, partial=kwargs.pop("partial", False))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.write_update(request, partial=True)

    def write_update(self, request: Request, partial: bool) -> Response:  # pragma: no cover
        raise NotImplementedError


class ServiceWriteViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update, the writes through the view's service
    (`create` and `write_update`, see `ServiceWriteMixin`)."""
