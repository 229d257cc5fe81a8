from rest_framework.routers import SimpleRouter

from releases.boarding import api as boarding_api
from releases.experiments import api as experiments_api
from releases.qa import api as qa_api
from releases.trains import api as trains_api

router = SimpleRouter()
router.register("trains", trains_api.TrainViewSet, basename="train")
router.register("departures", trains_api.DepartureViewSet, basename="departure")
router.register("boardings", boarding_api.BoardingViewSet, basename="boarding")
router.register("freezes", trains_api.FreezeViewSet, basename="freeze")
router.register(
    "checklist-templates", qa_api.ChecklistTemplateViewSet, basename="checklist-template"
)
router.register("checklist-runs", qa_api.ChecklistRunViewSet, basename="checklist-run")
router.register("checklist-results", qa_api.ItemResultViewSet, basename="checklist-result")
router.register("preflight-runs", qa_api.PreflightRunViewSet, basename="preflight-run")
router.register("experiments", experiments_api.ExperimentViewSet, basename="experiment")

urlpatterns = router.urls
