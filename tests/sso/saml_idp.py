"""A SAML 2.0 identity provider in the test process: pysaml2's Server, signing with the
xmlsec1 program (Debian package xmlsec1) and a key made for the test run. It reads our
service provider's metadata, parses the AuthnRequest the site sent, and returns the signed
Response a real IdP would post to the ACS URL. Nothing is mocked on the site's side: the
signatures are checked by python3-saml against the IdP's certificate."""

from __future__ import annotations

import base64
import datetime
import html
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ENTITY_ID = "https://idp.acme.test/metadata"
SSO_URL = "https://idp.acme.test/sso"
PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def key_and_certificate(folder: Path, name: str = "idp") -> tuple[Path, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.acme.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path.write_text(pem)
    return key_path, cert_path, pem


class SAMLIdentityProvider:
    def __init__(self, folder: Path, *, sso_url: str = SSO_URL) -> None:
        xmlsec = shutil.which("xmlsec1")
        assert xmlsec, "xmlsec1 is missing: apt-get install xmlsec1"
        self.folder = folder
        self.sso_url = sso_url
        self.xmlsec = xmlsec
        self.key, self.cert, self.certificate = key_and_certificate(folder)

    def _server(self, sp_metadata: list[str]) -> Server:
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "xmlsec_binary": self.xmlsec,
                "key_file": str(self.key),
                "cert_file": str(self.cert),
                "metadata": {"inline": sp_metadata},
                "service": {
                    "idp": {
                        "name": "Acme test IdP",
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]
                        },
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 15},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    }
                },
                "allow_unknown_attributes": True,
            }
        )
        return Server(config=config)

    def metadata(self) -> str:
        """The IdP's own metadata, for the Dashboard's import."""
        return create_metadata_string(None, config=self._server_config_only(), valid=24).decode()

    def _server_config_only(self) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "xmlsec_binary": self.xmlsec,
                "key_file": str(self.key),
                "cert_file": str(self.cert),
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]
                        }
                    }
                },
            }
        )
        return config

    def respond(
        self,
        redirect_url: str,
        sp_metadata: str,
        *,
        email: str = "grace@acme.test",
        given_name: str = "Grace",
        surname: str = "Hopper",
        sign_assertion: bool = True,
        sign_response: bool = True,
        audience: str = "",
        destination: str = "",
    ) -> dict[str, str]:
        """Answer the AuthnRequest in `redirect_url` (where the site sent the browser): the
        form fields the IdP's page posts to the ACS URL, and that URL in "action"."""
        assert redirect_url.startswith(self.sso_url), redirect_url
        query = parse_qs(urlsplit(redirect_url).query)
        known = [sp_metadata]
        if audience:  # another service provider the IdP knows (an assertion meant for it)
            ours = re.search(r'entityID="([^"]+)"', sp_metadata)
            assert ours
            known.append(sp_metadata.replace(ours.group(1), audience))
        server = self._server(known)
        request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        response = server.create_authn_response(
            identity={"mail": [email], "givenName": [given_name], "sn": [surname]},
            in_response_to=message.id,
            destination=destination or message.assertion_consumer_service_url,
            sp_entity_id=audience or message.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": PASSWORD_CLASS},
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return {
            "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
            "RelayState": query.get("RelayState", [""])[0],
            "action": message.assertion_consumer_service_url,
        }


def new_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="authflows-saml-"))


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class ServedIdentityProvider:
    """The same IdP over HTTP on a free 127.0.0.1 port, for the browser journeys: its sign-in
    page, then a page whose button posts the signed response to the site (no script)."""

    def __init__(self, folder: Path, sp_metadata_url: str) -> None:
        self.sp_metadata_url = sp_metadata_url
        self.server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.idp = SAMLIdentityProvider(folder, sso_url=self.url + "/sso")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def app(self, environ: dict, start_response):  # type: ignore[no-untyped-def]
        if environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(size).decode())
            request_url = self.idp.sso_url + "?" + form["request"][0]
            metadata = requests.get(self.sp_metadata_url, timeout=5).text
            answer = self.idp.respond(request_url, metadata, email=form["email"][0])
            fields = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(answer[name])}">'
                for name in ("SAMLResponse", "RelayState")
            )
            body = (
                f"<p>Signed in as {html.escape(form['email'][0])}.</p>"
                f'<form method="post" action="{html.escape(answer["action"])}">{fields}'
                '<button type="submit">Continue to the application</button></form>'
            )
            return self._page(start_response, "Acme has signed you in", body)
        query = html.escape(environ.get("QUERY_STRING", ""))
        body = (
            '<form method="post" action="/sso">'
            f'<input type="hidden" name="request" value="{query}">'
            '<p><label for="email">Work email</label> '
            '<input id="email" name="email" value="grace@acme.test" autocomplete="username"></p>'
            '<p><button type="submit">Sign in</button></p></form>'
        )
        return self._page(start_response, "Sign in to Acme", body)

    @staticmethod
    def _page(start_response, title: str, body: str) -> list[bytes]:  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [PAGE.format(title=title, body=body).encode()]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
