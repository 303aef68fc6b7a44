"""Where authflows' data files are: templates, static files, translation catalogs and the demo
fixtures.

A checkout keeps them at the repository root (`templates/`, `static/`, `locale/`,
`fixtures/`); the wheel carries them inside the package (`authflows/templates/`, ...), where
Django's app-directories template loader, the static files' AppDirectoriesFinder and the
app's own locale directory find them. Code that opens one of these files asks here instead of
building a path from `settings.BASE_DIR`, which is the embedding project's directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIRS = ("templates", "static", "locale", "fixtures")


def is_installed() -> bool:
    """The package carries its data (an installed wheel), rather than a checkout around it."""
    return (PACKAGE_DIR / "templates").is_dir()


def data_dir(name: str) -> Path:
    """The directory `name` (one of DATA_DIRS): inside the package when installed, at the
    repository root in a checkout."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data directory {name!r}")
    return PACKAGE_DIR / name if is_installed() else PACKAGE_DIR.parent / name


def checkout_dirs(name: str) -> list[Path]:
    """The checkout's directory `name` for STATICFILES_DIRS and the like; none when installed,
    since the app directories already provide the packaged copy (listing it twice would make
    collectstatic find every file twice)."""
    return [] if is_installed() else [data_dir(name)]
