from django.urls import path

from . import views

# Included by intake/urls.py under /requests/import/ (names in the intake namespace).
urlpatterns = [
    path("", views.ImportListView.as_view(), name="import_list"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("<int:pk>/progress/", views.ImportProgressView.as_view(), name="import_progress"),
    path("<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="import_errors"),
]
