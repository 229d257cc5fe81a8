"""Governance API routes under /api/v1/: each domain lists its own."""

from governance.health.api.urls import urlpatterns as health_urls
from governance.rfc.api.urls import urlpatterns as rfc_urls
from governance.taxonomy.api.urls import urlpatterns as taxonomy_urls

urlpatterns = [*rfc_urls, *taxonomy_urls, *health_urls]
