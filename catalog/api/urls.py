from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .imports import CatalogImportView

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("sla-policies", views.SlaPolicyViewSet, basename="sla-policy")
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("templates", views.TemplateViewSet, basename="template")
router.register(
    "self-serve-completions", views.SelfServeCompletionViewSet, basename="self-serve-completion"
)

urlpatterns = [
    *router.urls,
    path("catalog-imports/<slug:kind>/", CatalogImportView.as_view(), name="catalog-import"),
]
