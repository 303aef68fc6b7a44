"""The README's "Use in your project", done to the letter: the wheel installed into a new
virtualenv, a project from `django-admin startproject`, the README's settings and URL blocks
applied as they stand, its commands run, and a user signed in through the dev server's pages
the way a browser does (CSRF token, form fields, the code from the console email)."""

from __future__ import annotations

import email
import email.policy
import html.parser
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polib
import pytest
import requests

from tests.package import readme
from tests.package.conftest import ROOT, Dists

pytestmark = pytest.mark.package

EMAIL = "owner@example.com"
PASSWORD = "an-unusual-owner-passphrase-57"
LANGUAGES = ("de", "fr", "es")
# Variables of this test run that must not reach the new project's processes.
FOREIGN_ENV = ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")


@dataclass
class Project:
    dir: Path
    venv: Path
    env: dict[str, str]
    outputs: dict[str, str]

    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def manage(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.python(), "manage.py", *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done


def clean_env(venv: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("HOME", str(home))
    return env


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 300) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def project(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The wheel in a new virtualenv, a new project, the README's three steps."""
    base = tmp_path_factory.mktemp("embed")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=dict(os.environ))
    env = clean_env(venv, base)
    # The wheel's own dependencies, from the package index as any installation gets them.
    run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--no-compile", str(dists.wheel)],
        cwd=base,
        env=env,
    )
    site = base / "site"
    site.mkdir()
    run(
        [str(venv / "bin" / "django-admin"), "startproject", "mysite", str(site)], cwd=base, env=env
    )
    steps = readme.blocks()
    assert set(steps) == {"append to settings.py", "urls.py", "commands"}, sorted(steps)
    settings_py = site / "mysite" / "settings.py"
    settings_py.write_text(settings_py.read_text() + "\n" + steps["append to settings.py"])
    (site / "mysite" / "urls.py").write_text(steps["urls.py"])
    project = Project(dir=site, venv=venv, env=env, outputs={})
    commands = [line.strip() for line in steps["commands"].splitlines() if line.strip()]
    assert commands == [
        "python manage.py migrate",
        "python manage.py createsuperuser",
        "python manage.py runserver",
    ], commands
    project.outputs["check"] = project.manage("check", "--fail-level", "WARNING").stdout
    project.outputs["migrate"] = project.manage("migrate").stdout
    project.env.update(DJANGO_SUPERUSER_EMAIL=EMAIL, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    project.outputs["createsuperuser"] = project.manage("createsuperuser", "--noinput").stdout
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    stdout: Path
    stderr: Path

    def console(self) -> str:
        return self.stdout.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(project: Project) -> Iterator[Server]:
    """`python manage.py runserver`, on a free loopback port; the console email backend
    writes to its standard output."""
    port = free_port()
    out, err = project.dir / "runserver.out", project.dir / "runserver.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [project.python(), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=project.dir,
            env=project.env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, f"runserver exited:\n{err.read_text()}"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"runserver did not listen within 60 s:\n{err.read_text()}")
        yield Server(base=f"http://127.0.0.1:{port}", stdout=out, stderr=err)
    finally:
        process.terminate()
        process.wait(timeout=20)


class Forms(html.parser.HTMLParser):
    """A page's forms: action, the named inputs with their values, the named submit buttons."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}, "buttons": {}})
        elif tag in {"input", "button"} and self.forms and values.get("name"):
            kind = values.get("type", "submit" if tag == "button" else "text")
            group = "buttons" if kind == "submit" else "fields"
            self.forms[-1][group][values["name"]] = values.get("value", "")


class Browser:
    """A cookie jar; a post sends what the page's form holds (the CSRF token, hidden fields),
    the fields a person types, the pressed button, and the Origin header browsers send."""

    def __init__(self, base: str, language: str = "en") -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"Accept-Language": language, "User-Agent": "Mozilla/5.0"})

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30)

    def submit(
        self, path: str, typed: dict[str, str], button: tuple[str, str] | None = None
    ) -> requests.Response:
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        forms = [
            f
            for f in Forms(page.text).forms
            if set(typed) <= set(f["fields"]) and (button is None or button[0] in f["buttons"])
        ]
        assert forms, f"{path} has no form with {sorted(typed)} and {button}"
        form = forms[0]
        assert "csrfmiddlewaretoken" in form["fields"], f"{path}: the form has no CSRF token"
        data = {**form["fields"], **typed, **(dict([button]) if button else {})}
        return self.session.post(
            self.base + (form["action"] or path),
            data=data,
            headers={"Origin": self.base, "Referer": self.base + path},
            allow_redirects=False,
            timeout=30,
        )


def console_emails(console: str) -> list[EmailMessage]:
    """The messages Django's console email backend printed (each ends with a line of 79 -)."""
    messages = []
    for chunk in console.split("\n" + "-" * 79 + "\n"):
        start = chunk.find("Content-Type: ")
        if start >= 0 and "\nTo: " in chunk:
            text = chunk[start:]
            messages.append(email.message_from_string(text, policy=email.policy.default))
    return messages


def test_the_project_runs_the_installed_wheel_not_this_checkout(project: Project) -> None:
    where = project.manage(
        "shell", "-v", "0", "-c", "import authflows; print(authflows.__file__)"
    ).stdout
    installed = Path(where.strip()).resolve()
    assert installed.is_relative_to(project.venv.resolve()), installed
    assert not installed.is_relative_to(ROOT), installed
    assert "no issues" in project.outputs["check"], project.outputs["check"]
    assert "Applying authflows.0001" in project.outputs["migrate"]
    assert "Superuser created successfully" in project.outputs["createsuperuser"]


def test_a_user_signs_in_through_the_pages_with_the_emailed_code(
    project: Project, server: Server
) -> None:
    """The superuser opens the admin, is sent to /sign-in/, signs in from this new browser
    with the code the console email shows, and lands back in the admin."""
    browser = Browser(server.base)
    admin_login = browser.get("/admin/")
    assert admin_login.status_code == 302, admin_login.status_code
    to_sign_in = browser.get(admin_login.headers["Location"])
    assert to_sign_in.status_code == 302
    sign_in = to_sign_in.headers["Location"]
    assert sign_in == "/sign-in/?" + urlencode({"redirect_url": "/admin/"}), sign_in
    start = browser.get(sign_in)
    assert start.status_code == 200 and 'lang="en"' in start.text
    [stylesheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', start.text)
    css = browser.get(stylesheet)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.content == (ROOT / "static" / "authflows" / "app.css").read_bytes()

    answer = browser.submit(sign_in, {"identifier": EMAIL, "password": PASSWORD})
    assert answer.status_code == 302, answer.text[-2000:]
    assert answer.headers["Location"] == "/sign-in/client-trust/"
    trust = browser.get("/sign-in/client-trust/")
    assert trust.status_code == 200 and 'data-status="needs_client_trust"' in trust.text

    [message] = [m for m in console_emails(server.console()) if EMAIL in str(m["To"])]
    assert "new device" in str(message["Subject"]), message["Subject"]
    text = message.get_body(("plain",)).get_content()
    code = re.findall(r"\b(\d{6})\b", text)[-1]
    done = browser.submit("/sign-in/client-trust/", {"code": code}, button=("action", "verify"))
    assert done.status_code == 302 and done.headers["Location"] == "/admin/", done.text[-2000:]

    admin = browser.get("/admin/")
    assert admin.status_code == 200 and "authflows Dashboard" in admin.text
    assert "You're signed in" in browser.get("/").text
    account = browser.get("/user/")
    assert account.status_code == 200 and EMAIL in account.text
    assert "Traceback" not in server.stderr.read_text()


def test_the_pages_speak_the_browsers_language(server: Server) -> None:
    for language in LANGUAGES:
        catalog = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
        page = Browser(server.base, language).get("/sign-in/")
        assert page.status_code == 200 and f'<html lang="{language}">' in page.text
        heading = catalog.find("Sign in").msgstr
        assert f"<h1>{heading}</h1>" in page.text, (language, heading)


CATALOG_CHECK = """
import json, os, sys
from django.utils import translation
wrong = []
for lang, entries in json.load(open(os.environ["EXPECTED"])).items():
    with translation.override(lang):
        for ctx, msgid, plural, expected in entries:
            if plural:
                got = [translation.ngettext(msgid, plural, n) for n in (1, 5)]
            elif ctx:
                got = translation.pgettext(ctx, msgid)
            else:
                got = translation.gettext(msgid)
            if got != expected:
                wrong.append([lang, msgid, got, expected])
print(json.dumps(wrong))
"""


def test_every_message_reads_as_authflows_catalogs_say(project: Project, tmp_path: Path) -> None:
    """The packaged catalogs are compiled and win over Django's own apps' catalogs, which word
    some of the same messages differently."""
    expected: dict[str, list[list[Any]]] = {}
    for language in LANGUAGES:
        catalog = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
        expected[language] = [
            [
                entry.msgctxt,
                entry.msgid,
                entry.msgid_plural,
                [entry.msgstr_plural[0], entry.msgstr_plural[max(entry.msgstr_plural)]]
                if entry.msgid_plural
                else entry.msgstr,
            ]
            for entry in catalog.translated_entries()
        ]
        assert len(expected[language]) > 300, language
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(expected))
    project.env["EXPECTED"] = str(path)
    wrong = json.loads(project.manage("shell", "-v", "0", "-c", CATALOG_CHECK).stdout)
    assert not wrong, wrong[:10]


def test_the_demo_data_and_maintenance_commands_run_from_the_package(project: Project) -> None:
    output = project.manage("demo_data", "--no-admin").stdout
    fixture = json.loads((ROOT / "fixtures" / "demo.json").read_text())
    for row in fixture:
        assert f"created demo user {row['fields']['email']}" in output
    project.manage("maintenance")


STANDALONE_CHECK = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.utils import translation
with translation.override("de"):
    heading = translation.gettext("Sign in")
print(json.dumps({
    "template": get_template("authflows/sign_in/start.html").origin.name,
    "base": get_template("base.html").origin.name,
    "static": finders.find("authflows/app.css", find_all=True),
    "locale": [str(p) for p in settings.LOCALE_PATHS],
    "heading": heading,
}))
"""


def test_the_standalone_sites_settings_find_the_packaged_files(
    project: Project, tmp_path: Path
) -> None:
    """authflows.settings run from the installed wheel (no checkout around it) finds the
    templates, static files and catalogs inside the package, each once."""
    env = {
        **project.env,
        "DJANGO_SETTINGS_MODULE": "authflows.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'standalone.sqlite3'}",
    }
    done = subprocess.run(
        [project.python(), "-c", STANDALONE_CHECK],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    package = project.venv.resolve() / "lib"
    for key in ("template", "base"):
        assert Path(found[key]).resolve().is_relative_to(package), found[key]
    [static] = found["static"]
    assert Path(static).resolve().is_relative_to(package), static
    [locale] = found["locale"]
    assert Path(locale).resolve().is_relative_to(package) and Path(locale).name == "locale"
    catalog = polib.pofile(str(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    assert found["heading"] == catalog.find("Sign in").msgstr
