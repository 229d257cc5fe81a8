from django.urls import path

from . import copy_views, views

app_name = "releases"

urlpatterns = [
    path("", views.CalendarView.as_view(), name="calendar"),
    path("trains/", views.TrainListView.as_view(), name="train_list"),
    path("trains/new/", views.TrainFormView.as_view(), name="train_create"),
    path("trains/<slug:slug>/", views.TrainDetailView.as_view(), name="train_detail"),
    path("trains/<slug:slug>/edit/", views.TrainFormView.as_view(), name="train_edit"),
    path("trains/<slug:slug>/copy/", copy_views.TrainCopyView.as_view(), name="train_copy"),
    path("departures/<int:pk>/", views.DepartureDetailView.as_view(), name="departure_detail"),
    path("requests/<int:pk>/board/", views.RequestBoardView.as_view(), name="request_board"),
    path("rfcs/<int:pk>/board/", views.RfcBoardView.as_view(), name="rfc_board"),
    path("requests/<int:pk>/qa/", views.RequestQaView.as_view(), name="request_qa"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("checklists/", views.TemplateListView.as_view(), name="template_list"),
    path("checklists/new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("checklists/<slug:slug>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path(
        "checklists/<slug:slug>/copy/", copy_views.ChecklistCopyView.as_view(), name="template_copy"
    ),
    path("freezes/", views.FreezeListView.as_view(), name="freeze_list"),
    path("freezes/new/", views.FreezeFormView.as_view(), name="freeze_create"),
    path("freezes/<int:pk>/", views.FreezeFormView.as_view(), name="freeze_edit"),
    path("experiments/", views.ExperimentListView.as_view(), name="experiment_list"),
    path("experiments/new/", views.ExperimentFormView.as_view(), name="experiment_create"),
    path("experiments/<int:pk>/", views.ExperimentDetailView.as_view(), name="experiment_detail"),
    path("experiments/<int:pk>/edit/", views.ExperimentFormView.as_view(), name="experiment_edit"),
    path("feeds/<str:token>/trains/<int:pk>.ics", views.train_feed_view, name="train_feed"),
    path("feeds/<str:token>/freezes.ics", views.freezes_feed_view, name="freezes_feed"),
]
