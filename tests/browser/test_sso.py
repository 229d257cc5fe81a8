"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit, own process).

A marketer who has never been in mops clicks "Sign in with Company IdP", signs in at the
IdP, and lands on their home page with the team and role the IdP groups map to.
"""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.urls import reverse
from playwright.sync_api import expect

from mops.accounts.models import IdpGroupMapping, User
from mops.accounts.roles import Role
from tests import factories
from tests.peers.servers import oidc_provider, saml_idp

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_ID = "company-idp"


@pytest.fixture
def idp(live_server, tmp_path):
    callback = live_server.url + reverse("openid_connect_callback", args=[PROVIDER_ID])
    people = [
        {
            "username": "maya",
            "password": "idp-pass-123",
            "email": "maya@corp.example",
            "first_name": "Maya",
            "last_name": "Field",
            "groups": ["mkt-field", "everyone"],
        }
    ]
    with oidc_provider(users=people, redirect_uri=callback, log_dir=tmp_path) as (
        issuer,
        client_id,
        secret,
    ):
        SocialApp.objects.create(
            provider="openid_connect",
            provider_id=PROVIDER_ID,
            name="Company IdP",
            client_id=client_id,
            secret=secret,
            settings={"server_url": issuer},
        )
        yield issuer


def test_a_new_marketer_signs_in_through_the_idp_and_lands_home_with_the_mapped_team(
    page, idp, settings
):
    settings.LOCAL_LOGIN_ENABLED = False
    field = factories.TeamFactory(name="Field Marketing", slug="field-marketing")
    IdpGroupMapping.objects.create(group="MKT-Field", role=Role.REQUESTER, team=field)

    page.goto("/")
    expect(page.get_by_role("heading", name="Log in to mops")).to_be_visible()
    # Passwords are off: the password form is folded away behind the break-glass summary.
    expect(page.get_by_label("Password")).to_be_hidden()
    page.get_by_role("button", name="Sign in with Company IdP").click()

    page.wait_for_url(lambda url: url.startswith(idp.rsplit("/o", 1)[0]))
    page.get_by_label("IdP username").fill("maya")
    page.get_by_label("IdP password").fill("idp-pass-123")
    page.get_by_role("button", name="Sign in at the IdP").click()

    page.wait_for_url(lambda url: url.rstrip("/") == page.base_url.rstrip("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.locator(".lede")).to_contain_text("Requester")

    maya = User.objects.get(email="maya@corp.example")
    assert maya.username == "maya@corp.example" and maya.team == field
    assert maya.roles == {Role.REQUESTER} and not maya.has_usable_password()
    assert SocialAccount.objects.get(user=maya).provider == PROVIDER_ID
    history = maya.history.order_by("history_date").values_list("history_change_reason", flat=True)
    assert any("SSO company-idp" in (reason or "") for reason in history)


SAML_ORG = "corp-saml"


@pytest.fixture
def saml(live_server, tmp_path):
    """mops is configured as the SP first, as an admin would (entity id, SSO URL and signing
    certificate copied from the IdP); the IdP then reads mops's SP metadata."""
    from allauth.socialaccount.models import SocialApp

    def configure_sp(idp: dict) -> None:
        SocialApp.objects.create(
            provider="saml",
            provider_id=SAML_ORG,
            client_id=SAML_ORG,
            name="Corp SAML",
            settings={
                "idp": {k: idp[k] for k in ("entity_id", "sso_url", "x509cert")},
                "attribute_mapping": {
                    "uid": "uid",
                    "email": "email",
                    "first_name": "first_name",
                    "last_name": "last_name",
                },
                "advanced": {"want_assertion_signed": True, "reject_idp_initiated_sso": True},
            },
        )

    people = [
        {
            "username": "omar",
            "password": "saml-pass-123",
            "email": "omar@corp.example",
            "first_name": "Omar",
            "last_name": "Lead",
            "groups": ["mops-leads"],
        }
    ]
    metadata_url = live_server.url + reverse("saml_metadata", args=[SAML_ORG])
    with saml_idp(
        users=people, sp_metadata_url=metadata_url, log_dir=tmp_path, configure_sp=configure_sp
    ) as idp:
        yield idp


def test_a_leader_signs_in_through_a_saml_idp_with_the_mapped_role(page, saml):
    IdpGroupMapping.objects.create(group="mops-leads", role=Role.LEADERSHIP)
    page.goto("/")
    page.get_by_role("button", name="Sign in with Corp SAML").click()
    page.get_by_label("SAML username").fill("omar")
    page.get_by_label("SAML password").fill("saml-pass-123")
    page.get_by_role("button", name="Sign in with SAML").click()
    page.wait_for_url(lambda url: url.rstrip("/") == page.base_url.rstrip("/"))
    expect(page.locator(".lede")).to_contain_text("Leadership")
    omar = User.objects.get(email="omar@corp.example")
    assert omar.roles == {Role.LEADERSHIP}
    assert SocialAccount.objects.get(user=omar).provider == SAML_ORG


def test_a_pm_adds_a_security_key_from_the_profile_and_then_needs_it_to_log_in(
    page, login, users, settings
):
    """WebAuthn with Chromium's virtual authenticator (a real navigator.credentials flow)."""
    from allauth.mfa.models import Authenticator

    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is plain http
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    login("pm")
    page.locator(".me a").click()  # the name in the top bar opens the profile
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("link", name="Add").click()
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=users["pm"], type="webauthn").exists()

    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill("pm")
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" in url)
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: url.rstrip("/") == page.base_url.rstrip("/"))
    expect(page.locator(".lede")).to_contain_text("MOPS PM")
