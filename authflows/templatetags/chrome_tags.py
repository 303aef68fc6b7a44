"""The page chrome every page shares: the top bar and the language picker in the footer.

They are the same on every page but for a few values (the CSRF token, the current path, the
application's name), so each is built once per process for a language, a kind of visitor
and a URL configuration, and the values are put in per request: the template engine would
otherwise walk some sixty nodes for them on every page.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.context import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, gettext

register = template.Library()

#: Where the per-request values go in a cached part (never produced by escape()).
CSRF_SLOT = SafeString("\x00csrf\x00")
NEXT_SLOT = SafeString("\x00next\x00")
NAME_SLOT = SafeString("\x00name\x00")


def _csrf_input(context: Context) -> str:
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _fill(part: str, *values: tuple[str, str]) -> SafeString:
    for slot, value in values:
        part = part.replace(slot, value)
    # The cached part was built with format_html, and each value is escaped by the caller.
    return mark_safe(part)  # noqa: S308


@lru_cache(maxsize=64)
def _top_bar(language: str | None, visitor: str, prefix: str, urlconf: str | None) -> str:
    """The top bar for "anonymous", "user" or "staff" visitors, with slots."""
    url = lambda name: reverse(name, urlconf=urlconf)  # noqa: E731
    if visitor == "anonymous":
        links = format_html(
            '<a href="{}">{}</a>\n        <a href="{}">{}</a>',
            url("authflows:sign-in"), gettext("Sign in"),
            url("authflows:sign-up"), gettext("Sign up"),
        )  # fmt: skip
    else:
        admin = (
            format_html('<a href="{}">{}</a>', url("admin:index"), gettext("Admin"))
            if visitor == "staff"
            else ""
        )
        links = format_html(
            '<a href="{}">{}</a>\n        {}\n        <form method="post" action="{}" '
            'class="inline">{}\n          <button type="submit" class="link">{}</button>\n'
            "        </form>",
            url("authflows:account"), gettext("Account"), admin,
            url("authflows:sign-out"), CSRF_SLOT, gettext("Sign out"),
        )  # fmt: skip
    return format_html(
        '<header class="topbar">\n    <a class="brand" href="{}">{}</a>\n'
        '    <nav aria-label="{}">\n        {}\n    </nav>\n  </header>',
        url("authflows:home"), NAME_SLOT, gettext("Account"), links,
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def top_bar(context: Context) -> SafeString:
    user = context.get("user")
    visitor = "anonymous"
    if user is not None and user.is_authenticated:
        visitor = "staff" if user.is_staff else "user"
    instance = context.get("instance")
    name = getattr(instance, "application_name", "") or "authflows"
    part = _top_bar(get_language(), visitor, get_script_prefix(), get_urlconf())
    return _fill(part, (CSRF_SLOT, _csrf_input(context)), (NAME_SLOT, escape(name)))


def _language_name(code: str, name: str) -> str:
    """The language named in itself (Django's name_local); a code Django does not know, such
    as the pseudo-locale, by its LANGUAGES name."""
    try:
        info = get_language_info(code)
    except KeyError:
        return str(name)
    return capfirst(info["name_local"]) if info["code"] == code else str(name)


@lru_cache(maxsize=64)
def _language_picker(language: str | None, prefix: str, urlconf: str | None) -> str:
    choices = []
    for code, name in settings.LANGUAGES:
        label = _language_name(code, name)
        if code == language:
            choice = '<span class="current-language" lang="{}" aria-current="true">{}</span>'
        else:
            choice = (
                '<button type="submit" class="link" name="language" value="{0}" lang="{0}">'
                "{1}</button>"
            )
        choices.append(format_html(choice, code, label))
    return format_html(
        '<footer class="site-footer">\n    <form method="post" action="{}" '
        'class="language-picker" aria-labelledby="language-picker-label">{}\n'
        '      <input type="hidden" name="next" value="{}">\n'
        '      <span id="language-picker-label">{}</span>\n      {}\n    </form>\n  </footer>',
        reverse("set_language", urlconf=urlconf), CSRF_SLOT, NEXT_SLOT,
        gettext("Language"), format_html_join("\n      ", "{}", ((c,) for c in choices)),
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def language_picker(context: Context) -> SafeString:
    request = context.get("request")
    path = request.get_full_path() if request is not None else ""
    part = _language_picker(get_language(), get_script_prefix(), get_urlconf())
    return _fill(part, (CSRF_SLOT, _csrf_input(context)), (NEXT_SLOT, escape(path)))


@receiver(setting_changed)
def _forget_parts(setting: str, **kwargs: object) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "ROOT_URLCONF", "INSTALLED_APPS"}:
        _top_bar.cache_clear()
        _language_picker.cache_clear()
