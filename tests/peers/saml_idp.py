"""A minimal SAML 2.0 identity provider (pysaml2) for the SSO tests, run in its own process.

    python -m tests.peers.saml_idp PORT SP_METADATA_URL USERS_JSON KEY_PEM CERT_PEM

It serves its metadata at /idp/metadata, takes AuthnRequests (HTTP-Redirect) at
/idp/sso/redirect, shows a sign-in form, and answers the SP's assertion consumer service
with a signed Response (HTTP-POST) carrying uid, email, first_name, last_name and groups.
"""

import html
import json
import sys
import urllib.parse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


def build_server(base: str, sp_metadata_url: str, key_file: str, cert_file: str) -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/idp/metadata",
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base}/idp/sso/redirect", BINDING_HTTP_REDIRECT)
                        ]
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_BASIC,
                        }
                    },
                    "want_authn_requests_signed": False,
                }
            },
            "key_file": key_file,
            "cert_file": cert_file,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"remote": [{"url": sp_metadata_url}]},
            "allow_unknown_attributes": True,
        }
    )
    return Server(config=config)


def app_for(server: Server, users: dict[str, dict]):  # type: ignore[no-untyped-def]
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        path = environ["PATH_INFO"]
        if path == "/idp/metadata":
            body = create_metadata_string(None, server.config, 4, None, None, None, None, None)
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [body if isinstance(body, bytes) else body.encode()]
        if path == "/idp/sso/redirect" and environ["REQUEST_METHOD"] == "GET":
            query = urllib.parse.parse_qs(environ["QUERY_STRING"])
            form = _login_form(query["SAMLRequest"][0], query.get("RelayState", [""])[0])
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [form.encode()]
        if path == "/idp/sso/redirect" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            posted = urllib.parse.parse_qs(environ["wsgi.input"].read(size).decode())
            username = posted.get("username", [""])[0]
            person = users.get(username)
            if person is None or posted.get("password", [""])[0] != person["password"]:
                start_response("401 Unauthorized", [("Content-Type", "text/plain")])
                return [b"wrong IdP credentials"]
            relay_state = posted.get("RelayState", [""])[0]
            page = _respond(server, posted["SAMLRequest"][0], relay_state, person)
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page.encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return app


def _login_form(saml_request: str, relay_state: str) -> str:
    return f"""<!doctype html><html lang="en"><head><title>Test SAML IdP</title></head><body>
<h1>Test SAML IdP</h1>
<form method="post" action="/idp/sso/redirect">
<label for="u">SAML username</label> <input id="u" name="username">
<label for="p">SAML password</label> <input id="p" name="password" type="password">
<input type="hidden" name="SAMLRequest" value="{html.escape(saml_request)}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<button type="submit">Sign in with SAML</button></form></body></html>"""


def _respond(server: Server, saml_request: str, relay_state: str, person: dict) -> str:
    request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
    args = server.response_args(request, [BINDING_HTTP_POST])
    identity = {
        "uid": [person["email"]],
        "email": [person["email"]],
        "first_name": [person.get("first_name", "")],
        "last_name": [person.get("last_name", "")],
        "groups": person.get("groups", []),
    }
    response = server.create_authn_response(
        identity,
        userid=person["email"],
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=person["email"]),
        authn={"class_ref": PASSWORD},
        sign_assertion=True,
        sign_response=True,
        sign_alg=SIG_RSA_SHA256,  # mops refuses the deprecated SHA-1 signatures
        digest_alg=DIGEST_SHA256,
        **args,
    )
    http = server.apply_binding(
        BINDING_HTTP_POST, str(response), args["destination"], relay_state, response=True
    )
    return http["data"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def main() -> None:
    port, sp_metadata_url, users_json, key_file, cert_file = sys.argv[1:6]
    base = f"http://127.0.0.1:{port}"
    users = {u["username"]: u for u in json.loads(users_json)}
    server = build_server(base, sp_metadata_url, key_file, cert_file)
    httpd: WSGIServer = make_server(
        "127.0.0.1", int(port), app_for(server, users), handler_class=_QuietHandler
    )
    httpd.serve_forever()


if __name__ == "__main__":
    main()
