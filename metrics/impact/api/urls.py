"""Business-impact API routes, under /api/v1/metrics/impact/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.SnapshotListView.as_view(), name="metrics-impact-list"),
    path("refresh/", views.RefreshView.as_view(), name="metrics-impact-refresh"),
    path("roles/", views.RolesView.as_view(), name="metrics-impact-roles"),
    path("costs/", views.CostsView.as_view(), name="metrics-impact-costs"),
    path("reviews/", views.ReviewListView.as_view(), name="metrics-impact-reviews"),
    path(
        "reviews/<str:month>/acknowledge/",
        views.ReviewAcknowledgeView.as_view(),
        name="metrics-impact-review-acknowledge",
    ),
    path(
        "cohorts/<slug:dimension>/<slug:side>/",
        views.CohortView.as_view(),
        name="metrics-impact-cohort",
    ),
    path(
        "<slug:period>/<str:start>/",
        views.SnapshotDetailView.as_view(),
        name="metrics-impact-detail",
    ),
]
