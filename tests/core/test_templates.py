"""Templates carry no inline style= (spacing comes from the project's CSS: the pages work
at phone width from one stylesheet) and render lists through the shared includes."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.template import Context, Template

from catalog.filters import TemplateFilter

ROOT = Path(__file__).resolve().parents[2]
# Not the project's: installed packages, front-end tooling, hidden folders.
NOT_OURS = {".venv", "node_modules"}


def _template_files() -> Iterator[Path]:
    """Every page template of the project: each .html under a templates/ folder of any app
    (e-mail fixtures elsewhere under tests/ are data, not pages)."""
    for top in sorted(ROOT.iterdir()):
        if top.is_dir() and top.name not in NOT_OURS and not top.name.startswith("."):
            for path in top.rglob("*.html"):
                if "templates" in path.relative_to(ROOT).parts:
                    yield path


def test_template_walk_reaches_every_app():
    tops = {path.relative_to(ROOT).parts[0] for path in _template_files()}
    assert {"templates", "catalog", "intake", "releases", "metrics", "governance"} <= tops


def test_no_inline_style_attributes():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _template_files()
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
