"""The README is the install page HACS shows: it must render and link right.

It is rendered with markdown-it (CommonMark plus the GitHub table extension,
as GitHub and HACS render it). A line that starts with ``|`` but did not end
up in a table shows as a paragraph of literal pipes; a row with more or fewer
cells than its header loses cells silently. Links that add the repository to
HACS must name the repository manifest.json points at.
"""

import json
import os
from pathlib import Path
import re
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
except ImportError:
    # markdown-it-py comes with the current test requirements (through
    # pytest-codspeed and rich), not with the oldest Home Assistant's. The README
    # does not depend on the release, so one run checking it is enough, and the
    # run with requirements_test.txt must be that one.
    if (
        os.environ.get("REQUIREMENTS", "requirements_test.txt")
        == "requirements_test.txt"
    ):
        raise
    pytest.skip("markdown-it-py is not installed", allow_module_level=True)

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
MANIFEST = json.loads(
    (ROOT / "custom_components" / "sonos_cloud" / "manifest.json").read_text(
        encoding="utf-8"
    )
)
HACS = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
REPOSITORY = MANIFEST["documentation"].rstrip("/")
OWNER, NAME = urlsplit(REPOSITORY).path.strip("/").split("/")


def _parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def _walk(tokens: list[Token]) -> list[Token]:
    """Return every token, inline children included."""
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        found.extend(_walk(token.children or []))
    return found


def stray_table_rows(text: str) -> list[tuple[int, str]]:
    """Return lines that look like table rows but are in no table or code block."""
    covered: set[int] = set()
    for token in _parse(text):
        if token.map and token.type in ("table_open", "fence", "code_block"):
            covered.update(range(*token.map))
    return [
        (number + 1, line)
        for number, line in enumerate(text.splitlines())
        if line.lstrip().startswith("|") and number not in covered
    ]


def _cells(row: str) -> int:
    """Count the cells of a raw table row as GitHub splits it (unescaped pipes)."""
    row = row.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


def ragged_table_rows(text: str) -> list[tuple[int, str]]:
    """Return the table rows whose cell count differs from their header's."""
    lines = text.splitlines()
    ragged = []
    for token in _parse(text):
        if token.type == "table_open" and token.map:
            start, end = token.map
            header = _cells(lines[start])
            ragged.extend(
                (number + 1, lines[number])
                for number in range(start + 2, end)
                if lines[number].strip() and _cells(lines[number]) != header
            )
    return ragged


def links(text: str) -> list[str]:
    """Return the targets of every link and image."""
    return [
        str(token.attrs.get("href") or token.attrs.get("src"))
        for token in _walk(_parse(text))
        if token.type in ("link_open", "image")
    ]


def test_detects_stray_and_ragged_rows() -> None:
    """The checks below catch the mistakes they are for."""
    good = "| A | B |\n|---|---|\n| 1 | `x \\| y` |\n\n```\n| code |\n```\n"
    assert stray_table_rows(good) == []
    assert ragged_table_rows(good) == []
    # Rows after a paragraph, without a header: literal pipes.
    stray = "Some text.\n\n| `switch.x` | a switch |\n"
    assert stray_table_rows(stray) == [(3, "| `switch.x` | a switch |")]
    ragged = "| A | B |\n|---|---|\n| 1 | 2 | 3 |\n"
    assert ragged_table_rows(ragged) == [(3, "| 1 | 2 | 3 |")]


def test_readme_tables_render() -> None:
    """Every row in the README is in a table and has its header's cells."""
    text = README.read_text(encoding="utf-8")
    assert stray_table_rows(text) == []
    assert ragged_table_rows(text) == []


def test_repository_links() -> None:
    """HACS badge, custom repository URL and GitHub links name this repository."""
    text = README.read_text(encoding="utf-8")
    assert MANIFEST["issue_tracker"] == f"{REPOSITORY}/issues"
    # The URL to paste into HACS' custom repositories dialog, as code.
    assert f"`{REPOSITORY}`" in text

    targets = links(text)
    hacs_links = [
        parse_qs(urlsplit(target).query)
        for target in targets
        if target.startswith("https://my.home-assistant.io/redirect/hacs_repository/")
    ]
    assert hacs_links, "no My Home Assistant link that opens the repository in HACS"
    for query in hacs_links:
        assert query == {
            "owner": [OWNER],
            "repository": [NAME],
            "category": ["integration"],
        }
    for target in targets:
        if target.startswith("https://my.home-assistant.io/redirect/config_flow_start"):
            assert parse_qs(urlsplit(target).query) == {"domain": [MANIFEST["domain"]]}
        parts = urlsplit(target)
        if parts.netloc == "github.com" and parts.path.strip("/").startswith(
            f"{OWNER}/"
        ):
            assert target == REPOSITORY or target.startswith(f"{REPOSITORY}/"), target


def test_relative_links_exist() -> None:
    """Pictures and documents the README links to are in the repository."""
    for target in links(README.read_text(encoding="utf-8")):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        assert (ROOT / parts.path).exists(), target


def test_readme_names_the_supported_home_assistant() -> None:
    """The oldest release hacs.json claims is the one the README states."""
    major, minor = HACS["homeassistant"].split(".")[:2]
    assert f"Home Assistant {major}.{minor} or newer" in README.read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("path", ["README.md", "CHANGELOG.md"])
def test_no_machine_paths(path: str) -> None:
    """Documents name repository paths, never someone's home or work folder."""
    text = (ROOT / path).read_text(encoding="utf-8")
    assert not re.search(r"(?<![\w.])/(home|Users|work|tmp)/\w", text)
