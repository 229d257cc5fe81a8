from django.urls import path
from rest_framework.routers import SimpleRouter

from . import health_views, views, warehouse_views

router = SimpleRouter()
router.register("rfcs", views.RfcViewSet, basename="rfc")
router.register("approval-policies", views.ApprovalPolicyViewSet, basename="approval-policy")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("warehouses", warehouse_views.WarehouseViewSet, basename="warehouse")
router.register("datasets", health_views.DatasetViewSet, basename="dataset")
router.register("check-runs", health_views.CheckRunViewSet, basename="check-run")
router.register("monitors", health_views.MonitorViewSet, basename="monitor")
router.register("incidents", health_views.IncidentViewSet, basename="incident")
router.register("rotations", health_views.RotationViewSet, basename="rotation")
router.register("runbooks", health_views.RunbookViewSet, basename="runbook")

urlpatterns = [
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("taxonomy/versions/", views.TaxonomyVersionListView.as_view(), name="taxonomy-versions"),
    path("utm/validate/", views.UtmValidateView.as_view(), name="utm-validate"),
    path("utm/validate-csv/", views.UtmValidateCsvView.as_view(), name="utm-validate-csv"),
    path("utm/build/", views.UtmBuildView.as_view(), name="utm-build"),
    *router.urls,
]
