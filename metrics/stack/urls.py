from django.urls import path

from . import views

page_urlpatterns = [path("stack/", views.StackFiguresView.as_view(), name="stack")]
api_urlpatterns = [
    path("metrics/stack/", views.StackFiguresApiView.as_view(), name="metrics-stack"),
]
