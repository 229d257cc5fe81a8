from django.urls import path

from . import views
from .enablement import urls as enablement_urls
from .impact import urls as impact_urls
from .stack import urls as stack_urls

app_name = "metrics"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("requests/", views.DrillView.as_view(), name="drill"),
    path("export/<slug:panel>.csv", views.ExportView.as_view(), name="export"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("nps/", views.NpsView.as_view(), name="nps"),
    path("nps/<str:token>/", views.NpsAnswerView.as_view(), name="nps_answer"),
    *enablement_urls.page_urlpatterns,
    *stack_urls.page_urlpatterns,
    *impact_urls.urlpatterns,
]
