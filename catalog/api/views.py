"""Catalog API: services (+ versions, publish, retire), SLA policies, business calendars
(+ due-date and business-time answers), templates (+ versions, publish, rollback).

Reading is open to every signed-in role (requesters see active services only); writing
services and templates is for admins and MOPS PMs, calendars and policies for admins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mops.accounts.roles import ADMINS, ALL_ROLES
from mops.core.actors import actor_of
from mops.core.api_views import ServiceWriteViewSet, valid_data
from mops.core.concurrency import if_match_version

from .. import selectors
from ..closeddays import ClosedSpan
from ..filters import ServiceFilter, TemplateFilter
from ..models import (
    Calendar,
    ClosedDay,
    SelfServeCompletion,
    Service,
    SlaPolicy,
    Template,
    TemplateVersion,
)
from ..services import (
    CATALOG_EDITORS,
    SELF_SERVERS,
    calendar_create,
    calendar_update,
    selfserve_complete,
    service_create,
    service_publish,
    service_retire,
    service_update,
    sla_policy_create,
    sla_policy_update,
    template_create,
    template_publish,
    template_rollback,
    template_update,
)
from .serializers import (
    BusinessTimeQuerySerializer,
    BusinessTimeSerializer,
    CalendarSerializer,
    DueDateQuerySerializer,
    DueDateSerializer,
    SelfServeCompleteSerializer,
    SelfServeCompletionSerializer,
    ServiceSerializer,
    ServiceVersionSerializer,
    SlaPolicySerializer,
    TemplatePublishSerializer,
    TemplateRollbackSerializer,
    TemplateSerializer,
    TemplateVersionSerializer,
)

# --- services -----------------------------------------------------------------------------


class ServiceViewSet(ServiceWriteViewSet):
    """Services. Requesters see active ones; edits that touch the input definition,
    complexity, SLA policy or templates create a new version. Updates may send
    `If-Match: "<revision>"` (412 when stale)."""

    serializer_class = ServiceSerializer
    queryset = Service.objects.none()
    read_roles = ALL_ROLES
    write_roles = CATALOG_EDITORS
    action_roles = {"complete": SELF_SERVERS}
    filterset_class = ServiceFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "updated_at", "created_at"]

    def get_queryset(self) -> QuerySet[Service]:
        return selectors.services_visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        if "sla_policy" not in data:
            raise serializers.ValidationError({"sla_policy": "This field is required."})
        service = service_create(actor=actor_of(request), **data)
        return self.respond(service, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        service = self.get_object()
        data = self.validated(request, service, partial=partial)
        service = service_update(
            service=service,
            actor=actor_of(request),
            expected_revision=if_match_version(request),
            **data,
        )
        return self.respond(service)

    @extend_schema(
        request=None,
        responses={200: ServiceSerializer, 409: None},
        description="Draft or retired → active (visible to requesters).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self.respond(service_publish(service=self.get_object(), actor=actor_of(request)))

    @extend_schema(request=None, responses={200: ServiceSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        return self.respond(service_retire(service=self.get_object(), actor=actor_of(request)))

    @extend_schema(
        request=SelfServeCompleteSerializer,
        responses={201: SelfServeCompletionSerializer},
        description="Record that you finished this self-serve service yourself, with no "
        "request (counted in self-serve share). 400 when the service is not self-serve.",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(SelfServeCompleteSerializer, request)
        completion = selfserve_complete(
            service=self.get_object(), actor=actor_of(request), outcome=data["outcome"]
        )
        return Response(
            SelfServeCompletionSerializer(completion).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=ServiceVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        service = self.get_object()
        return Response(
            ServiceVersionSerializer(selectors.service_versions(service), many=True).data
        )


# --- SLA policies and calendars -----------------------------------------------------------


class SlaPolicyViewSet(ServiceWriteViewSet):
    """SLA policies: targets in business hours per complexity on a calendar."""

    serializer_class = SlaPolicySerializer
    queryset = SlaPolicy.objects.select_related("calendar").order_by("name")
    read_roles = ALL_ROLES
    write_roles = ADMINS
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = sla_policy_create(actor=actor_of(request), **self.validated(request))
        return self.respond(policy, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        policy = self.get_object()
        data = self.validated(request, policy, partial=partial)
        return self.respond(sla_policy_update(policy=policy, actor=actor_of(request), **data))


MIN_YEAR, MAX_YEAR = 1971, 2199
MAX_SPAN_DAYS = 3 * 366


def _parse_instant(raw: str | None, field: str, tz: str) -> datetime:
    """An ISO 8601 instant; naive ones are read in the calendar's time zone."""
    if raw is None or not str(raw).strip():
        raise serializers.ValidationError({field: "Give an ISO 8601 date-time."})
    text = str(raw).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    candidates = [text]
    if " " in text:  # '+' decoded as a space in an unencoded query string
        head, _, tail = text.rpartition(" ")
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(tz))
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise serializers.ValidationError(
                {field: f"Give an instant between {MIN_YEAR} and {MAX_YEAR}."}
            )
        return value
    raise serializers.ValidationError(
        {field: f"'{raw}' is not an ISO 8601 date-time (e.g. 2025-03-03T09:00:00-05:00)."}
    )


class CalendarViewSet(ServiceWriteViewSet):
    """Business calendars, and the business-time engine over them."""

    serializer_class = CalendarSerializer
    queryset = Calendar.objects.prefetch_related(
        Prefetch("closed_days", queryset=ClosedDay.objects.order_by("date"))
    ).order_by("name")
    read_roles = ALL_ROLES
    write_roles = ADMINS
    search_fields = ["name"]
    ordering_fields = ["name"]

    @staticmethod
    def _closed(data: dict) -> list | None:
        rows = data.pop("closed_days", None)
        if rows is None:
            return None
        spans = []
        for n, row in enumerate(rows):
            end = row.get("end_date") or row["date"]
            if end < row["date"]:
                raise serializers.ValidationError(
                    {"closed_days": {str(n): {"end_date": "The range ends before it starts."}}}
                )
            if row.get("yearly") and (row["date"].month, row["date"].day) == (2, 29):
                raise serializers.ValidationError(
                    {"closed_days": {str(n): {"date": "29 February does not come every year."}}}
                )
            name = row.get("name") or "Company closed day"
            spans.append(ClosedSpan(row["date"], end, name, bool(row.get("yearly"))))
        return spans

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        closed = self._closed(data) or []
        calendar = calendar_create(actor=actor_of(request), closed_days=closed, **data)
        return self.respond(calendar, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        calendar = self.get_object()
        data = self.validated(request, calendar, partial=partial)
        closed = self._closed(data)
        calendar = calendar_update(
            calendar=calendar, actor=actor_of(request), closed_days=closed, **data
        )
        return self.respond(calendar)

    def _policy(self, calendar: Calendar, ref: str | None) -> SlaPolicy:
        policies = SlaPolicy.objects.select_related("calendar")
        if ref:
            found = (
                policies.filter(pk=int(ref)).first()
                if ref.isdigit() and len(ref) < 18
                else policies.filter(slug=ref).first()
            )
            if found is None:
                raise serializers.ValidationError({"policy": f"No SLA policy '{ref}'."})
            found.calendar = calendar  # the question is asked on this calendar
            return found
        found = policies.filter(calendar=calendar).order_by("pk").first()
        if found is None:
            raise serializers.ValidationError(
                {"policy": "No SLA policy uses this calendar; name one with ?policy=."}
            )
        return found

    @extend_schema(
        parameters=[DueDateQuerySerializer],
        responses=DueDateSerializer,
        description="When a clock of `complexity` started at `start` is due (and at risk), "
        "on this calendar, with the targets of `policy`.",
    )
    @action(detail=True, methods=["get"], url_path="due-date")
    def due_date(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        query = DueDateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        start = (
            _parse_instant(params["start"], "start", calendar.time_zone)
            if params.get("start")
            else timezone.now()
        )
        policy = self._policy(calendar, params.get("policy"))
        clock, complexity = params.get("clock") or "delivery", params["complexity"]
        engine = calendar.engine_for(start)
        # Business days and "end of this business day" depend on the start: exact budget.
        target = engine.budget(start, policy.target_spec(clock, complexity))
        hours = (
            policy.triage_hours(complexity)
            if clock == "triage"
            else policy.delivery_hours(complexity)
        )
        at_risk = engine.add(start, target * policy.at_risk_ratio)
        return Response(
            DueDateSerializer(
                {
                    "calendar": calendar.pk,
                    "policy": policy.pk,
                    "clock": clock,
                    "complexity": complexity,
                    "start": start,
                    "business_hours": hours,
                    "target": policy.describe_target(clock, complexity),
                    "at_risk_at": at_risk,
                    "due": engine.due(start, policy.target_spec(clock, complexity)),
                }
            ).data
        )

    @extend_schema(
        parameters=[BusinessTimeQuerySerializer],
        responses=BusinessTimeSerializer,
        description="Business time between `start` and `end` on this calendar.",
    )
    @action(detail=True, methods=["get"], url_path="business-time")
    def business_time(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        query = BusinessTimeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = _parse_instant(query.validated_data["start"], "start", calendar.time_zone)
        end = _parse_instant(query.validated_data["end"], "end", calendar.time_zone)
        if end < start:
            raise serializers.ValidationError({"end": "end is before start."})
        if (end - start).days > MAX_SPAN_DAYS:
            raise serializers.ValidationError(
                {"end": f"Ask about at most {MAX_SPAN_DAYS} days at a time."}
            )
        elapsed = calendar.engine_for(start, end).elapsed(start, end)
        seconds = int(elapsed.total_seconds())
        hours = Decimal(seconds) / 3600
        return Response(
            BusinessTimeSerializer(
                {
                    "calendar": calendar.pk,
                    "start": start,
                    "end": end,
                    "business_seconds": seconds,
                    "business_hours": hours.quantize(Decimal("0.0001")),
                    "business_days": (hours / calendar.hours_per_day).quantize(Decimal("0.0001")),
                }
            ).data
        )


# --- templates ----------------------------------------------------------------------------


class TemplateViewSet(ServiceWriteViewSet):
    """Templates (automation patterns) and their numbered versions."""

    serializer_class = TemplateSerializer
    queryset = Template.objects.none()
    read_roles = ALL_ROLES
    write_roles = CATALOG_EDITORS
    filterset_class = TemplateFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "updated_at"]

    def get_queryset(self) -> QuerySet[Template]:
        return selectors.templates().select_related(
            "current_version__author", "current_version__restored_from"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        data.setdefault("changelog", "First version.")
        return self.respond(
            template_create(actor=actor_of(request), **data), status.HTTP_201_CREATED
        )

    def write_update(self, request: Request, partial: bool) -> Response:
        template = self.get_object()
        data = self.validated(request, template, partial=partial)
        version_fields = {"content", "spec", "changelog", "rollback_plan"} & set(data)
        if version_fields:
            raise serializers.ValidationError(
                {f: "Publish a new version to change the content." for f in version_fields}
            )
        return self.respond(template_update(template=template, actor=actor_of(request), **data))

    @extend_schema(request=None, responses=TemplateVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()
        return Response(
            TemplateVersionSerializer(selectors.template_versions(template), many=True).data
        )

    def _new_version(
        self,
        request: Request,
        body_class: type[serializers.Serializer],
        write: Callable[..., TemplateVersion],
    ) -> Response:
        """The body checked, a version made by `write` (publish or roll back), 201 with it."""
        template = self.get_object()
        data = valid_data(body_class, request)
        version = write(template=template, actor=actor_of(request), **data)
        return Response(TemplateVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplatePublishSerializer, responses={201: TemplateVersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._new_version(request, TemplatePublishSerializer, template_publish)

    @extend_schema(request=TemplateRollbackSerializer, responses={201: TemplateVersionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def rollback(self, request: Request, pk: str | None = None) -> Response:
        # The body's changelog defaults to "" (never null): what template_rollback takes.
        return self._new_version(request, TemplateRollbackSerializer, template_rollback)


class SelfServeCompletionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Self-serve tasks finished without a request. Requesters see their team's; MOPS staff
    and leadership see all."""

    serializer_class = SelfServeCompletionSerializer
    queryset = SelfServeCompletion.objects.none()
    read_roles = ALL_ROLES
    write_roles: frozenset[str] = frozenset()
    ordering_fields = ["completed_at"]

    def get_queryset(self) -> QuerySet[SelfServeCompletion]:
        return selectors.completions_visible_to(self.request.user)
