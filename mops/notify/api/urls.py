from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("outbox", views.OutboxViewSet)
router.register("notification-channels", views.ChannelViewSet, basename="notification-channel")
router.register("notifications", views.NotificationViewSet, basename="notification")
urlpatterns = router.urls
