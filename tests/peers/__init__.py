"""Real protocol peers the tests start: an OIDC provider and a SAML IdP, each in its own process."""
