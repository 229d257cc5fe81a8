from django.urls import path

from releases.boarding import views as boarding_views
from releases.experiments import views as experiments_views
from releases.qa import views as qa_views
from releases.trains import views as trains_views

app_name = "releases"

urlpatterns = [
    path("", trains_views.CalendarView.as_view(), name="calendar"),
    path("trains/", trains_views.TrainListView.as_view(), name="train_list"),
    path("trains/new/", trains_views.TrainFormView.as_view(), name="train_create"),
    path("trains/<slug:slug>/", trains_views.TrainDetailView.as_view(), name="train_detail"),
    path("trains/<slug:slug>/edit/", trains_views.TrainFormView.as_view(), name="train_edit"),
    path("trains/<slug:slug>/copy/", trains_views.TrainCopyView.as_view(), name="train_copy"),
    path(
        "departures/<int:pk>/", trains_views.DepartureDetailView.as_view(), name="departure_detail"
    ),
    path(
        "requests/<int:pk>/board/", boarding_views.RequestBoardView.as_view(), name="request_board"
    ),
    path("rfcs/<int:pk>/board/", boarding_views.RfcBoardView.as_view(), name="rfc_board"),
    path("requests/<int:pk>/qa/", qa_views.RequestQaView.as_view(), name="request_qa"),
    path("evidence/<int:pk>/", qa_views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("checklists/", qa_views.TemplateListView.as_view(), name="template_list"),
    path("checklists/new/", qa_views.TemplateCreateView.as_view(), name="template_create"),
    path("checklists/<slug:slug>/", qa_views.TemplateDetailView.as_view(), name="template_detail"),
    path(
        "checklists/<slug:slug>/copy/", qa_views.ChecklistCopyView.as_view(), name="template_copy"
    ),
    path("freezes/", trains_views.FreezeListView.as_view(), name="freeze_list"),
    path("freezes/new/", trains_views.FreezeFormView.as_view(), name="freeze_create"),
    path("freezes/<int:pk>/", trains_views.FreezeFormView.as_view(), name="freeze_edit"),
    path("experiments/", experiments_views.ExperimentListView.as_view(), name="experiment_list"),
    path(
        "experiments/new/", experiments_views.ExperimentFormView.as_view(), name="experiment_create"
    ),
    path(
        "experiments/<int:pk>/",
        experiments_views.ExperimentDetailView.as_view(),
        name="experiment_detail",
    ),
    path(
        "experiments/<int:pk>/edit/",
        experiments_views.ExperimentFormView.as_view(),
        name="experiment_edit",
    ),
    path("feeds/<str:token>/trains/<int:pk>.ics", trains_views.train_feed_view, name="train_feed"),
    path("feeds/<str:token>/freezes.ics", trains_views.freezes_feed_view, name="freezes_feed"),
]
