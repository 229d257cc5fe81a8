from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Service

from ..models import Category, Course, CourseModule, Playbook, validate_quiz


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
