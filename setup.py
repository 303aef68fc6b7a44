"""The wheel's one build step beyond pyproject.toml: authflows' data directories.

A checkout keeps `templates/`, `static/`, `locale/` and `fixtures/` at the repository root;
the wheel carries them inside the package (`authflows/templates/`, ...), where Django's
app-directories template loader, the static files' AppDirectoriesFinder and the app's locale
directory find them (authflows/paths.py says which layout is in use). The translation
catalogs are committed as `.po` files: the build compiles each into its `.mo` with Babel
(pure Python, so building needs no GNU gettext). Editable installs keep the checkout's layout
and build nothing here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_DIRS = ("templates", "static", "locale", "fixtures")
# Left out of the wheel: compiled catalogs of the checkout (the build makes its own), caches.
IGNORED = shutil.ignore_patterns("*.mo", "__pycache__", "*.py[co]", ".*")


def compile_catalogs(locale_dir: Path) -> list[Path]:
    """Write `<lang>/LC_MESSAGES/<domain>.mo` beside each `.po` (fuzzy entries left out, as
    GNU msgfmt and Django's compilemessages leave them out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo)
    return written


class BuildPyWithData(build_py):
    """build_py, then the data directories copied into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "authflows"
        for name in DATA_DIRS:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)  # no file left over from an earlier build
            shutil.copytree(ROOT / name, target, ignore=IGNORED)
        compile_catalogs(package / "locale")


setup(cmdclass={"build_py": BuildPyWithData})
