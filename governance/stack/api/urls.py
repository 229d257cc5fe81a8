from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tools", views.ToolViewSet, basename="stack-tool")
router.register("flows", views.FlowViewSet, basename="stack-flow")
router.register("access-reviews", views.AccessReviewViewSet, basename="stack-access-review")
router.register("contracts", views.ContractViewSet, basename="stack-contract")
router.register("instruments", views.InstrumentViewSet, basename="stack-instrument")

urlpatterns = [
    path("utilisation/", views.UtilisationApiView.as_view(), name="stack-utilisation"),
    path("instrumentation-coverage/", views.CoverageApiView.as_view(), name="stack-coverage"),
    *router.urls,
]
