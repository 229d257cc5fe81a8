from django.urls import include, path

from . import views
from .imports import urls as import_urls

app_name = "intake"
urlpatterns = [
    path("", views.RequestListView.as_view(), name="request_list"),
    path("new/", views.ServicePickView.as_view(), name="service_pick"),
    path("new/<slug:slug>/", views.RequestCreateView.as_view(), name="request_create"),
    path("bulk/", views.BulkView.as_view(), name="bulk"),
    path("views/", views.SavedViewView.as_view(), name="saved_views"),
    path("import/", include(import_urls)),
    path("review/", views.ReviewView.as_view(), name="review"),
    path("scoring/", views.ScoringView.as_view(), name="scoring"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("<int:pk>/edit/", views.RequestEditView.as_view(), name="request_edit"),
    path("<int:pk>/transition/", views.RequestTransitionView.as_view(), name="request_transition"),
    path("<int:pk>/triage/", views.RequestTriageView.as_view(), name="request_triage"),
    path("<int:pk>/comments/", views.CommentView.as_view(), name="request_comment"),
    path("<int:pk>/watch/", views.WatchView.as_view(), name="request_watch"),
    path("<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
]
