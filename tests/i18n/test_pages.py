"""Pages in the visitor's language: Accept-Language picks German, French or Spanish, the
footer's picker (Django's set_language) overrides it, and English stays as it was.

The expected sentences are copied from the catalogs in locale/; error codes and data-status
stay untranslated whatever the language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import error_codes, last_code, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
APOSTROPHE = "\u2019"

# Per language: strings of the sign-in page, the client-trust code page (with a wrong code),
# and the account page, as the catalogs translate them.
EXPECTED = {
    "de": {
        "sign_in": [
            "<h1>Anmelden</h1>",
            ">E-Mail-Adresse</label>",
            ">Passwort</label>",
            "Passwort vergessen?",
            ">Weiter</button>",
            "Noch kein Konto?",
        ],
        "wrong_password": (
            "Das Passwort ist falsch. Versuchen Sie es erneut oder verwenden Sie "
            "eine andere Methode."
        ),
        "code_page": [
            "<h1>Konto bestätigen</h1>",
            "Sie melden sich auf einem neuen Gerät an.",
            ">Bestätigen</button>",
            ">Neuen Code senden</button>",
            ">Von vorn beginnen</button>",
        ],
        "wrong_code": "Der Code ist falsch. Prüfen Sie ihn und versuchen Sie es erneut.",
        "account": [
            "<h1>Konto</h1>",
            "<h2>Aktive Sitzungen</h2>",
            "<h2>Vertrauenswürdige Geräte</h2>",
            "<h2>Letzte Sicherheitsaktivitäten</h2>",
            ">Passwort ändern</button>",
            "Firefox 128 unter Linux",
            ">Abmelden</button>",
            "Anmeldung erfolgreich",
        ],
    },
    "fr": {
        "sign_in": [
            "<h1>Se connecter</h1>",
            ">Adresse e-mail</label>",
            ">Mot de passe</label>",
            f"Mot de passe oublié{NBSP}?",
            ">Continuer</button>",
            f"Vous n{APOSTROPHE}avez pas de compte{NBSP}?",
        ],
        "wrong_password": "Le mot de passe est incorrect. Réessayez ou utilisez une autre méthode.",
        "code_page": [
            "<h1>Vérifier votre compte</h1>",
            "Vous vous connectez depuis un nouvel appareil.",
            ">Vérifier</button>",
            ">Envoyer un nouveau code</button>",
            ">Recommencer</button>",
        ],
        "wrong_code": "Le code est incorrect. Vérifiez-le et réessayez.",
        "account": [
            "<h1>Compte</h1>",
            "<h2>Sessions actives</h2>",
            "<h2>Appareils de confiance</h2>",
            "<h2>Activité de sécurité récente</h2>",
            ">Modifier le mot de passe</button>",
            "Firefox 128 sur Linux",
            ">Se déconnecter</button>",
            "Connexion réussie",
        ],
    },
    "es": {
        "sign_in": [
            "<h1>Iniciar sesión</h1>",
            ">Correo electrónico</label>",
            ">Contraseña</label>",
            "¿Ha olvidado su contraseña?",
            ">Continuar</button>",
            "¿No tiene una cuenta?",
        ],
        "wrong_password": "La contraseña es incorrecta. Vuelva a intentarlo o use otro método.",
        "code_page": [
            "<h1>Verificar su cuenta</h1>",
            "Está iniciando sesión desde un dispositivo nuevo.",
            ">Verificar</button>",
            ">Enviar un código nuevo</button>",
            ">Empezar de nuevo</button>",
        ],
        "wrong_code": "El código es incorrecto. Compruébelo y vuelva a intentarlo.",
        "account": [
            "<h1>Cuenta</h1>",
            "<h2>Sesiones activas</h2>",
            "<h2>Dispositivos de confianza</h2>",
            "<h2>Actividad de seguridad reciente</h2>",
            ">Cambiar la contraseña</button>",
            "Firefox 128 en Linux",
            ">Cerrar sesión</button>",
            "Inicio de sesión correcto",
        ],
    },
}
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ENGLISH = ["<h1>Sign in</h1>", "Enter email address", "Forgot password?", ">Continue</button>"]


def browser_in(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5", HTTP_USER_AGENT=FIREFOX)


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def assert_contains_all(html: str, expected: list[str]) -> None:
    missing = [text for text in expected if text not in html]
    assert not missing, f"missing {missing}"


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_sign_in_page(language):
    response = browser_in(language).get("/sign-in/")
    html = html_of(response)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert_contains_all(html, EXPECTED[language]["sign_in"])
    assert page_status(response) == "needs_identifier"
    assert "Enter email address" not in html and "Forgot password?" not in html


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_a_refusal_keeps_its_error_code(language, user):
    browser = browser_in(language)
    response = sign_in(browser, "ada@example.com", "not-the-password", redirect_url="")
    assert response.status_code == 400
    assert error_codes(response) == ["form_password_incorrect"]
    assert EXPECTED[language]["wrong_password"] in html_of(response)


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_code_page_and_account_page(language, user, mailoutbox):
    browser = browser_in(language)
    assert sign_in(browser, "ada@example.com", redirect_url="")["Location"] == CLIENT_TRUST_URL
    page = browser.get(CLIENT_TRUST_URL)
    assert page_status(page) == "needs_client_trust"
    assert_contains_all(html_of(page), EXPECTED[language]["code_page"])

    wrong = browser.post(CLIENT_TRUST_URL, {"code": "000000", "action": "verify"})
    assert error_codes(wrong) == ["form_code_incorrect"]
    assert EXPECTED[language]["wrong_code"] in html_of(wrong)

    done = browser.post(
        CLIENT_TRUST_URL, {"code": last_code(mailoutbox[0].body), "action": "verify"}
    )
    assert done.status_code == 302
    account = browser.get("/user/")
    assert account.status_code == 200
    assert f'<html lang="{language}">' in html_of(account)
    assert_contains_all(html_of(account), EXPECTED[language]["account"])
    assert 'data-event="sign_in.succeeded"' in html_of(account)


def test_english_is_unchanged_without_a_preference():
    html = html_of(Client().get("/sign-in/"))
    assert '<html lang="en">' in html
    assert_contains_all(html, ENGLISH)


def test_an_unsupported_language_falls_back_to_english():
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="ja,zh;q=0.8").get("/sign-in/"))
    assert '<html lang="en">' in html
    assert_contains_all(html, ENGLISH)


def test_a_regional_variant_gets_its_language():
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="de-AT,en;q=0.5").get("/sign-in/"))
    assert '<html lang="de">' in html and "<h1>Anmelden</h1>" in html


def test_the_footer_picker_overrides_the_browser_language():
    browser = browser_in("de")
    page = html_of(browser.get("/sign-in/"))
    picker = re.search(
        r'<form method="post" action="(/i18n/setlang/)"[^>]*>(.*?)</form>', page, re.S
    )
    assert picker, "the language picker is missing"
    assert 'name="next" value="/sign-in/"' in picker.group(2)
    assert (
        '<span class="current-language" lang="de" aria-current="true">Deutsch</span>'
        in picker.group(2)
    )
    assert 'name="language" value="fr" lang="fr">Français</button>' in picker.group(2)
    assert 'name="language" value="en" lang="en">English</button>' in picker.group(2)

    chosen = browser.post("/i18n/setlang/", {"next": "/sign-in/", "language": "fr"})
    assert chosen.status_code == 302 and chosen["Location"] == "/sign-in/"
    cookie = browser.cookies["django_language"]
    assert cookie.value == "fr" and cookie["httponly"] and cookie["samesite"] == "Lax"
    html = html_of(browser.get("/sign-in/"))
    assert '<html lang="fr">' in html and "<h1>Se connecter</h1>" in html


def test_the_picker_refuses_a_foreign_next_url():
    browser = Client()
    chosen = browser.post("/i18n/setlang/", {"next": "https://evil.example/", "language": "es"})
    assert chosen.status_code == 302 and chosen["Location"] == "/"


def test_the_picker_ignores_an_unknown_language():
    browser = Client()
    browser.post("/i18n/setlang/", {"next": "/sign-in/", "language": "xx"})
    assert "django_language" not in browser.cookies
    assert "<h1>Sign in</h1>" in html_of(browser.get("/sign-in/"))
