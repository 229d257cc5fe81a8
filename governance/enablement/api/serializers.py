from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Service

from ..models import (
    Booking,
    Category,
    Course,
    CourseModule,
    OfficeHours,
    OfficeHoursSession,
    Playbook,
    validate_quiz,
)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class PlaybookSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    services = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    stale = serializers.SerializerMethodField()
    rank = serializers.SerializerMethodField(help_text="Search rank; null without ?q=.")
    headline = serializers.SerializerMethodField(
        help_text="Body fragments, matches between ⟦ and ⟧ (plain text); null without ?q=."
    )

    class Meta:
        model = Playbook
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "body",
            "category",
            "owner",
            "review_by",
            "stale",
            "services",
            "version",
            "rank",
            "headline",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]

    def get_stale(self, obj: Playbook) -> bool:
        return obj.is_stale()

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, obj: Playbook) -> float | None:
        return getattr(obj, "rank", None)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_headline(self, obj: Playbook) -> str | None:
        return getattr(obj, "headline", None)


class PlaybookVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    title = serializers.CharField()
    changed_at = serializers.DateTimeField(source="history_date")
    changed_by = serializers.CharField(source="history_user.username", default=None)
    reason = serializers.CharField(source="history_change_reason", default="")


class RestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class FeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CourseModuleSerializer(serializers.ModelSerializer):
    playbook = serializers.SlugRelatedField(slug_field="slug", queryset=Playbook.objects.all())
    quiz = serializers.JSONField(
        validators=[validate_quiz],
        help_text='[{"question": "...", "choices": ["a", "b"], "answer": 0}]; answers are '
        "only shown to MOPS staff.",
    )

    class Meta:
        model = CourseModule
        fields = ["id", "position", "title", "playbook", "quiz", "pass_mark"]
        extra_kwargs = {"position": {"required": False}}

    def to_representation(self, instance: CourseModule) -> dict:
        data = super().to_representation(instance)
        if not self.context.get("show_answers"):
            data["quiz"] = [
                {"question": q["question"], "choices": q["choices"]} for q in instance.quiz
            ]
        return data


class CourseSerializer(serializers.ModelSerializer):
    unlocks = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    modules = CourseModuleSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "level",
            "subject",
            "tool",
            "unlocks",
            "modules",
        ]


class SubmitSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    answers = serializers.ListField(child=serializers.IntegerField(min_value=0), max_length=100)


class SubmitResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    course_completed = serializers.BooleanField()


class EnrolmentSerializer(serializers.Serializer):
    course = serializers.CharField(source="course.slug")
    user = serializers.CharField(source="user.username")
    team = serializers.CharField(source="team.slug", default=None)
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


# --- office hours -----------------------------------------------------------------------------


class OfficeHoursSerializer(serializers.ModelSerializer):
    host = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    schedule = serializers.CharField(source="describe", read_only=True)

    class Meta:
        model = OfficeHours
        fields = [
            "id",
            "topic",
            "description",
            "host",
            "time_zone",
            "rrule",
            "first_date",
            "start_time",
            "duration_minutes",
            "capacity",
            "location",
            "active",
            "schedule",
            "version",
        ]
        read_only_fields = ["version"]


class OfficeHoursSessionSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="series.topic", read_only=True)
    host = serializers.CharField(source="series.host.username", read_only=True)
    booked = serializers.IntegerField(read_only=True, help_text="Seats taken.")
    seats_left = serializers.IntegerField(read_only=True)
    booked_by_me = serializers.BooleanField(source="mine", read_only=True)

    class Meta:
        model = OfficeHoursSession
        fields = [
            "id",
            "series",
            "topic",
            "host",
            "starts_at",
            "ends_at",
            "capacity",
            "booked",
            "seats_left",
            "booked_by_me",
            "status",
            "cancel_reason",
            "attendance_marked_at",
            "version",
        ]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer):
    session: serializers.PrimaryKeyRelatedField[OfficeHoursSession] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Booking
        fields = ["session", "user", "booked_at", "cancelled_at", "attended"]
        read_only_fields = fields


class UnbookSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        help_text="Whose booking (host, PM or admin); default: your own.",
    )


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.ListField(
        child=serializers.CharField(max_length=150),
        max_length=500,
        help_text="Usernames of the booked people who came; everyone else booked is absent.",
    )


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
