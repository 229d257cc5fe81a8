"""REST API of enablement: playbooks (search, versions, restore, feedback) and courses
(modules, enrolment, quiz submission), calling the same services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mops.accounts.roles import ALL_ROLES, has_role
from mops.core.concurrency import if_match_version

from .. import selectors
from ..filters import PlaybookFilter
from ..models import Category, Course, CourseModule, Enrolment, Playbook
from ..services import (
    EDITORS,
    LEARNERS,
    category_save,
    course_enrol,
    course_save,
    module_save,
    module_submit,
    playbook_feedback,
    playbook_read,
    playbook_restore,
    playbook_save,
)
from .serializers import (
    CategorySerializer,
    CourseModuleSerializer,
    CourseSerializer,
    EnrolmentSerializer,
    FeedbackSerializer,
    PlaybookSerializer,
    PlaybookVersionSerializer,
    RestoreSerializer,
    SubmitResultSerializer,
    SubmitSerializer,
)


class _ServiceWrites:
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _validated(self, request: Request, instance: Any = None, partial: bool = False) -> dict:
        serializer = self.get_serializer(instance, data=request.data, partial=partial)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(obj).data, status=code)  # type: ignore[attr-defined]


class CategoryViewSet(
    _ServiceWrites, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Playbook categories."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    pagination_class = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._validated(request)
        return self._respond(category_save(actor=request.user, **data), status.HTTP_201_CREATED)


class PlaybookViewSet(
    _ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
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

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.playbooks_base().prefetch_related("services")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playbook = self.get_object()
        playbook_read(user=request.user, playbook=playbook)
        return Response(self.get_serializer(playbook).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._validated(request)
        playbook = playbook_save(actor=request.user, **data)
        return self._respond(playbook, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playbook = self.get_object()
        data = self._validated(request, playbook, partial=True)
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
            actor=request.user,
            playbook=playbook,
            expected_version=if_match_version(request),
            **{**current, **data},
        )
        return self._respond(saved)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=PlaybookVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, slug: str | None = None) -> Response:
        history = selectors.playbook_versions(self.get_object())
        return Response(PlaybookVersionSerializer(history, many=True).data)

    @extend_schema(request=RestoreSerializer, responses=PlaybookSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, slug: str | None = None) -> Response:
        body = RestoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        restored = playbook_restore(
            actor=request.user,
            playbook=self.get_object(),
            version=body.validated_data["version"],
            expected_version=if_match_version(request),
        )
        return self._respond(restored)

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, slug: str | None = None) -> Response:
        body = FeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = playbook_feedback(
            actor=request.user, playbook=self.get_object(), **body.validated_data
        )
        return Response(FeedbackSerializer(saved).data, status=status.HTTP_201_CREATED)


class CourseViewSet(
    _ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Training courses with their modules. Quiz answers are shown to MOPS staff only;
    `submit` grades on the server. `unlocks` are self-serve services the course gates."""

    serializer_class = CourseSerializer
    queryset = Course.objects.none()
    read_roles = ALL_ROLES
    write_roles = EDITORS
    action_roles = {"enrol": LEARNERS, "submit": LEARNERS}
    lookup_field = "slug"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Course.objects.prefetch_related("unlocks", "modules__playbook").order_by(
            "subject", "level", "title"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "show_answers": has_role(self.request.user, EDITORS),
        }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._validated(request)
        return self._respond(course_save(actor=request.user, **data), status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        course = self.get_object()
        data = self._validated(request, course, partial=True)
        current = {
            f: getattr(course, f)
            for f in ("slug", "title", "description", "level", "subject", "tool")
        }
        current["unlocks"] = list(course.unlocks.all())
        return self._respond(course_save(actor=request.user, course=course, **{**current, **data}))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=CourseModuleSerializer, responses={201: CourseModuleSerializer})
    @action(detail=True, methods=["post"])
    def modules(self, request: Request, slug: str | None = None) -> Response:
        course = self.get_object()
        body = CourseModuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        module = module_save(actor=request.user, course=course, **body.validated_data)
        return Response(
            CourseModuleSerializer(module, context={"show_answers": True}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, slug: str | None = None) -> Response:
        enrolment = course_enrol(actor=request.user, course=self.get_object())
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubmitSerializer, responses=SubmitResultSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, slug: str | None = None) -> Response:
        course = self.get_object()
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        module = CourseModule.objects.filter(
            course=course, position=body.validated_data["position"]
        ).first()
        if module is None:
            raise serializers.ValidationError(
                {
                    "position": f"Course '{course.slug}' has no module {body.validated_data['position']}."
                }
            )
        score, passed = module_submit(
            actor=request.user, module=module, answers=body.validated_data["answers"]
        )
        completed = Enrolment.objects.filter(
            course=course, user=request.user, completed_at__isnull=False
        ).exists()
        return Response({"score": score, "passed": passed, "course_completed": completed})


class EnrolmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Enrolments: a learner sees their own; MOPS staff and leadership see everyone's."""

    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()
    read_roles = ALL_ROLES

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.enrolments_visible_to(self.request.user)
