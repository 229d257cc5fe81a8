"""REST API of enablement: playbooks (search, versions, restore, feedback), courses
(modules, enrolment, quiz submission) and office hours (series, sessions, booking,
attendance), calling the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, has_role
from mops.core.actors import actor_of
from mops.core.api_views import ServiceCreateMixin, ServiceWriteViewSet, valid_data
from mops.core.concurrency import IF_MATCH_PARAMETER, if_match_version

from .. import selectors
from ..filters import PlaybookFilter
from ..models import (
    Category,
    Course,
    CourseModule,
    Enrolment,
    OfficeHours,
    OfficeHoursSession,
    Playbook,
)
from ..services import (
    EDITORS,
    LEARNERS,
    OFFICE_HOURS_FIELDS,
    booking_cancel,
    category_save,
    course_enrol,
    course_save,
    module_save,
    module_submit,
    office_hours_save,
    playbook_feedback,
    playbook_read,
    playbook_restore,
    playbook_save,
    session_attendance,
    session_book,
    session_cancel,
)
from .serializers import (
    AttendanceSerializer,
    BookingSerializer,
    CategorySerializer,
    CourseModuleSerializer,
    CourseSerializer,
    EnrolmentSerializer,
    FeedbackSerializer,
    OfficeHoursSerializer,
    OfficeHoursSessionSerializer,
    PlaybookSerializer,
    PlaybookVersionSerializer,
    RestoreSerializer,
    SessionCancelSerializer,
    SubmitResultSerializer,
    SubmitSerializer,
    UnbookSerializer,
)

# Edits are PATCH (each merges into what is there); PUT is not offered.
HTTP_METHODS = ["get", "post", "patch", "head", "options"]


class CategoryViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Playbook categories."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    pagination_class = None
    http_method_names = HTTP_METHODS

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        return self.respond(category_save(actor=actor_of(request), **data), status.HTTP_201_CREATED)


class PlaybookViewSet(ServiceWriteViewSet):
    """The playbook library. Every edit is a new version; PATCH may send
    `If-Match: "<version>"` (412 when stale). With `q` the list is ranked (title over body,
    then most recently updated)."""

    serializer_class = PlaybookSerializer
    queryset = Playbook.objects.none()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    action_roles = {"feedback": LEARNERS}
    lookup_field = "slug"
    filterset_class = PlaybookFilter
    http_method_names = HTTP_METHODS

    def get_queryset(self) -> QuerySet[Playbook]:
        return selectors.playbooks_base().prefetch_related("services")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playbook = self.get_object()
        playbook_read(user=request.user, playbook=playbook)
        return Response(self.get_serializer(playbook).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        playbook = playbook_save(actor=actor_of(request), **data)
        return self.respond(playbook, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        playbook = self.get_object()
        data = self.validated(request, playbook, partial=partial)
        current = {
            "slug": playbook.slug,
            "title": playbook.title,
            "summary": playbook.summary,
            "body": playbook.body,
            "category": playbook.category,
            "owner": playbook.owner,
            "review_by": playbook.review_by,
            "services": list(playbook.services.all()),
        }
        saved = playbook_save(
            actor=actor_of(request),
            playbook=playbook,
            expected_version=if_match_version(request),
            **{**current, **data},
        )
        return self.respond(saved)

    @extend_schema(request=None, responses=PlaybookVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, slug: str | None = None) -> Response:
        history = selectors.playbook_versions(self.get_object())
        return Response(PlaybookVersionSerializer(history, many=True).data)

    @extend_schema(request=RestoreSerializer, responses=PlaybookSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, slug: str | None = None) -> Response:
        data = valid_data(RestoreSerializer, request)
        restored = playbook_restore(
            actor=actor_of(request),
            playbook=self.get_object(),
            version=data["version"],
            expected_version=if_match_version(request),
        )
        return self.respond(restored)

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, slug: str | None = None) -> Response:
        data = valid_data(FeedbackSerializer, request)
        saved = playbook_feedback(actor=actor_of(request), playbook=self.get_object(), **data)
        return Response(FeedbackSerializer(saved).data, status=status.HTTP_201_CREATED)


class CourseViewSet(ServiceWriteViewSet):
    """Training courses with their modules. Quiz answers are shown to MOPS staff only;
    `submit` grades on the server. `unlocks` are self-serve services the course gates."""

    serializer_class = CourseSerializer
    queryset = Course.objects.none()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    action_roles = {"enrol": LEARNERS, "submit": LEARNERS}
    lookup_field = "slug"
    http_method_names = HTTP_METHODS

    def get_queryset(self) -> QuerySet[Course]:
        return Course.objects.prefetch_related("unlocks", "modules__playbook").order_by(
            "subject", "level", "title"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "show_answers": has_role(self.request.user, EDITORS),
        }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        return self.respond(course_save(actor=actor_of(request), **data), status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        course = self.get_object()
        data = self.validated(request, course, partial=partial)
        current = {
            f: getattr(course, f)
            for f in ("slug", "title", "description", "level", "subject", "tool")
        }
        current["unlocks"] = list(course.unlocks.all())
        return self.respond(
            course_save(actor=actor_of(request), course=course, **{**current, **data})
        )

    @extend_schema(request=CourseModuleSerializer, responses={201: CourseModuleSerializer})
    @action(detail=True, methods=["post"])
    def modules(self, request: Request, slug: str | None = None) -> Response:
        course = self.get_object()
        data = valid_data(CourseModuleSerializer, request)
        module = module_save(actor=actor_of(request), course=course, **data)
        return Response(
            CourseModuleSerializer(module, context={"show_answers": True}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=CourseModuleSerializer,
        responses=CourseModuleSerializer,
        parameters=[OpenApiParameter("position", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"modules/(?P<position>[0-9]{1,4})",
        url_name="module",
    )
    def module(self, request: Request, slug: str | None = None, position: str = "") -> Response:
        """Edit one module (its title, playbook, quiz, pass mark or position)."""
        course = self.get_object()
        module = get_object_or_404(course.modules, position=int(position))
        data = valid_data(CourseModuleSerializer, request, instance=module, partial=True)
        current = {
            "title": module.title,
            "playbook": module.playbook,
            "quiz": module.quiz,
            "pass_mark": module.pass_mark,
            "position": module.position,
        }
        saved = module_save(
            actor=actor_of(request),
            course=course,
            module=module,
            **{**current, **data},
        )
        return Response(CourseModuleSerializer(saved, context={"show_answers": True}).data)

    @extend_schema(request=None, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, slug: str | None = None) -> Response:
        enrolment = course_enrol(actor=actor_of(request), course=self.get_object())
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubmitSerializer, responses=SubmitResultSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, slug: str | None = None) -> Response:
        course = self.get_object()
        data = valid_data(SubmitSerializer, request)
        module = CourseModule.objects.filter(course=course, position=data["position"]).first()
        if module is None:
            raise serializers.ValidationError(
                {"position": f"Course '{course.slug}' has no module {data['position']}."}
            )
        score, passed = module_submit(
            actor=actor_of(request), module=module, answers=data["answers"]
        )
        completed = Enrolment.objects.filter(
            course=course, user=actor_of(request), completed_at__isnull=False
        ).exists()
        return Response({"score": score, "passed": passed, "course_completed": completed})


class EnrolmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Enrolments: a learner sees their own; MOPS staff and leadership see everyone's."""

    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()
    read_roles = ALL_ROLES

    def get_queryset(self) -> QuerySet[Enrolment]:
        return selectors.enrolments_visible_to(self.request.user)


@extend_schema_view(partial_update=extend_schema(parameters=[IF_MATCH_PARAMETER]))
class OfficeHoursViewSet(ServiceWriteViewSet):
    """Office-hours series: a topic, a host (MOPS staff), an RRULE in local time and seats
    per session. Saving schedules the sessions eight weeks ahead. PATCH may send
    `If-Match: "<version>"` (412 when stale)."""

    serializer_class = OfficeHoursSerializer
    queryset = OfficeHours.objects.none()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    http_method_names = HTTP_METHODS

    def get_queryset(self) -> QuerySet[OfficeHours]:
        return selectors.office_hours_series()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        saved = office_hours_save(actor=actor_of(request), data=data)
        return self.respond(saved, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        series = self.get_object()
        data = self.validated(request, series, partial=partial)
        saved = office_hours_save(
            actor=actor_of(request),
            series=series,
            data={k: v for k, v in data.items() if k in OFFICE_HOURS_FIELDS},
            expected_version=if_match_version(request),
        )
        return self.respond(saved)


class OfficeHoursSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Office-hours sessions (by default those not over yet; `?past=true` for the ended
    ones), with seats taken and whether you hold one. `book` / `unbook` a seat (capacity
    is enforced under concurrency: the last seat goes to one person); the host, a PM or
    an admin lists the `bookings`, marks `attendance` and may `cancel` the session."""

    serializer_class = OfficeHoursSessionSerializer
    queryset = OfficeHoursSession.objects.none()
    read_roles = ALL_ROLES
    action_roles = {
        "book": LEARNERS,
        "unbook": LEARNERS,
        "bookings": MOPS_STAFF,
        "attendance": MOPS_STAFF,
        "cancel": MOPS_STAFF,
    }

    def get_queryset(self) -> QuerySet[OfficeHoursSession]:
        qs = selectors.sessions_with_seats(self.request.user)
        if self.action != "list":
            return qs
        past = self.request.query_params.get("past", "").lower() in ("1", "true")
        now = timezone.now()
        return (
            qs.filter(ends_at__lte=now).order_by("-starts_at")
            if past
            else qs.filter(ends_at__gt=now)
        )

    @extend_schema(parameters=[OpenApiParameter("past", bool)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={201: BookingSerializer})
    @action(detail=True, methods=["post"])
    def book(self, request: Request, pk: str | None = None) -> Response:
        booking = session_book(actor=actor_of(request), session=self.get_object())
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UnbookSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def unbook(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(UnbookSerializer, request)
        booking = booking_cancel(
            actor=actor_of(request), session=self.get_object(), user=data.get("user")
        )
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def bookings(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        if not selectors.session_manageable_by(request.user, session):
            raise PermissionDenied("Only the host, a PM or an admin may see the bookings.")
        return Response(BookingSerializer(selectors.session_bookings(session), many=True).data)

    @extend_schema(
        request=AttendanceSerializer,
        responses=OfficeHoursSessionSerializer,
        parameters=[IF_MATCH_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        data = valid_data(AttendanceSerializer, request)
        names = set(data["attended"])
        people = dict(
            get_user_model().objects.filter(username__in=names).values_list("username", "pk")
        )
        unknown = sorted(names - set(people))
        if unknown:
            raise ValidationError({"attended": f"No such people: {', '.join(unknown)}."})
        session_attendance(
            actor=actor_of(request),
            session=session,
            attended=people.values(),
            expected_version=if_match_version(request),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(request=SessionCancelSerializer, responses=OfficeHoursSessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        data = valid_data(SessionCancelSerializer, request)
        session_cancel(actor=actor_of(request), session=session, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)
