"""The UTM builder's live preview comes with copy buttons (#19 item 14)."""

from .utm_forms import BUILD


def test_builder_preview_has_copy_buttons_and_loads_the_copy_script(client_for):
    client = client_for("requester")
    page = client.get("/governance/utm/builder/").content.decode()
    assert 'hx-trigger="input delay:400ms, change"' in page  # preview while typing
    assert '<script src="/static/mops/copy.js" defer></script>' in page
    form = {**BUILD, "start_date": "2026-02-01"}
    preview = client.post("/governance/utm/builder/", form, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert 'id="built-url"' in html and '<button type="button" data-copy="#built-url">' in html
    assert '<button type="button" data-copy="#built-campaign">' in html
    assert '<code data-testid="campaign-name" id="built-campaign">' in html


def test_copy_script_is_served(client):
    from django.contrib.staticfiles import finders

    path = finders.find("mops/copy.js")
    assert path is not None
    text = open(path, encoding="utf-8").read()
    assert "data-copy" in text and "navigator.clipboard" in text
