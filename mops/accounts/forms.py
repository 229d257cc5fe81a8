"""Forms of the People and Teams pages (the services validate; these only shape input)."""

from typing import Any, cast

from django import forms

from .models import Team, User
from .roles import Role


def _team_choices() -> list[tuple[str, str]]:
    return [("", "— no team —"), *((str(t.pk), t.name) for t in Team.objects.order_by("name"))]


class _PersonForm(forms.Form):
    """A person's name, roles and team: what inviting and editing someone both ask."""

    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, label="Roles"
    )
    team = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = _team_choices()


class InviteForm(_PersonForm):
    email = forms.EmailField(label="E-mail")

    field_order = ["email"]  # first, as before the person fields were shared


class UserEditForm(_PersonForm):
    @classmethod
    def initial_for(cls, user: User) -> dict[str, object]:
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "roles": sorted(user.roles),
            "team": str(user.team_id or ""),
        }


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="…or paste CSV",
        help_text="Header: email,first_name,last_name,role,team. Several roles: pm;engineer.",
    )


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120, label="Team name")
    group = forms.ChoiceField(choices=Team.Group.choices, initial=Team.Group.OTHER)
