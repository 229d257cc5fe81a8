from django.urls import path

from . import views

page_urlpatterns = [
    path("enablement/", views.EnablementFiguresView.as_view(), name="enablement"),
    path("standup/", views.StandupView.as_view(), name="standup"),
]
api_urlpatterns = [
    path(
        "metrics/enablement/",
        views.EnablementFiguresApiView.as_view(),
        name="metrics-enablement",
    ),
    path("metrics/standup/", views.StandupApiView.as_view(), name="metrics-standup"),
]
