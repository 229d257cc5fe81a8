"""Serializers of trains, departures and freezes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Calendar, Channel
from releases.api.fields import CleanCharField, RruleField, TimeZoneField
from releases.boarding.models import Boarding
from releases.trains.models import Departure, Freeze, Train
from releases.trains.services import FREEZE_FIELDS, TRAIN_FIELDS

if TYPE_CHECKING:
    from governance.models import Rfc
    from intake.models import Request


class TrainSerializer(serializers.ModelSerializer):
    name = CleanCharField(max_length=120)
    description = CleanCharField(required=False, allow_blank=True, max_length=5000)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), allow_empty=False, max_length=20
    )
    time_zone = TimeZoneField(max_length=64)
    rrule = RruleField(max_length=300)
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=Calendar.objects.all(), required=False, allow_null=True
    )
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    describe = serializers.CharField(read_only=True)

    class Meta:
        model = Train
        fields = [
            "id",
            *TRAIN_FIELDS,  # the service's list: one place says what a train is
            "version",
            "describe",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class ManifestEntrySerializer(serializers.ModelSerializer):
    request: serializers.PrimaryKeyRelatedField[Request] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    rfc: serializers.PrimaryKeyRelatedField[Rfc] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    boarded_by = serializers.CharField(source="boarded_by.username", read_only=True, default=None)

    class Meta:
        model = Boarding
        fields = [
            "id",
            "departure",
            "request",
            "rfc",
            "status",
            "boarded_by",
            "boarded_at",
            "freeze_override_reason",
            "emergency_rfc",
            "outcome_at",
            "outcome_note",
        ]
        read_only_fields = fields


class DepartureSerializer(serializers.ModelSerializer):
    train_name = serializers.CharField(source="train.name", read_only=True)
    seats_taken = serializers.IntegerField(read_only=True)
    frozen = serializers.SerializerMethodField()

    class Meta:
        model = Departure
        fields = [
            "id",
            "train",
            "train_name",
            "scheduled_start",
            "starts_at",
            "ends_at",
            "cutoff_at",
            "capacity",
            "seats_taken",
            "status",
            "moved",
            "note",
            "frozen",
            "version",
        ]
        read_only_fields = [
            "train",
            "scheduled_start",
            "ends_at",
            "cutoff_at",
            "status",
            "moved",
            "version",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_frozen(self, obj: Departure) -> list[str]:
        return self.context.get("frozen", {}).get(obj.pk, [])


class DepartureDetailSerializer(DepartureSerializer):
    manifest = ManifestEntrySerializer(many=True, read_only=True)

    class Meta(DepartureSerializer.Meta):
        fields = [*DepartureSerializer.Meta.fields, "manifest"]


class DepartureUpdateSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(required=False, min_value=0, max_value=500)
    note = CleanCharField(required=False, allow_blank=True, max_length=5000)


class TransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(Departure.lifecycle.transitions))
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)


class FreezeSerializer(serializers.ModelSerializer):
    name = CleanCharField(max_length=120)
    reason = CleanCharField(required=False, allow_blank=True, max_length=5000)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=20
    )
    time_zone = TimeZoneField(max_length=64, required=False)
    rrule = RruleField(max_length=300, required=False, allow_blank=True)
    describe = serializers.CharField(read_only=True)

    class Meta:
        model = Freeze
        fields = ["id", *FREEZE_FIELDS, "version", "describe"]  # the service's list
        read_only_fields = ["version"]


# metrics has a "ChecklistItem" of its own (the high-performing checklist): one name each.
