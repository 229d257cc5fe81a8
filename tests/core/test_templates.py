"""Templates carry no inline style= (spacing comes from the project's CSS: the pages work
at phone width from one stylesheet) and render lists through the shared includes."""

from pathlib import Path

import pytest
from django.template import Context, Template

from catalog.filters import TemplateFilter

ROOT = Path(__file__).resolve().parents[2]
# governance/ follows once its split into domain packages lands (#13).
TEMPLATE_DIRS = ["templates", "catalog", "intake", "releases", "metrics", "mops"]


def test_no_inline_style_attributes():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for top in TEMPLATE_DIRS
        for path in (ROOT / top).rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if " style=" in line
    ]
    assert found == []


@pytest.mark.django_db
def test_filter_form_include_renders_the_named_filters_of_the_filterset():
    filterset = TemplateFilter({"q": "nurture", "channel": "email"})
    html = Template(
        '{% include "includes/filters.html" with names="q kind:Pattern channel" %}'
    ).render(Context({"filter": filterset}))
    assert '<input type="search" name="q" value="nurture">' in html
    assert "<label>Pattern <select" in html and 'value="email" selected' in html
    assert html.count("<label>") == 3


def test_status_badge_and_empty_row_includes():
    class Obj:
        status = "live"

        def get_status_display(self):
            return "Live"

    badge = Template('{% include "includes/status_badge.html" with obj=o badge_id="s" %}').render(
        Context({"o": Obj()})
    )
    assert badge == '<span class="badge live" id="s">Live</span>'
    row = Template('{% include "includes/empty_row.html" with colspan=3 text="Nothing." %}').render(
        Context()
    )
    assert row == '<tr><td colspan="3" class="muted">Nothing.</td></tr>'
