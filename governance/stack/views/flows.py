"""Flows and the integration map."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views import View

from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin

from .. import selectors, services
from ..filters import FlowFilter
from ..forms import (
    FlowForm,
)
from ..models import Flow
from ..services import STACK_READERS
from ._base import (
    FilteredListView,
    _can_edit,
    _ModelFormView,
)


class MapView(RoleRequiredMixin, View):
    """The integration map: tools in layer columns, each flow an edge coloured by its
    heartbeat monitor and linking to the flow. `?golden=1` keeps golden-path flows only."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        golden_only = request.GET.get("golden") == "1"
        drawing = selectors.integration_map(golden_only=golden_only)
        return render(
            request,
            "stack/map.html",
            {
                # Escaped piece by piece in maplayout.render_svg (names are user text).
                "svg": mark_safe(selectors.integration_map_svg(drawing)),  # noqa: S308
                "edges": len(drawing.edges),
                "golden_only": golden_only,
                "summary": selectors.golden_path_summary(),
                "can_edit": _can_edit(request),
            },
        )


class FlowListView(FilteredListView):
    template_name = "stack/flow_list.html"
    filterset_class = FlowFilter

    def base_queryset(self) -> QuerySet[Flow]:
        return selectors.flows()


class FlowDetailView(RoleRequiredMixin, View):
    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        flow = get_object_or_404(selectors.flows(), pk=pk)
        return render(
            request,
            "stack/flow_detail.html",
            {
                "flow": flow,
                "golden": flow.on_golden_path,
                "can_edit": _can_edit(request),
            },
        )


class FlowFormView(_ModelFormView):
    model = Flow
    form_class = FlowForm
    noun = "flow"
    list_label = "Flows"

    def create(self, actor: User, data: dict[str, Any]) -> Flow:
        return services.flow_create(actor=actor, **data)

    def update(self, obj: Flow, actor: User, version: int | None, data: dict[str, Any]) -> Flow:
        return services.flow_update(flow=obj, actor=actor, expected_version=version, **data)
