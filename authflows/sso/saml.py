"""SAML 2.0 service provider with python3-saml: AuthnRequests by HTTP-Redirect, responses by
HTTP-POST, checked strictly: the assertion must be signed by the IdP's certificate, its
audience must be our entity ID, its recipient and destination our ACS URL, InResponseTo the
request this round trip sent, and its times within a bounded clock skew. Replay is refused
by the caller (a unique row per assertion ID)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from authflows import clock
from authflows.app_settings import app_settings
from authflows.models import SSOConnection
from authflows.sso import config
from authflows.sso.identity import Identity, ProviderError

logger = logging.getLogger(__name__)

#: The clock difference tolerated between the IdP and us, both in python3-saml's own checks
#: (NotBefore, NotOnOrAfter) and in ours on this site's clock.
SKEW_SECONDS = 180
OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = SKEW_SECONDS

EMAIL_ATTRIBUTES = (
    "email",
    "mail",
    "emailAddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)
FIRST_NAME_ATTRIBUTES = (
    "givenName",
    "firstName",
    "first_name",
    "urn:oid:2.5.4.42",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
)
LAST_NAME_ATTRIBUTES = (
    "sn",
    "surname",
    "lastName",
    "last_name",
    "urn:oid:2.5.4.4",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
)
SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def settings_of(connection: SSOConnection) -> dict[str, Any]:
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": config.metadata_url(connection),
            "assertionConsumerService": {
                "url": config.acs_url(connection),
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
            },
            "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_UNSPECIFIED,
            "x509cert": "",
            "privateKey": "",
        },
        "idp": {
            "entityId": connection.idp_entity_id,
            "singleSignOnService": {
                "url": connection.idp_sso_url,
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            },
            "x509cert": connection.idp_certificate,
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "authnRequestsSigned": False,
            "wantNameId": True,
            "requestedAuthnContext": False,
            "wantAttributeStatement": False,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "rejectDeprecatedAlgorithm": True,
            # Intranet host names (https://sso/) are URLs too.
            "allowSingleLabelDomains": True,
            "signatureAlgorithm": SHA256,
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        },
    }


def _request_data(connection: SSOConnection, post: dict[str, str] | None = None) -> dict[str, Any]:
    """The request as python3-saml sees it, built from PUBLIC_ORIGIN and the ACS path (never
    the Host header), so the destination check compares with the URL we registered."""
    origin = urlsplit(app_settings.PUBLIC_ORIGIN)
    https = origin.scheme == "https"
    return {
        "https": "on" if https else "off",
        "http_host": origin.netloc,
        "script_name": urlsplit(config.acs_url(connection)).path,
        "get_data": {},
        "post_data": post or {},
    }


def _auth(connection: SSOConnection, post: dict[str, str] | None = None) -> OneLogin_Saml2_Auth:
    try:
        return OneLogin_Saml2_Auth(_request_data(connection, post), settings_of(connection))
    except OneLogin_Saml2_Error as error:
        raise ProviderError("saml_connection_invalid", str(error)) from error


def login_url(connection: SSOConnection, *, relay_state: str) -> tuple[str, str]:
    """The IdP URL carrying a new AuthnRequest (HTTP-Redirect), and that request's ID."""
    auth = _auth(connection)
    url = auth.login(return_to=relay_state)
    return str(url), str(auth.get_last_request_id())


@dataclass(frozen=True)
class Assertion:
    identity: Identity
    assertion_id: str
    not_on_or_after: datetime


def _first(attributes: dict[str, list[str]], names: tuple[str, ...], chosen: str) -> str:
    for name in (chosen,) if chosen else names:
        values = attributes.get(name) or []
        if values and isinstance(values[0], str):
            return values[0].strip()
    return ""


def _identity(connection: SSOConnection, auth: OneLogin_Saml2_Auth) -> Identity:
    attributes: dict[str, list[str]] = auth.get_attributes()
    email = _first(attributes, EMAIL_ATTRIBUTES, connection.attribute_email)
    nameid = str(auth.get_nameid() or "")
    if not email and auth.get_nameid_format() == OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS:
        email = nameid
    if not email:
        raise ProviderError("saml_user_attribute_missing", "email")
    return Identity(
        subject=nameid[:255],
        email=email[:254],
        email_verified=False,  # decided by the caller from the connection's domains
        first_name=_first(attributes, FIRST_NAME_ATTRIBUTES, connection.attribute_first_name)[:150],
        last_name=_first(attributes, LAST_NAME_ATTRIBUTES, connection.attribute_last_name)[:150],
    )


def accept(connection: SSOConnection, *, saml_response: str, request_id: str) -> Assertion:
    """Check a posted SAMLResponse; raise ProviderError when anything is wrong."""
    auth = _auth(connection, {"SAMLResponse": saml_response})
    try:
        auth.process_response(request_id=request_id)
    except (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError) as error:
        raise ProviderError("saml_response_invalid", str(error)) from error
    except Exception as error:
        # Malformed input: python3-saml lets lxml's parse errors, base64 errors and plain
        # Exceptions (a DTD or an entity in the document) through.
        raise ProviderError("saml_response_invalid", f"malformed: {error}") from error
    if auth.get_errors() or not auth.is_authenticated():
        raise ProviderError("saml_response_invalid", str(auth.get_last_error_reason() or ""))
    expires = auth.get_last_assertion_not_on_or_after()
    assertion_id = str(auth.get_last_assertion_id() or "")
    if not expires or not assertion_id:
        raise ProviderError("saml_response_invalid", "no NotOnOrAfter or ID")
    not_on_or_after = datetime.fromtimestamp(int(expires), tz=clock.now().tzinfo)
    if (not_on_or_after - clock.now()).total_seconds() + SKEW_SECONDS <= 0:
        raise ProviderError("saml_response_invalid", "assertion expired")
    return Assertion(_identity(connection, auth), assertion_id[:255], not_on_or_after)


def sp_metadata(connection: SSOConnection) -> str:
    """This service provider's metadata for the IdP's administrator."""
    saml_settings = OneLogin_Saml2_Settings(settings_of(connection), sp_validation_only=True)
    return str(
        saml_settings.get_sp_metadata().decode()
        if isinstance(saml_settings.get_sp_metadata(), bytes)
        else saml_settings.get_sp_metadata()
    )


def import_idp_metadata(connection: SSOConnection, xml: str) -> None:
    """Fill the IdP's entity ID, single sign-on URL and signing certificate from its metadata
    (raises ValueError when the document has none of them)."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            xml, required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT
        )
    except Exception as error:  # the parser raises plain Exceptions on bad documents
        raise ValueError(str(error)) from error
    idp = parsed.get("idp") or {}
    sso = (idp.get("singleSignOnService") or {}).get("url", "")
    certificate = (
        idp.get("x509cert") or ((idp.get("x509certMulti") or {}).get("signing") or [""])[0]
    )
    if not (idp.get("entityId") and sso and certificate):
        raise ValueError("no entity ID, HTTP-Redirect single sign-on URL or signing certificate")
    connection.idp_entity_id = idp["entityId"]
    connection.idp_sso_url = sso
    connection.idp_certificate = certificate
