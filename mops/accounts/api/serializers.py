from rest_framework import serializers

from ..models import ApiToken, IdpGroupMapping, Team, User


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "slug", "group"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    team = TeamSerializer(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "team",
            "roles",
            "time_zone",
        ]
        read_only_fields = ["time_zone"]  # set on the profile page ("" = MOPS_TIME_ZONE)

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.roles)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class UserInviteSerializer(serializers.Serializer):
    email = serializers.CharField()
    first_name = serializers.CharField(required=False, allow_blank=True, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, default="")
    roles = serializers.ListField(
        child=serializers.CharField(), help_text="Role keys or names, e.g. ['requester']."
    )
    team = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Team name or slug."
    )


class UserChangeSerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True)
    last_name = serializers.CharField(required=False, allow_blank=True)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    team = serializers.CharField(
        required=False, allow_blank=True, help_text="Team name or slug; empty: no team."
    )


class TeamWriteSerializer(serializers.Serializer):
    name = serializers.CharField()
    group = serializers.ChoiceField(choices=Team.Group.choices, required=False)


class IdpGroupMappingSerializer(serializers.ModelSerializer):
    """IdP group (or claim value) -> mops role and/or team."""

    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = IdpGroupMapping
        fields = ["id", "group", "provider", "role", "team"]
        validators: list = []  # the service validates (full_clean), with field names
