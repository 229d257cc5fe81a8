from django.urls import include, path

from ..definitions import METRICS
from ..enablement import urls as enablement_urls
from ..stack import urls as stack_urls
from . import views

urlpatterns = [
    path("metrics/", views.MetricListView.as_view(), name="metrics-list"),
    path("metrics/impact/", include("metrics.impact.api.urls")),
    path("metrics/checklist/", views.ChecklistView.as_view(), name="metrics-checklist"),
    *enablement_urls.api_urlpatterns,
    *stack_urls.api_urlpatterns,
    path("metrics/requests/", views.DrillView.as_view(), name="metrics-requests"),
    path(
        "metrics/nps/<str:token>/answer/", views.NpsAnswerView.as_view(), name="metrics-nps-answer"
    ),
    *[
        path(f"metrics/{key}/", views.metric_view(key).as_view(), name=f"metrics-{key}")
        for key in METRICS
    ],
]
