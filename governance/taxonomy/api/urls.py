from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")

urlpatterns = [
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("taxonomy/versions/", views.TaxonomyVersionListView.as_view(), name="taxonomy-versions"),
    path("utm/validate/", views.UtmValidateView.as_view(), name="utm-validate"),
    path("utm/validate-csv/", views.UtmValidateCsvView.as_view(), name="utm-validate-csv"),
    path("utm/build/", views.UtmBuildView.as_view(), name="utm-build"),
    *router.urls,
]
