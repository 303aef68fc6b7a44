"""A small user-agent reader: browser and operating system names for the devices list."""

from __future__ import annotations

import re

from django.utils.translation import gettext

_BROWSERS = [
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"OPR/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:HeadlessChrome|Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+).*Safari/"),
]
_SYSTEMS = [
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("Windows", r"Windows NT"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
]


def browser(user_agent: str) -> str:
    for name, pattern in _BROWSERS:
        match = re.search(pattern, user_agent or "")
        if match:
            return f"{name} {match.group(1)}"
    return gettext("Unknown browser")


def system(user_agent: str) -> str:
    for name, pattern in _SYSTEMS:
        if re.search(pattern, user_agent or ""):
            return name
    return gettext("unknown system")


def describe(user_agent: str) -> str:
    # Translators: a device in the sessions list and in emails, e.g. "Firefox 128 on Linux".
    return gettext("%(browser)s on %(system)s") % {
        "browser": browser(user_agent),
        "system": system(user_agent),
    }
