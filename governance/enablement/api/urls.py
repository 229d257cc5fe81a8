from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("playbook-categories", views.CategoryViewSet, basename="playbook-category")
router.register("playbooks", views.PlaybookViewSet, basename="playbook")
router.register("courses", views.CourseViewSet, basename="course")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("office-hours", views.OfficeHoursViewSet, basename="office-hours")
router.register(
    "office-hours-sessions", views.OfficeHoursSessionViewSet, basename="office-hours-session"
)

urlpatterns = router.urls
