from django.urls import path

from . import views
from .views import inventory as inventory_views

app_name = "stack"

urlpatterns = [
    path("", views.ToolListView.as_view(), name="tool_list"),
    path("tools/new/", views.ToolFormView.as_view(), name="tool_create"),
    path("tools/import/", views.ToolImportView.as_view(), name="tool_import"),
    path("tools/export.csv", views.ToolExportView.as_view(), name="tool_export"),
    path("tools/<int:pk>/", views.ToolDetailView.as_view(), name="tool_detail"),
    path("tools/<int:pk>/edit/", views.ToolFormView.as_view(), name="tool_edit"),
    path("tools/<int:pk>/seats/", views.SeatUploadView.as_view(), name="seat_upload"),
    path("tools/<int:pk>/review/", views.ReviewStartView.as_view(), name="review_start"),
    path("reviews/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path(
        "reviews/<int:pk>/evidence.csv", views.ReviewEvidenceView.as_view(), name="review_evidence"
    ),
    path("utilisation/", views.UtilisationView.as_view(), name="utilisation"),
    path("map/", views.MapView.as_view(), name="map"),
    path("flows/", views.FlowListView.as_view(), name="flow_list"),
    path("flows/new/", views.FlowFormView.as_view(), name="flow_create"),
    path("flows/<int:pk>/", views.FlowDetailView.as_view(), name="flow_detail"),
    path("flows/<int:pk>/edit/", views.FlowFormView.as_view(), name="flow_edit"),
    path("inventory/", inventory_views.InstrumentListView.as_view(), name="instrument_list"),
    path("inventory/new/", inventory_views.InstrumentFormView.as_view(), name="instrument_create"),
    path(
        "inventory/import/",
        inventory_views.InstrumentImportView.as_view(),
        name="instrument_import",
    ),
    path("inventory/coverage/", inventory_views.CoverageView.as_view(), name="coverage"),
    path(
        "inventory/<int:pk>/",
        inventory_views.InstrumentDetailView.as_view(),
        name="instrument_detail",
    ),
    path(
        "inventory/<int:pk>/edit/",
        inventory_views.InstrumentFormView.as_view(),
        name="instrument_edit",
    ),
    path("renewals/", views.RenewalsView.as_view(), name="renewals"),
    path("renewals.ics", views.RenewalsFeedView.as_view(), name="renewals_feed"),
    path("contracts/new/", views.ContractFormView.as_view(), name="contract_create"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.ContractFormView.as_view(), name="contract_edit"),
]
