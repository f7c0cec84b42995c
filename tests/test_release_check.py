"""The release workflow's check (.github/release_check.py)."""

import importlib.util
from pathlib import Path
import sys
from types import ModuleType

ROOT = Path(__file__).parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release_check", ROOT / ".github" / "release_check.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


release_check = _load()

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- Something not released yet.

## [0.5.0] - 2027-01-10

### Fixed
- A fix.

## [0.4.0] - 2026-12-01

- First.
"""


def test_release_that_agrees() -> None:
    """Tag, manifest, pyproject and a newest changelog section with entries."""
    assert release_check.problems("v0.5.0", "0.5.0", "0.5.0", CHANGELOG) == []
    assert release_check.problems("0.5.0", "0.5.0", "0.5.0", CHANGELOG) == []


def test_versions_must_match_the_tag() -> None:
    """A manifest or pyproject left at another version stops the release."""
    found = release_check.problems("v0.5.0", "0.4.0", "0.5.1", CHANGELOG)
    assert found == [
        "manifest.json has version 0.4.0, the tag is v0.5.0",
        "pyproject.toml has version 0.5.1, the tag is v0.5.0",
    ]


def test_changelog_needs_the_version() -> None:
    """Entries left under Unreleased are not a section for the version."""
    found = release_check.problems("v0.6.0", "0.6.0", "0.6.0", CHANGELOG)
    assert found == ["CHANGELOG.md has no section ## [0.6.0]"]
    empty = CHANGELOG.replace("### Fixed\n- A fix.\n", "")
    found = release_check.problems("v0.5.0", "0.5.0", "0.5.0", empty)
    assert found == ["## [0.5.0] in CHANGELOG.md lists no change"]
    found = release_check.problems("v0.4.0", "0.4.0", "0.4.0", CHANGELOG)
    assert found == ["## [0.4.0] is not the newest version in CHANGELOG.md"]


def test_repository_changelog_keeps_unreleased_on_top() -> None:
    """Changes go under "## [Unreleased]" until the lead names the version."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = release_check.changelog_sections(text)
    assert sections
    assert sections[0][0] == "Unreleased"


def test_main_on_this_repository() -> None:
    """The command line reads the real files; a wrong tag fails with errors."""
    assert release_check.main(["v0.0.0-not-a-release"]) == 1
    assert release_check.main([]) == 2
