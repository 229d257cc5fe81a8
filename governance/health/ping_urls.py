"""/ping/<uuid>: the public heartbeat endpoint (no login, CSRF-exempt), mounted by mops/urls.py."""

from django.urls import path

from governance.health.views.incidents import ping

urlpatterns = [path("<uuid:uuid>", ping, name="monitor_ping")]
