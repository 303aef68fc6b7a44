"""The protocol side of social and enterprise sign-in: OpenID Connect and OAuth 2.0 (Authlib),
SAML 2.0 (python3-saml), the presets, and the sealed client secrets. No decisions about users
here: those are in authflows/flows/sso/."""
