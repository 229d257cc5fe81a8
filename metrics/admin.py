"""Read-only: surveys are sent by `nps_survey_send` and answered through `nps_respond`."""

from django.contrib import admin

from mops.core.admin import ReadOnlyAdmin

from .models import NpsResponse, NpsSurvey


@admin.register(NpsSurvey)
class NpsSurveyAdmin(ReadOnlyAdmin):
    list_display = ("quarter", "sent_at", "sent_by")


@admin.register(NpsResponse)
class NpsResponseAdmin(ReadOnlyAdmin):
    list_display = ("survey", "group", "score", "responded_at")
    list_filter = ("survey", "group")
