"""Governance pages under /governance/: one URL namespace, each domain lists its own pages."""

from django.urls import path

from governance.health.urls import urlpatterns as health_urls
from governance.rfc.urls import urlpatterns as rfc_urls
from governance.taxonomy.urls import urlpatterns as taxonomy_urls

from .views import governance_index

app_name = "governance"
urlpatterns = [
    path("", governance_index, name="index"),
    *rfc_urls,
    *taxonomy_urls,
    *health_urls,
]
