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

if TYPE_CHECKING:  # a mixin for generic API views: type its self as one
    _ApiView = GenericAPIView
else:
    _ApiView = object


class ServiceWriteMixin(_ApiView):
    """Create and update through the service layer, never `serializer.save()`.

    A view validates the body with `validated(request, instance, partial=)`, calls its
    service and answers with `respond(obj, code)`: the object read again through
    `get_queryset()` (so the answer has what the list and detail have), serialized. PUT and
    PATCH both arrive at `write_update(request, partial=)`, which the view writes.
    """

    http_method_names: Sequence[str] = ["get", "post", "patch", "put", "head", "options"]

    def validated(self, request: Request, instance: Any = None, partial: bool = False) -> dict:
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

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
