"""The README's "Use in your project" section, read the way the tests apply it: each code block
follows a `<!-- use-in-your-project: NAME -->` line (a comment, invisible on the rendered page)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Use in your project"
BLOCK = re.compile(
    r"^<!-- use-in-your-project: (?P<name>[^>]+?) -->\n```\w*\n(?P<body>.*?)^```$", re.M | re.S
)


def section() -> str:
    text = README.read_text()
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    body = text.split(SECTION, 1)[1]
    return body.split("\n## ", 1)[0]


def blocks() -> dict[str, str]:
    """The section's marked code blocks by name, verbatim."""
    found: dict[str, str] = {}
    for match in BLOCK.finditer(section()):
        assert match["name"] not in found, f"two README blocks named {match['name']!r}"
        found[match["name"]] = match["body"]
    return found
