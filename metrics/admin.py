from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import NpsResponse, NpsSurvey


@admin.register(NpsSurvey)
class NpsSurveyAdmin(SimpleHistoryAdmin):
    list_display = ("quarter", "sent_at", "sent_by")


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ("survey", "group", "score", "responded_at")
    list_filter = ("survey", "group")
