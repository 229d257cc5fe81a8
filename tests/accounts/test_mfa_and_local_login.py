"""A second factor for admins (TOTP through allauth's MFA), and passwords switched off except
for the break-glass admins."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.socialaccount.models import SocialApp
from django.test import Client

from mops.accounts.ssoconfig import SsoConfigError, providers

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"


def _code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def _password_login(client: Client, username: str) -> object:
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_an_admin_without_a_second_factor_must_enrol_one_then_needs_it_to_log_in(users, settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    settings.MFA_TOTP_TOLERANCE = 1  # codes of the neighbouring 30 s windows count too
    client = Client()
    assert _password_login(client, "admin").status_code == 302
    # Every page sends the admin to enrol first; the API (token) is not a browser session.
    assert client.get("/catalog/").url == "/accounts/2fa/"

    # Managing a second factor asks for the password again first (allauth's reauthentication).
    ask = client.get("/accounts/2fa/totp/activate/")
    assert ask.status_code == 302 and ask.url.startswith("/accounts/reauthenticate/")
    assert client.get(ask.url).status_code == 200  # rendered inside mops's layout
    client.post(ask.url, {"password": PASSWORD})
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=users["admin"])
    done = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret, step=-1)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=users["admin"], type="totp").exists()
    assert client.get("/catalog/").status_code == 200

    # Next log-in: the password alone does not open a session.
    fresh = Client()
    step = _password_login(fresh, "admin")
    assert step.status_code == 302 and step.url == "/accounts/2fa/authenticate/"
    assert fresh.get("/catalog/").status_code == 302  # not signed in yet
    refused = fresh.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert refused.status_code == 200 and fresh.get("/catalog/").status_code == 302
    passed = fresh.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert passed.status_code == 302
    assert fresh.get("/catalog/").status_code == 200


def test_people_other_than_admins_are_not_asked_to_enrol(users, settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    client = Client()
    _password_login(client, "pm")
    assert client.get("/catalog/").status_code == 200


def test_with_passwords_off_only_break_glass_admins_log_in_with_one(users, settings):
    settings.LOCAL_LOGIN_ENABLED = False
    settings.BREAK_GLASS_USERNAMES = ["admin"]
    refused = _password_login(Client(), "pm")
    assert (
        refused.status_code == 200 and "correct username and password" in refused.content.decode()
    )
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="okta",
        name="Okta",
        client_id="c",
        secret="s",
        settings={"server_url": "https://corp.okta.example"},
    )
    page = Client().get("/login/")
    text = page.content.decode()
    assert "Sign in with Okta" in text and "Break-glass administrator log-in" in text
    # The button is redirected to the IdP: the page's CSP lets the form go there.
    assert "https://corp.okta.example" in page.headers["Content-Security-Policy"]
    assert _password_login(Client(), "admin").status_code == 302


def test_local_sign_up_and_email_management_pages_are_not_offered(users, client_for):
    assert Client().get("/accounts/signup/").url.startswith("/login/")
    assert client_for("requester").get("/accounts/email/").url == "/profile/"


@pytest.mark.parametrize(
    "oidc,saml,message",
    [
        ({"name": "x"}, [], "SSO_OIDC_PROVIDERS must be a JSON list"),
        ([{"provider_id": "okta", "name": "Okta"}], [], "entry 1: 'client_id' is required"),
        (
            [
                {"provider_id": p, "name": "n", "client_id": "c", "secret": "s", "server_url": "u"}
                for p in ("okta", "okta")
            ],
            [],
            "entry 2: provider_id 'okta' is repeated",
        ),
        (
            [],
            [{"provider_id": "adfs", "name": "AD FS", "entity_id": "https://idp"}],
            "SSO_SAML_PROVIDERS entry 1: give 'metadata_url', or 'sso_url' and 'x509cert'",
        ),
        (
            [
                {
                    "provider_id": "bad id",
                    "name": "n",
                    "client_id": "c",
                    "secret": "s",
                    "server_url": "u",
                }
            ],
            [],
            "'provider_id' may hold letters, digits, - and _ only",
        ),
    ],
)
def test_a_bad_provider_setting_fails_start_up_naming_variable_entry_and_field(oidc, saml, message):
    with pytest.raises(SsoConfigError, match=message.replace("(", r"\(")):
        providers(oidc, saml)


def test_providers_from_the_environment_become_allauth_apps():
    result = providers(
        [
            {
                "provider_id": "okta",
                "name": "Okta",
                "client_id": "0oa1",
                "secret": "s3",
                "server_url": "https://corp.okta.com",
            }
        ],
        [
            {
                "provider_id": "adfs",
                "name": "AD FS",
                "entity_id": "https://adfs.corp/adfs/services/trust",
                "metadata_url": "https://adfs.corp/FederationMetadata.xml",
            }
        ],
    )
    okta = result["openid_connect"]["APPS"][0]
    assert okta["settings"]["server_url"] == "https://corp.okta.com" and okta["client_id"] == "0oa1"
    adfs = result["saml"]["APPS"][0]
    assert adfs["settings"]["idp"]["metadata_url"].endswith("FederationMetadata.xml")
    assert adfs["settings"]["advanced"]["want_assertion_signed"] is True
