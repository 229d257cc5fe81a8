from rest_framework.routers import SimpleRouter

from ..imports.api import ImportRunViewSet
from . import views

router = SimpleRouter()
router.register("requests", views.RequestViewSet, basename="request")
router.register("request-imports", ImportRunViewSet, basename="request-import")
router.register("scoring-models", views.ScoringModelViewSet, basename="scoring-model")

urlpatterns = router.urls
