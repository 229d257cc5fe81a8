"""Serializers of the experiment register."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Channel
from mops.accounts.models import Team, User
from mops.accounts.roles import user_roles
from releases import work
from releases.api.fields import CleanCharField
from releases.experiments.models import (
    MAX_SAMPLE,
    Experiment,
    ExperimentEvent,
    ExperimentResult,
    ExperimentStatus,
)
from releases.trains.models import Departure

# --- experiments ------------------------------------------------------------------------------


def _decimal(max_digits: int, decimal_places: int, **kwargs: Any) -> serializers.DecimalField:
    """A decimal sent and returned as a JSON number (rates are read by BI tools)."""
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, coerce_to_string=False, **kwargs
    )


class ExperimentEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)
    from_status = serializers.ChoiceField(
        choices=ExperimentStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty on the creation event.",
    )

    class Meta:
        model = ExperimentEvent
        fields = ["id", "at", "actor", "transition", "from_status", "to_status", "note"]
        read_only_fields = fields


class ExperimentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    request: serializers.PrimaryKeyRelatedField[work.Request] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    departure: serializers.PrimaryKeyRelatedField[Departure] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    result = serializers.ChoiceField(
        choices=ExperimentResult.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty until concluded.",
    )
    baseline_rate = _decimal(7, 6, read_only=True)
    minimum_detectable_effect = _decimal(8, 4, read_only=True)
    alpha = _decimal(4, 3, read_only=True)
    power = _decimal(4, 3, read_only=True)
    cost = _decimal(12, 2, read_only=True, allow_null=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "name",
            "hypothesis",
            "owner",
            "team",
            "team_name",
            "request",
            "departure",
            "channel",
            "primary_metric",
            "baseline_rate",
            "minimum_detectable_effect",
            "alpha",
            "power",
            "variants",
            "required_sample_per_variant",
            "observed_sample_per_variant",
            "cost",
            "status",
            "started_at",
            "concluded_at",
            "result",
            "learnings",
            "met_power",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ExperimentDetailSerializer(ExperimentSerializer):
    events = ExperimentEventSerializer(many=True, read_only=True)
    transitions = serializers.SerializerMethodField(
        help_text="Transitions you may take now (start, conclude, stop, cancel)."
    )

    class Meta(ExperimentSerializer.Meta):
        fields = [*ExperimentSerializer.Meta.fields, "transitions", "events"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_transitions(self, obj: Experiment) -> list[str]:
        request = self.context.get("request")
        roles = user_roles(getattr(request, "user", None))
        return [t.name for t in Experiment.lifecycle.available(state=obj.status, roles=roles)]


class ExperimentWriteSerializer(serializers.Serializer):
    """Register (POST) or edit (PATCH, `If-Match`) an experiment. `owner` defaults to you
    and `team` to the owner's team; `required_sample_per_variant` is computed."""

    name = CleanCharField(max_length=200)
    hypothesis = CleanCharField(max_length=10000)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    request = serializers.PrimaryKeyRelatedField(
        queryset=work.request_model().objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        allow_null=True,
        help_text="The intake request that built it.",
    )
    departure = serializers.PrimaryKeyRelatedField(
        queryset=Departure.objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        allow_null=True,
        help_text="The release-train departure it launched on.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    primary_metric = CleanCharField(max_length=200)
    baseline_rate = _decimal(7, 6, help_text="Control conversion rate, strictly between 0 and 1.")
    minimum_detectable_effect = _decimal(
        8, 4, help_text="Relative lift to detect, above 0 (0.10 = +10%)."
    )
    alpha = _decimal(4, 3, required=False, help_text="0.001–0.2, default 0.05 (two-sided).")
    power = _decimal(4, 3, required=False, help_text="0.5–0.99, default 0.8.")
    variants = serializers.IntegerField(min_value=2, max_value=20, required=False)
    cost = _decimal(12, 2, required=False, allow_null=True, min_value=0)
    learnings = CleanCharField(required=False, allow_blank=True, max_length=10000)


class ExperimentTransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(Experiment.lifecycle.transitions))
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)
    result = serializers.ChoiceField(
        choices=ExperimentResult.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="conclude: win, loss or inconclusive.",
    )
    learnings = CleanCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10000,
        help_text="conclude (required) or stop.",
    )
    observed_sample_per_variant = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_SAMPLE,
        help_text="conclude: the sample the smallest variant reached.",
    )
