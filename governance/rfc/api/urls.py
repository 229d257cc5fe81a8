from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("rfcs", views.RfcViewSet, basename="rfc")
router.register("approval-policies", views.ApprovalPolicyViewSet, basename="approval-policy")

urlpatterns = router.urls
