"""Request forms: the standard brief + UTM plan + scoring inputs (this module) combined with
the service's generated answers form (`catalog.forms.build_answers_form`, prefix "a")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from catalog.models import Complexity

from . import scoring
from .filters import assignee_choices
from .services import PLAN_KEYS

ANSWERS_PREFIX = "a"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (`<input type=file multiple>`); the service checks each
    file's content and size (`mops.core.uploads`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class RequestForm(forms.Form):
    """The standard part of every request. Fields are optional here: drafts save whatever
    was typed; `request_transition('submit')` decides what is missing."""

    title = forms.CharField(max_length=200, required=False)
    brief = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What you want and why."
    )
    audience = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who it is for: segment, list, region.",
    )
    creative = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Copy, assets and where they live.",
    )
    offer = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="The offer or CTA."
    )
    desired_live_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    utm_source = forms.CharField(max_length=100, required=False, label="utm_source")
    utm_medium = forms.CharField(max_length=100, required=False, label="utm_medium")
    utm_campaign = forms.CharField(max_length=100, required=False, label="utm_campaign")
    utm_content = forms.CharField(max_length=100, required=False, label="utm_content")
    utm_term = forms.CharField(max_length=100, required=False, label="utm_term")
    events = forms.CharField(
        max_length=2000,
        required=False,
        label="Events to track",
        help_text="The events the campaign needs, comma-separated (e.g. webinar_registered, "
        "demo_requested); MOPS checks them against the instrumentation inventory.",
    )
    attachments = MultipleFileField(
        required=False,
        label="Attach files",
        help_text="Briefs, assets, lists: PDF, images, text, CSV or Office documents.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        factors: list[scoring.Factor],
        asked: Iterable[str] = (),
        required: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        """`asked`: standard fields the service's own definition asks (left out here, so
        each is asked once); `required`: fields a submission needs (marked, not enforced:
        drafts save whatever was typed)."""
        super().__init__(*args, **kwargs)
        self.factors = factors
        for name in asked:
            self.fields.pop(name, None)
        for factor in factors:
            self.fields[f"score_{factor.key}"] = forms.TypedChoiceField(
                label=factor.label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "—")] + [(i, str(i)) for i in range(factor.low, factor.high + 1)],
                help_text=factor.help
                or (
                    "Higher is better."
                    if factor.direction == scoring.BENEFIT
                    else "Lower is better."
                ),
            )
        for name in (*required, *(f"score_{f.key}" for f in factors)):
            if name in self.fields:
                self.fields[name].required_at_submit = True  # type: ignore[attr-defined]
                self.fields[name].widget.attrs["aria-required"] = "true"

    def brief_fields(self) -> list[Any]:
        return [
            self[n]
            for n in ("title", "brief", "audience", "creative", "offer", "desired_live_date")
            if n in self.fields
        ]

    def tracking_fields(self) -> list[Any]:
        return [self[k] for k in PLAN_KEYS]

    def set_tracking_choices(
        self, *, sources: list[str], mediums: list[str], campaigns: list[str]
    ) -> None:
        """Source and medium picked from the taxonomy; the campaign picked from the
        registered ones (a datalist: a new name may still be typed, and is checked against
        the naming convention at submit). A stored value outside the lists stays offered,
        so editing a request never drops what it holds."""
        for name, values in (("utm_source", sources), ("utm_medium", mediums)):
            current = (self[name].value() or "").strip()
            choices = [("", "—"), *((v, v) for v in values)]
            if current and current not in values:
                choices.append((current, f"{current} (not in the taxonomy)"))
            old = self.fields[name]
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, label=old.label, help_text=old.help_text
            )
            for attr in ("required_at_submit",):
                if hasattr(old, attr):
                    setattr(self.fields[name], attr, getattr(old, attr))
            self.fields[name].widget.attrs.update(
                {k: v for k, v in old.widget.attrs.items() if k != "maxlength"}
            )
            # the old field was read above; Django's BoundField cache is not in the stubs
            self._bound_fields_cache.pop(name, None)  # type: ignore[attr-defined]
        self.campaign_options = campaigns
        self.fields["utm_campaign"].widget.attrs["list"] = "registered-campaigns"

    def set_campaign_hint(self, *, example: str | None, builder_url: str) -> None:
        """The campaign-name help: an example that follows the naming convention and the
        UTM builder, instead of the raw token pattern."""
        shown = format_html(" e.g. <code>{}</code>.", example) if example else ""
        self.fields["utm_campaign"].help_text = format_html(
            'Follows the campaign naming convention;{} <a href="{}">Build one in the '
            "UTM builder</a>.",
            shown,
            builder_url,
        )

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor id, label, message) for each error, for the summary at the top."""
        return [
            (self[name].id_for_label, str(self[name].label), str(message))
            for name, messages in self.errors.items()
            if name in self.fields
            for message in messages
        ]

    def scoring_fields(self) -> list[Any]:
        return [self[f"score_{f.key}"] for f in self.factors]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        standard = {
            "title": data.get("title") or "",
            "brief": data.get("brief") or "",
            "audience": data.get("audience") or "",
            "creative": data.get("creative") or "",
            "offer": data.get("offer") or "",
            "desired_live_date": data.get("desired_live_date"),
        }
        return {
            **{name: value for name, value in standard.items() if name in self.fields},
            "tracking_plan": {k: data[k] for k in PLAN_KEYS if data.get(k)},
            "scoring_inputs": {
                f.key: data[f"score_{f.key}"]
                for f in self.factors
                if data.get(f"score_{f.key}") is not None
            },
        }

    @staticmethod
    def initial_for(request: Any) -> dict[str, Any]:
        initial = {
            "title": request.title,
            "brief": request.brief,
            "audience": request.audience,
            "creative": request.creative,
            "offer": request.offer,
            "desired_live_date": request.desired_live_date,
            "version": request.version,
        }
        initial.update({k: (request.tracking_plan or {}).get(k, "") for k in PLAN_KEYS})
        initial.update({f"score_{k}": v for k, v in (request.scoring_inputs or {}).items()})
        return initial


def answers_initial(answers: dict[str, Any]) -> dict[str, Any]:
    return dict(answers or {})


def raw_answers(form: Any) -> dict[str, Any]:
    """What was typed in the generated answers form (bound), key → value or list."""
    out: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.MultipleChoiceField):
            out[name] = list(value or [])
        elif value not in (None, ""):
            out[name] = value
    return out


class TriageForm(forms.Form):
    """PM-only fields on the detail page: class and assignee."""

    complexity = forms.ChoiceField(choices=Complexity.choices, label="Class")
    assignee = forms.ChoiceField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", "— nobody —"),
            *assignee_choices(),
        ]

    def clean_assignee(self) -> Any:
        username = self.cleaned_data.get("assignee")
        if not username:
            return None
        return get_user_model().objects.get(username=username)


class BulkForm(forms.Form):
    ACTIONS = [
        ("accept", "Accept"),
        ("reject", "Reject"),
        ("needs_info", "Ask for info"),
        ("assign", "Assign to"),
        ("set_class", "Set class"),
    ]
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(required=False, max_length=2000)
    assignee = forms.ChoiceField(required=False)
    complexity = forms.ChoiceField(required=False, choices=[("", "—")] + list(Complexity.choices))

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["ids"]).choices = [(i, i) for i in ids]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [("", "—"), *assignee_choices()]


class ScoringModelForm(forms.Form):
    """The factors as JSON (key, label, low, high, direction, weight, help)."""

    factors = forms.JSONField(widget=forms.Textarea(attrs={"rows": 16, "class": "mono"}))
    note = forms.CharField(max_length=300, required=False, help_text="Why the change.")
    version = forms.IntegerField(widget=forms.HiddenInput)
