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
    path("courses/new/", views.CourseEditView.as_view(), name="course_create"),
    path("courses/<slug:slug>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<slug:slug>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path("courses/<slug:slug>/modules/new/", views.ModuleEditView.as_view(), name="module_create"),
    path(
        "courses/<slug:slug>/<int:position>/edit/",
        views.ModuleEditView.as_view(),
        name="module_edit",
    ),
    path("courses/<slug:slug>/<int:position>/", views.ModuleView.as_view(), name="module"),
    path("office-hours/", views.OfficeHoursView.as_view(), name="office_hours"),
    path("office-hours/new/", views.OfficeHoursEditView.as_view(), name="office_hours_create"),
    path(
        "office-hours/<int:pk>/edit/", views.OfficeHoursEditView.as_view(), name="office_hours_edit"
    ),
    path("office-hours/feed.ics", views.OfficeHoursMyFeedView.as_view(), name="office_hours_ics"),
    path(
        "office-hours/feed/<str:token>.ics",
        views.office_hours_feed_view,
        name="office_hours_feed",
    ),
    path(
        "office-hours/sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"
    ),
    path(
        "office-hours/sessions/<int:pk>/book/", views.SessionBookView.as_view(), name="session_book"
    ),
    path(
        "office-hours/sessions/<int:pk>/unbook/",
        views.SessionUnbookView.as_view(),
        name="session_unbook",
    ),
    path(
        "office-hours/sessions/<int:pk>/attendance/",
        views.SessionAttendanceView.as_view(),
        name="session_attendance",
    ),
    path(
        "office-hours/sessions/<int:pk>/cancel/",
        views.SessionCancelView.as_view(),
        name="session_cancel",
    ),
    path("docs/", views.DocsIndexView.as_view(), name="docs"),
    path("docs/taxonomy/", views.TaxonomyDocView.as_view(), name="docs_taxonomy"),
    path("docs/contracts/<int:pk>/", views.ContractDocView.as_view(), name="docs_contract"),
    path("docs/processes/<str:key>/", views.ProcessMapView.as_view(), name="docs_process"),
]
