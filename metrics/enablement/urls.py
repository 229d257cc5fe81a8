from django.urls import path

from . import views

page_urlpatterns = [
    path("enablement/", views.EnablementFiguresView.as_view(), name="enablement"),
]
api_urlpatterns = [
    path(
        "metrics/enablement/",
        views.EnablementFiguresApiView.as_view(),
        name="metrics-enablement",
    ),
]
