"""Check a release before HACS offers it: one version everywhere, and its notes.

    python3 .github/release_check.py TAG

TAG is the release's git tag, with or without a leading "v". The check fails
unless the tag, the version in custom_components/sonos_cloud/manifest.json and
the one in pyproject.toml are the same, and CHANGELOG.md has a section
"## [VERSION]" with at least one entry, as its newest version (right after
"## [Unreleased]", which may stay at the top for the next changes).
Standard library only: the release workflow runs it without installing anything.
"""

# ruff: noqa: T201, INP001  (a command-line tool outside any package)
from __future__ import annotations

import json
from pathlib import Path
import re
import sys
import tomllib

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\].*$", re.MULTILINE)


def changelog_sections(text: str) -> list[tuple[str, str]]:
    """Return (name, body) for each "## [name]" section, newest first."""
    matches = list(HEADING.finditer(text))
    ends = [match.start() for match in matches[1:]] + [len(text)]
    return [
        (match["name"], text[match.end() : end])
        for match, end in zip(matches, ends, strict=True)
    ]


def problems(tag: str, manifest: str, pyproject: str, changelog: str) -> list[str]:
    """Return what is wrong with releasing tag; empty when it may be released."""
    version = tag.removeprefix("v")
    found = []
    if manifest != version:
        found.append(f"manifest.json has version {manifest}, the tag is {tag}")
    if pyproject != version:
        found.append(f"pyproject.toml has version {pyproject}, the tag is {tag}")
    sections = changelog_sections(changelog)
    versions = [(name, body) for name, body in sections if name != "Unreleased"]
    names = [name for name, _ in versions]
    if version not in names:
        found.append(f"CHANGELOG.md has no section ## [{version}]")
        return found
    if names[0] != version:
        found.append(f"## [{version}] is not the newest version in CHANGELOG.md")
    body = dict(versions)[version]
    if not re.search(r"^\s*[-*] \S", body, re.MULTILINE):
        found.append(f"## [{version}] in CHANGELOG.md lists no change")
    return found


def main(argv: list[str]) -> int:
    """Check the tag given on the command line against the repository."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    manifest = json.loads(
        (ROOT / "custom_components" / "sonos_cloud" / "manifest.json").read_text(
            encoding="utf-8"
        )
    )["version"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = problems(argv[0], manifest, pyproject, changelog)
    for problem in found:
        print(f"::error::{problem}")
    if not found:
        print(f"{argv[0]}: manifest.json, pyproject.toml and CHANGELOG.md agree")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
