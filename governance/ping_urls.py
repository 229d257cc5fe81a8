"""/ping/<uuid>: the public heartbeat endpoint (no login, CSRF-exempt), mounted by mops/urls.py."""

from django.urls import path

from .health_views import ping

urlpatterns = [path("<uuid:uuid>", ping, name="monitor_ping")]
