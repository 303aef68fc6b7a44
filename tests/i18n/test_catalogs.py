"""The catalogs in locale/: complete (nothing untranslated or fuzzy), the same placeholders
and markup as the English, one term per idea and the formal register in each language, and
a pseudo-locale with no plain English left.

`make i18n-check` (run by `make test`) checks that the catalogs match the marked strings and
compile; these tests check what is inside them."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from authflows.management.commands.pseudo_locale import PSEUDO_LOCALE, pseudo_localise

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["de", "fr", "es"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd%]")
TAG = re.compile(r"<[^>]+>")
APOSTROPHE = "\u2019"  # French typography uses the typographic apostrophe

# Messages that are the same word in English and in the language (checked, not forgotten).
SAME_AS_ENGLISH = {
    "de": {"authflows", "Code", "(optional)", "Passkeys", "Name"},
    "fr": {"authflows", "Code", "Application", "Permissions", "Sessions", "client", "Actions"},
    "es": {"authflows"},
}

# One term per idea and the formal register: words that mean another term's idea, or the
# informal "you", must not appear in a translation.
AVOID = {
    "de": [
        r"\beinloggen\b",
        r"\bLogin\b",
        r"\bZwei-Faktor",
        r"\b2FA\b",
        r"\bZwei-Schritt",
        r"Wiederherstellungscode",
        r"Sicherungscode",
        r"\bdu\b",
        r"\bdein",
        r"\bdich\b",
        r"\bdir\b",
        r"\bverifizier",
        r"\bHandy\b",
        r"\bAuthentifikator",
    ],
    "fr": [
        r"\bidentifiez",
        rf"\bs{APOSTROPHE}identifier",
        r"\blogin\b",
        r"deux facteurs",
        r"deux étapes",
        r"\bA2F\b",
        r"codes? de récupération",
        r"\bcourriel",
        r"\btu\b",
        r"\bton\b",
        r"\btes\b",
        r"\bentrez\b",
        r"\bmail\b(?<!e-mail)",
        r"authentificateur",
    ],
    "es": [
        r"\bacceder\b",
        r"\bingres",
        r"dos pasos",
        r"dos factores",
        r"códigos? de recuperación",
        r"códigos? de seguridad",
        r"\btu\b",
        r"\btú\b",
        r"\bintroduce\b",
        r"\busa\b",
        r"\bemail\b",
        r"\bmóvil\b",
        r"autenticador\b",
    ],
}
# The term each language uses for an English one, wherever the English uses it.
TERMS = {
    "Sign in": {"de": "Anmelden", "fr": "Se connecter", "es": "Iniciar sesión"},
    "Backup codes": {"de": "Backup-Codes", "fr": "Codes de secours", "es": "Códigos de respaldo"},
    "Authenticator app": {
        "de": "Authenticator-App",
        "fr": f"Application d{APOSTROPHE}authentification",
        "es": "Aplicación de autenticación",
    },
    "Multi-factor authentication": {
        "de": "Multi-Faktor-Authentifizierung",
        "fr": "Authentification multifacteur",
        "es": "Autenticación multifactor",
    },
    "Trusted devices": {
        "de": "Vertrauenswürdige Geräte",
        "fr": "Appareils de confiance",
        "es": "Dispositivos de confianza",
    },
}
# Substrings of the English and the words each translation must then contain.
TERM_IN_SENTENCES = {
    "backup code": {
        "de": "Backup-Code",
        "fr": "code(s)? de secours",
        "es": "código(s)? de respaldo",
    },
    "authenticator app": {
        "de": "Authenticator-App",
        "fr": f"application d{APOSTROPHE}authentification",
        "es": "aplicación de autenticación",
    },
    "trusted device": {
        "de": "vertrauenswürdige",
        "fr": "appareils? de confiance",
        "es": "dispositivos? de confianza",
    },
}


def catalog(language: str) -> polib.POFile:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def english(entry: polib.POEntry) -> list[str]:
    return [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]


@pytest.mark.parametrize("language", [*LANGUAGES, PSEUDO_LOCALE])
def test_nothing_untranslated_or_fuzzy(language):
    po = catalog(language)
    assert len(po) > 300
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"
    assert not po.obsolete_entries()
    assert po.metadata["Language"] == language
    assert "INTEGER" not in po.metadata["Plural-Forms"]


@pytest.mark.parametrize("language", [*LANGUAGES, PSEUDO_LOCALE])
def test_placeholders_and_markup_are_kept(language):
    wrong = []
    for entry in catalog(language):
        wanted_placeholders = sorted(PLACEHOLDER.findall(entry.msgid))
        wanted_tags = sorted(TAG.findall(entry.msgid))
        for text in translations(entry):
            kept = (
                sorted(PLACEHOLDER.findall(text)) == wanted_placeholders
                and sorted(TAG.findall(text)) == wanted_tags
                and entry.msgid.count("\n") == text.count("\n")
            )
            if not kept:
                wrong.append((entry.msgid, text))
    assert not wrong, wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_left_in_english(language):
    left = [
        entry.msgid
        for entry in catalog(language)
        if entry.msgstr == entry.msgid and entry.msgid not in SAME_AS_ENGLISH[language]
    ]
    assert not left, left


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_term_per_idea_and_the_formal_register(language):
    found = []
    for entry in catalog(language):
        for text in translations(entry):
            found += [(p, text) for p in AVOID[language] if re.search(p, text, re.IGNORECASE)]
    assert not found, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_chosen_terms_are_used(language):
    by_id = {entry.msgid: entry for entry in catalog(language)}
    for english_text, terms in TERMS.items():
        assert by_id[english_text].msgstr == terms[language]
    missing = []
    for entry in catalog(language):
        for english_term, terms in TERM_IN_SENTENCES.items():
            if english_term in entry.msgid.lower():
                for text in translations(entry):
                    if not re.search(terms[language], text, re.IGNORECASE):
                        missing.append((terms[language], text))
    assert not missing, missing


def test_french_uses_non_breaking_spaces_and_apostrophes():
    wrong = []
    for entry in catalog("fr"):
        for text in translations(entry):
            if "'" in text or re.search(
                r"[^\u00a0\n][:;?!»]", re.sub(r"%\([^)]+\)s|https?:", "", text)
            ):
                wrong.append(text)
    assert not wrong, wrong


def test_pseudo_locale_is_the_english_pseudo_localised():
    for entry in catalog(PSEUDO_LOCALE):
        for source, text in zip(english(entry), translations(entry), strict=True):
            assert text == pseudo_localise(source)
            assert text.startswith("[") and text.endswith("]")
            plain = TAG.sub("", PLACEHOLDER.sub("", text))
            assert not re.search(r"[A-Za-z]", plain), text


def test_pseudo_localise_keeps_placeholders_and_grows_the_text():
    message = "A code was sent a moment ago. You can ask for a new one in %(seconds)s seconds."
    pseudo = pseudo_localise(message)
    assert "%(seconds)s" in pseudo
    assert pseudo.startswith("[") and pseudo.endswith("]")
    assert not re.search(r"[A-Za-z]", pseudo.replace("%(seconds)s", ""))
    assert len(pseudo) >= 1.3 * len(message)
    tagged = pseudo_localise("Enter the code we sent to <strong>%(target)s</strong>.")
    assert "<strong>%(target)s</strong>" in tagged
    assert pseudo_localise("100%% sure &amp; %s") == "[100%% šûûŕéé &amp; %s]"
