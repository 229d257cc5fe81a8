from django.urls import path

from . import views

app_name = "enablement"
urlpatterns = [
    path("playbooks/", views.PlaybookListView.as_view(), name="playbook_list"),
    path("playbooks/new/", views.PlaybookEditView.as_view(), name="playbook_create"),
    path("playbooks/<slug:slug>/", views.PlaybookDetailView.as_view(), name="playbook_detail"),
    path("playbooks/<slug:slug>/edit/", views.PlaybookEditView.as_view(), name="playbook_edit"),
    path(
        "playbooks/<slug:slug>/restore/",
        views.PlaybookRestoreView.as_view(),
        name="playbook_restore",
    ),
    path(
        "playbooks/<slug:slug>/feedback/",
        views.PlaybookFeedbackView.as_view(),
        name="playbook_feedback",
    ),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/<slug:slug>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<slug:slug>/<int:position>/", views.ModuleView.as_view(), name="module"),
    path("docs/", views.DocsIndexView.as_view(), name="docs"),
    path("docs/taxonomy/", views.TaxonomyDocView.as_view(), name="docs_taxonomy"),
    path("docs/contracts/<int:pk>/", views.ContractDocView.as_view(), name="docs_contract"),
    path("docs/processes/<str:key>/", views.ProcessMapView.as_view(), name="docs_process"),
]
