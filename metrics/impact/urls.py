"""Business-impact pages, included in the metrics namespace (`metrics:impact…`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("impact/", views.ImpactView.as_view(), name="impact"),
    path(
        "impact/cohorts/<slug:dimension>/<slug:side>/",
        views.CohortView.as_view(),
        name="impact_cohort",
    ),
    path("impact/roles/", views.RolesView.as_view(), name="impact_roles"),
    path("impact/costs/", views.CostsView.as_view(), name="impact_costs"),
    path("impact/reviews/<str:month>/", views.ReviewView.as_view(), name="impact_review"),
]
