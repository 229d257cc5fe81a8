from django.contrib import admin

from mops.core.admin import ReadOnlyAdmin

from .models import Course, Playbook


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    list_display = ["title", "category", "owner", "review_by", "version"]
    search_fields = ["title", "slug"]


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["title", "level", "subject", "tool"]
