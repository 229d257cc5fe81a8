from rest_framework.routers import SimpleRouter

from . import views, warehouses

router = SimpleRouter()
router.register("warehouses", warehouses.WarehouseViewSet, basename="warehouse")
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("check-runs", views.CheckRunViewSet, basename="check-run")
router.register("monitors", views.MonitorViewSet, basename="monitor")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("rotations", views.RotationViewSet, basename="rotation")
router.register("runbooks", views.RunbookViewSet, basename="runbook")

urlpatterns = router.urls
