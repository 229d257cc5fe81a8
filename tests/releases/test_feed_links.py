"""iCal feed addresses on the calendar page come with copy and webcal: links (#19.14)."""

from releases.trains import services


def test_calendar_shows_feed_addresses_with_copy_and_webcal(client_for, users, email_train):
    token = services.feed_token_rotate(user=users["pm"])
    html = client_for("pm").get("/releases/").content.decode()
    https_url = f"http://testserver/releases/feeds/{token.key}/trains/{email_train.pk}.ics"
    assert f'value="{https_url}"' in html
    assert (
        f'href="webcal://testserver/releases/feeds/{token.key}/trains/{email_train.pk}.ics"' in html
    )
    assert f'href="webcal://testserver/releases/feeds/{token.key}/freezes.ics"' in html
    assert 'data-copy="#feed-1"' in html and "/static/mops/copy.js" in html
