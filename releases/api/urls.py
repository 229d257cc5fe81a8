from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("trains", views.TrainViewSet, basename="train")
router.register("departures", views.DepartureViewSet, basename="departure")
router.register("boardings", views.BoardingViewSet, basename="boarding")
router.register("freezes", views.FreezeViewSet, basename="freeze")
router.register(
    "checklist-templates", views.ChecklistTemplateViewSet, basename="checklist-template"
)
router.register("checklist-runs", views.ChecklistRunViewSet, basename="checklist-run")
router.register("checklist-results", views.ItemResultViewSet, basename="checklist-result")
router.register("preflight-runs", views.PreflightRunViewSet, basename="preflight-run")
router.register("experiments", views.ExperimentViewSet, basename="experiment")

urlpatterns = router.urls
