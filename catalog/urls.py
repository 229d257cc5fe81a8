from django.urls import path

from . import starter_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.ServiceListView.as_view(), name="service_list"),
    path("services/new/", views.ServiceEditorView.as_view(), name="service_create"),
    path("services/preview/", views.ServicePreviewView.as_view(), name="service_preview"),
    path("sla/", views.SlaListView.as_view(), name="sla_list"),
    path("sla/policies/new/", views.SlaPolicyEditView.as_view(), name="policy_create"),
    path("sla/policies/<slug:slug>/edit/", views.SlaPolicyEditView.as_view(), name="policy_edit"),
    path("sla/calendars/new/", views.CalendarEditView.as_view(), name="calendar_create"),
    path("sla/calendars/holidays/", views.HolidayPreviewView.as_view(), name="holiday_preview"),
    path("sla/calendars/<slug:slug>/", views.CalendarDetailView.as_view(), name="calendar_detail"),
    path("sla/calendars/<slug:slug>/edit/", views.CalendarEditView.as_view(), name="calendar_edit"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.TemplateEditView.as_view(), name="template_create"),
    path("templates/<slug:slug>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<slug:slug>/edit/", views.TemplateEditView.as_view(), name="template_edit"),
    path(
        "templates/<slug:slug>/publish/",
        views.TemplatePublishView.as_view(),
        name="template_publish",
    ),
    path(
        "templates/<slug:slug>/rollback/",
        views.TemplateRollbackView.as_view(),
        name="template_rollback",
    ),
    path("starters/", starter_views.StartersView.as_view(), name="starters"),
    path("<slug:slug>/", views.ServiceDetailView.as_view(), name="service_detail"),
    path("<slug:slug>/copy/", starter_views.ServiceCopyView.as_view(), name="service_copy"),
    path("<slug:slug>/edit/", views.ServiceEditorView.as_view(), name="service_edit"),
    path(
        "<slug:slug>/do-it-yourself/",
        views.SelfServeView.as_view(),
        name="service_selfserve",
    ),
    path(
        "<slug:slug>/<str:name>/",
        views.ServiceTransitionView.as_view(),
        name="service_transition",
    ),
]
