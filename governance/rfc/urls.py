"""RFC and approval-policy pages (namespace `governance`, included by governance/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("rfcs/", views.RfcListView.as_view(), name="rfc_list"),
    path("rfcs/new/", views.RfcEditView.as_view(), name="rfc_create"),
    path("rfcs/<int:pk>/", views.RfcDetailView.as_view(), name="rfc_detail"),
    path("rfcs/<int:pk>/edit/", views.RfcEditView.as_view(), name="rfc_edit"),
    path(
        "approval-policies/",
        views.ApprovalPolicyView.as_view(),
        name="approval_policies",
    ),
]
