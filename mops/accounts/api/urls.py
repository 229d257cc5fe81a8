from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("teams", views.TeamViewSet)
router.register("users", views.UserViewSet)
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("idp-group-mappings", views.IdpGroupMappingViewSet, basename="idp-group-mapping")

urlpatterns = [path("me/", views.MeView.as_view(), name="api-me"), *router.urls]
