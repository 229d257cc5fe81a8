from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("requests", views.RequestViewSet, basename="request")
router.register("scoring-models", views.ScoringModelViewSet, basename="scoring-model")

urlpatterns = router.urls
