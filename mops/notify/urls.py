from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("dead-letters/", views.DeadLetterView.as_view(), name="dead_letters"),
]
