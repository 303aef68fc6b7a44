"""What the sdist and the wheel carry: the package, and the data directories the checkout keeps
at its root (templates, static files, catalogs, fixtures), with the catalogs compiled."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.package.conftest import ROOT, Dists

pytestmark = pytest.mark.package

DATA_DIRS = ("templates", "static", "locale", "fixtures")


def checkout_files(top: str, *, suffix: str = "") -> list[str]:
    """Files under `top` in the checkout, relative to the root, as posix paths; compiled
    catalogs and caches left out (they are built, not sources)."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / top).rglob(f"*{suffix}")
        if path.is_file() and path.suffix not in {".mo", ".pyc"} and "__pycache__" not in path.parts
    )


def wheel_names(dists: Dists) -> set[str]:
    with zipfile.ZipFile(dists.wheel) as wheel:
        return set(wheel.namelist())


def test_the_wheel_carries_the_data_directories_inside_the_package(dists: Dists) -> None:
    names = wheel_names(dists)
    with zipfile.ZipFile(dists.wheel) as wheel:
        for top in DATA_DIRS:
            files = checkout_files(top)
            assert files, f"the checkout has no {top}/"
            for name in files:
                packaged = f"authflows/{name}"
                assert packaged in names, f"{packaged} is missing from the wheel"
                assert wheel.read(packaged) == (ROOT / name).read_bytes(), f"{packaged} differs"


def test_the_wheel_carries_a_compiled_catalog_for_every_catalog(dists: Dists) -> None:
    names = wheel_names(dists)
    catalogs = checkout_files("locale", suffix=".po")
    assert {Path(c).parts[1] for c in catalogs} >= {"de", "fr", "es", "en_XA"}
    for po in catalogs:
        assert f"authflows/{po[:-3]}.mo" in names, f"no compiled catalog for {po}"


def test_the_wheel_carries_the_package_and_nothing_else(dists: Dists) -> None:
    names = wheel_names(dists)
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "authflows").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    data = {f"authflows/{name}" for top in DATA_DIRS for name in checkout_files(top)}
    compiled = {f"authflows/{po[:-3]}.mo" for po in checkout_files("locale", suffix=".po")}
    metadata = {name for name in names if name.startswith("authflows-") and ".dist-info/" in name}
    extra = names - modules - data - compiled - metadata
    assert not extra, f"unexpected files in the wheel: {sorted(extra)}"
    assert "authflows/templates/authflows/sign_in/start.html" in names
    assert "authflows/static/authflows/app.css" in names
    assert "authflows/fixtures/demo.json" in names


def test_the_sdist_carries_the_sources_the_wheel_is_built_from(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        assert name in names, f"{name} is missing from the sdist"
    for top in DATA_DIRS:
        for name in checkout_files(top):
            assert name in names, f"{name} is missing from the sdist"
    assert not [n for n in names if n.endswith(".mo")], "compiled catalogs in the sdist"
    assert not [n for n in names if n.startswith("tests/")], "the tests in the sdist"


def msgfmt_catalog(po: Path, tmp_path: Path) -> gettext.GNUTranslations:
    """The catalog as GNU msgfmt compiles it (what `make compile-messages` does, through
    Django's compilemessages)."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext is missing (apt-get install gettext): msgfmt is needed"
    mo = tmp_path / f"{po.parent.parent.name}.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as compiled:
        return gettext.GNUTranslations(compiled)


def test_the_compiled_catalogs_say_what_msgfmt_would(dists: Dists, tmp_path: Path) -> None:
    """The build compiles with Babel; Django loads the result exactly like msgfmt's."""
    with zipfile.ZipFile(dists.wheel) as wheel:
        for po in checkout_files("locale", suffix=".po"):
            built = gettext.GNUTranslations(io.BytesIO(wheel.read(f"authflows/{po[:-3]}.mo")))
            expected = msgfmt_catalog(ROOT / po, tmp_path)
            ours = {k: v for k, v in built._catalog.items() if k != ""}
            theirs = {k: v for k, v in expected._catalog.items() if k != ""}
            assert len(theirs) > 300, f"{po}: only {len(theirs)} messages"
            assert ours == theirs, f"{po}: the built catalog differs from msgfmt's"
            plural_forms = [(built.plural(n), expected.plural(n)) for n in range(0, 2_000_001, 997)]
            assert all(a == b for a, b in plural_forms), f"{po}: plural forms differ"
