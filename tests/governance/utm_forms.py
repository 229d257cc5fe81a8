"""What the UTM builder and the taxonomy editor are posted in the tests of several apps."""

from typing import Any

TOKENS = {
    "fy": "fy26",
    "quarter": "q3",
    "region": "na",
    "channel": "email",
    "offer": "ebook",
    "name": "Launch Guide",
}

# The builder form for TOKENS, before its start date.
BUILD = {
    "base_url": "https://example.com/lp",
    "source": "linkedin",
    "medium": "paid_social",
    **{f"token_{k}": v for k, v in TOKENS.items()},
}


def taxonomy_post(context: Any, **overrides: Any) -> dict[str, Any]:
    """The taxonomy form as the page renders it: the form, the rule and token rows."""
    data = dict(context["form"].initial)
    for formset in (context["rules"], context["tokens"]):
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if isinstance(value, bool):
                    if value:
                        data[form.add_prefix(name)] = "on"
                elif value is not None:
                    data[form.add_prefix(name)] = value
    return data | overrides
