from django.urls import path

from . import people_views as views

urlpatterns = [
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/import/", views.PeopleImportView.as_view(), name="people_import"),
    path("people/<int:pk>/", views.PersonView.as_view(), name="person"),
    path("teams/", views.TeamsView.as_view(), name="teams"),
    path("teams/<slug:slug>/", views.TeamView.as_view(), name="team"),
    path("invite/<uidb64>/<token>/", views.AcceptInviteView.as_view(), name="accept_invite"),
]
