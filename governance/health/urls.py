"""Data-health and watch pages (namespace `governance`, included by governance/urls.py)."""

from django.urls import path

from .views import datasets as dv
from .views import incidents as iv

urlpatterns = [
    path("datasets/", dv.DatasetListView.as_view(), name="dataset_list"),
    path("datasets/new/", dv.DatasetEditView.as_view(), name="dataset_create"),
    path("datasets/<int:pk>/", dv.DatasetDetailView.as_view(), name="dataset_detail"),
    path("datasets/<int:pk>/edit/", dv.DatasetEditView.as_view(), name="dataset_edit"),
    path("warehouses/", dv.WarehouseListView.as_view(), name="warehouse_list"),
    path("datasets/<int:pk>/contract/", dv.ContractEditView.as_view(), name="contract_edit"),
    path("datasets/<int:pk>/contract.yaml", dv.ContractYamlView.as_view(), name="contract_yaml"),
    path("runs/<int:pk>/", dv.RunDetailView.as_view(), name="run_detail"),
    path("incidents/", iv.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<int:pk>/", iv.IncidentDetailView.as_view(), name="incident_detail"),
    path("monitors/", iv.MonitorListView.as_view(), name="monitor_list"),
    path("monitors/new/", iv.MonitorEditView.as_view(), name="monitor_create"),
    path("monitors/<int:pk>/", iv.MonitorDetailView.as_view(), name="monitor_detail"),
    path("monitors/<int:pk>/edit/", iv.MonitorEditView.as_view(), name="monitor_edit"),
    path("runbooks/", iv.RunbookListView.as_view(), name="runbook_list"),
    path("runbooks/new/", iv.RunbookEditView.as_view(), name="runbook_create"),
    path("runbooks/<slug:slug>/", iv.RunbookDetailView.as_view(), name="runbook_detail"),
    path("runbooks/<slug:slug>/edit/", iv.RunbookEditView.as_view(), name="runbook_edit"),
]
