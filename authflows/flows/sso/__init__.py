"""Sign-in with identity providers: social connections (OAuth 2.0 / OpenID Connect presets),
enterprise connections found by email domain (SAML 2.0 or OpenID Connect), linked accounts,
and the sign-up transfer. Protocol work is in authflows/sso/; decisions are here."""
