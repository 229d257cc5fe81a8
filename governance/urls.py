from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("", views.governance_index, name="index"),
    path("rfcs/", views.RfcListView.as_view(), name="rfc_list"),
    path("rfcs/new/", views.RfcEditView.as_view(), name="rfc_create"),
    path("rfcs/<int:pk>/", views.RfcDetailView.as_view(), name="rfc_detail"),
    path("rfcs/<int:pk>/edit/", views.RfcEditView.as_view(), name="rfc_edit"),
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("utm/builder/", views.UtmBuilderView.as_view(), name="utm_builder"),
    path("utm/validate/", views.UtmValidatorView.as_view(), name="utm_validator"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
]
