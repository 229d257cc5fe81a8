"""People and Teams pages (admins): the same services as /api/v1/users/ and /teams/."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views import View

from mops.core.actors import actor_of
from mops.core.views import call_service, uploaded_text

from .forms import ImportForm, InviteForm, TeamForm, UserEditForm
from .models import Team, User
from .permissions import RoleRequiredMixin
from .roles import ADMINS
from .services import (
    team_create,
    team_member_set,
    team_update,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_update,
    users_import_csv,
)


class PeopleView(RoleRequiredMixin, View):
    """Everyone, with role and team; invite one person."""

    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, form: InviteForm | None = None) -> HttpResponse:
        people = (
            User.objects.select_related("team")
            .prefetch_related("groups")
            .order_by("-is_active", "username")
        )
        return render(
            request,
            "accounts/people.html",
            {"people": people, "form": form or InviteForm()},
            status=400 if form is not None and form.errors else 200,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InviteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ok, user = call_service(
                request,
                user_invite,
                form=form,
                actor=request.user,
                email=data["email"],
                roles=data["roles"],
                team=Team.objects.filter(pk=data["team"]).first() if data["team"] else None,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            if ok and user is not None:
                messages.success(
                    request, f"Invited {user.email}: an e-mail with a link is on its way."
                )
                return redirect("people")
        return self.get(request, form=form)


class PersonView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, pk: int, form: UserEditForm | None = None) -> HttpResponse:
        person = get_object_or_404(User.objects.select_related("team"), pk=pk)
        form = form or UserEditForm(initial=UserEditForm.initial_for(person))
        return render(
            request,
            "accounts/person.html",
            {"person": person, "form": form},
            status=400 if form.errors else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = get_object_or_404(User, pk=pk)
        action = request.POST.get("action", "save")
        if action == "deactivate":
            if call_service(request, user_deactivate, actor=request.user, user=person)[0]:
                messages.success(request, f"{person.display_name} can no longer log in.")
                return redirect("people")
            return redirect("person", pk=person.pk)
        if action == "reactivate":
            if call_service(request, user_reactivate, actor=request.user, user=person)[0]:
                messages.success(request, f"{person.display_name} is active again.")
            return redirect("person", pk=person.pk)
        form = UserEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            team = Team.objects.filter(pk=data["team"]).first() if data["team"] else None
            ok, _ = call_service(
                request,
                user_update,
                form=form,
                actor=request.user,
                user=person,
                roles=data["roles"],
                team=team,
                clear_team=team is None,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            if ok:
                messages.success(request, f"{person.display_name} saved.")
                return redirect("people")
        return self.get(request, pk, form=form)


class PeopleImportView(RoleRequiredMixin, View):
    """CSV import: a preview with every line's action or errors, then the import itself."""

    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "accounts/people_import.html", {"form": ImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        rows = None
        text = ""
        status = 200
        if form.is_valid():
            text = uploaded_text(form, max_bytes=1_000_000)
        if form.is_valid() and not form.errors:
            commit = request.POST.get("action") == "import"
            ok, rows = call_service(
                request,
                users_import_csv,
                form=form,
                field_map={"file": "text"},
                actor=request.user,
                text=text,
                commit=commit,
            )
            if ok and rows is not None:
                bad = [r for r in rows if r.errors]
                if commit and not bad:
                    done = sum(1 for r in rows if r.action != "unchanged")
                    messages.success(
                        request,
                        f"Imported: {done} people invited or updated, "
                        f"{len(rows) - done} unchanged.",
                    )
                    return redirect("people")
                if bad:
                    status = 400
        if form.errors:
            status = 400
        return render(
            request,
            "accounts/people_import.html",
            {
                "form": form,
                "rows": rows,
                "text": text,
                "has_errors": bool(rows and any(r.errors for r in rows)),
            },
            status=status,
        )


class TeamsView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, form: TeamForm | None = None) -> HttpResponse:
        teams = Team.objects.prefetch_related("members").order_by("name")
        return render(
            request,
            "accounts/teams.html",
            {"teams": teams, "form": form or TeamForm()},
            status=400 if form is not None and form.errors else 200,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TeamForm(request.POST)
        if form.is_valid():
            ok, team = call_service(
                request, team_create, form=form, actor=request.user, **form.cleaned_data
            )
            if ok and team is not None:
                messages.success(request, f"Team “{team.name}” created.")
                return redirect("team", slug=team.slug)
        return self.get(request, form=form)


class TeamView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, slug: str, form: TeamForm | None = None) -> HttpResponse:
        team = get_object_or_404(Team, slug=slug)
        members = team.members.order_by("username")
        others = User.objects.filter(is_active=True).exclude(team=team).order_by("username")
        return render(
            request,
            "accounts/team.html",
            {
                "team": team,
                "members": members,
                "others": others,
                "form": form or TeamForm(initial={"name": team.name, "group": team.group}),
            },
            status=400 if form is not None and form.errors else 200,
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        team = get_object_or_404(Team, slug=slug)
        action = request.POST.get("action", "rename")
        if action in ("add", "remove"):
            person = User.objects.filter(pk=request.POST.get("user") or 0).first()
            if person is None:
                messages.error(request, "user: choose a person.")
            else:
                team_member_set(
                    actor=actor_of(request), team=team, user=person, member=action == "add"
                )
                verb = "joined" if action == "add" else "left"
                messages.success(request, f"{person.display_name} {verb} {team.name}.")
            return redirect("team", slug=team.slug)
        form = TeamForm(request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request, team_update, form=form, actor=request.user, team=team, **form.cleaned_data
            )
            if ok:
                messages.success(request, f"Team renamed to “{team.name}”.")
                return redirect("team", slug=team.slug)
        return self.get(request, slug, form=form)


class AcceptInviteForm(SetPasswordForm):
    """Choosing a password from an invitation activates the account."""

    def save(self, commit: bool = True) -> User:
        self.user.is_active = True
        return super().save(commit=commit)


class AcceptInviteView(auth_views.PasswordResetConfirmView):
    form_class = AcceptInviteForm
    template_name = "registration/accept_invite.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: AcceptInviteForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Password set: log in with your e-mail address.")
        return response
