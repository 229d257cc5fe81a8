"""Taxonomy, UTM tools, self-serve field request and campaign pages (namespace `governance`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("utm/builder/", views.UtmBuilderView.as_view(), name="utm_builder"),
    path("utm/validate/", views.UtmValidatorView.as_view(), name="utm_validator"),
    path("self-serve/field/", views.SelfServeFieldView.as_view(), name="selfserve_field"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
]
