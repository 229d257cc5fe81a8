"""Identity providers from the environment -> django-allauth's SOCIALACCOUNT_PROVIDERS.

Django-free (settings.py imports it). A malformed entry raises `SsoConfigError` naming the
variable, the entry and the field, so a bad deployment fails at start-up, not at log-in.
"""

from typing import Any


class SsoConfigError(ValueError):
    pass


OIDC_REQUIRED = ("provider_id", "name", "client_id", "secret", "server_url")
SAML_REQUIRED = ("provider_id", "name", "entity_id")


def _entries(raw: Any, variable: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        raise SsoConfigError(f"{variable} must be a JSON list of objects.")
    seen: set[str] = set()
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise SsoConfigError(f"{variable} entry {number} must be a JSON object.")
        for key in required:
            if not str(entry.get(key) or "").strip():
                raise SsoConfigError(f"{variable} entry {number}: '{key}' is required.")
        pid = str(entry["provider_id"])
        if not pid.replace("-", "").replace("_", "").isalnum():
            raise SsoConfigError(
                f"{variable} entry {number}: 'provider_id' may hold letters, digits, - and _ only."
            )
        if pid in seen:
            raise SsoConfigError(f"{variable} entry {number}: provider_id '{pid}' is repeated.")
        seen.add(pid)
    return raw


def providers(oidc: Any, saml: Any) -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS for the OIDC and SAML lists (see settings.py)."""
    oidc_apps = [
        {
            "provider_id": e["provider_id"],
            "name": e["name"],
            "client_id": e["client_id"],
            "secret": e["secret"],
            "settings": {"server_url": e["server_url"], "fetch_userinfo": True},
        }
        for e in _entries(oidc, "SSO_OIDC_PROVIDERS", OIDC_REQUIRED)
    ]
    saml_apps = []
    for number, e in enumerate(_entries(saml, "SSO_SAML_PROVIDERS", SAML_REQUIRED), start=1):
        idp: dict[str, Any] = {"entity_id": e["entity_id"]}
        if e.get("metadata_url"):
            idp["metadata_url"] = e["metadata_url"]
        elif e.get("sso_url") and e.get("x509cert"):
            idp.update(sso_url=e["sso_url"], x509cert=e["x509cert"])
        else:
            raise SsoConfigError(
                f"SSO_SAML_PROVIDERS entry {number}: give 'metadata_url', or 'sso_url' and "
                "'x509cert'."
            )
        saml_apps.append(
            {
                "provider_id": e["provider_id"],
                "name": e["name"],
                "client_id": e["provider_id"],
                "settings": {
                    "idp": idp,
                    "attribute_mapping": e.get("attributes")
                    or {
                        "uid": "uid",
                        "email": "email",
                        "first_name": "first_name",
                        "last_name": "last_name",
                    },
                    "advanced": {"want_assertion_signed": True, "reject_idp_initiated_sso": True},
                },
            }
        )
    result: dict[str, Any] = {}
    if oidc_apps:
        result["openid_connect"] = {"APPS": oidc_apps, "OAUTH_PKCE_ENABLED": True}
    if saml_apps:
        result["saml"] = {"APPS": saml_apps}
    return result
