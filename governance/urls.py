from django.urls import path

from . import policy_views, views

app_name = "governance"
urlpatterns = [
    path("", views.governance_index, name="index"),
    path("rfcs/", views.RfcListView.as_view(), name="rfc_list"),
    path("rfcs/new/", views.RfcEditView.as_view(), name="rfc_create"),
    path("rfcs/<int:pk>/", views.RfcDetailView.as_view(), name="rfc_detail"),
    path("rfcs/<int:pk>/edit/", views.RfcEditView.as_view(), name="rfc_edit"),
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path(
        "approval-policies/",
        policy_views.ApprovalPolicyView.as_view(),
        name="approval_policies",
    ),
    path("utm/builder/", views.UtmBuilderView.as_view(), name="utm_builder"),
    path("utm/validate/", views.UtmValidatorView.as_view(), name="utm_validator"),
    path("self-serve/field/", views.SelfServeFieldView.as_view(), name="selfserve_field"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
]

from . import health_views as hv  # noqa: E402 — data-health pages, kept apart from part I

urlpatterns += [
    path("datasets/", hv.DatasetListView.as_view(), name="dataset_list"),
    path("datasets/new/", hv.DatasetEditView.as_view(), name="dataset_create"),
    path("datasets/<int:pk>/", hv.DatasetDetailView.as_view(), name="dataset_detail"),
    path("datasets/<int:pk>/edit/", hv.DatasetEditView.as_view(), name="dataset_edit"),
    path("warehouses/", hv.WarehouseListView.as_view(), name="warehouse_list"),
    path("datasets/<int:pk>/contract/", hv.ContractEditView.as_view(), name="contract_edit"),
    path("datasets/<int:pk>/contract.yaml", hv.ContractYamlView.as_view(), name="contract_yaml"),
    path("runs/<int:pk>/", hv.RunDetailView.as_view(), name="run_detail"),
    path("incidents/", hv.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<int:pk>/", hv.IncidentDetailView.as_view(), name="incident_detail"),
    path("monitors/", hv.MonitorListView.as_view(), name="monitor_list"),
    path("monitors/new/", hv.MonitorEditView.as_view(), name="monitor_create"),
    path("monitors/<int:pk>/", hv.MonitorDetailView.as_view(), name="monitor_detail"),
    path("monitors/<int:pk>/edit/", hv.MonitorEditView.as_view(), name="monitor_edit"),
    path("runbooks/", hv.RunbookListView.as_view(), name="runbook_list"),
    path("runbooks/new/", hv.RunbookEditView.as_view(), name="runbook_create"),
    path("runbooks/<slug:slug>/", hv.RunbookDetailView.as_view(), name="runbook_detail"),
    path("runbooks/<slug:slug>/edit/", hv.RunbookEditView.as_view(), name="runbook_edit"),
]
