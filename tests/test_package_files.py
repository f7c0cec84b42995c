"""Checks hassfest and HACS make, reproduced: manifest, hacs.json, strings, brand."""

import ast
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "sonos_cloud"
MANIFEST = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
STRINGS = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))


def test_manifest() -> None:
    """Keys HACS and hassfest require, sorted as hassfest wants."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert MANIFEST["domain"] == PACKAGE.name
    for key in ("documentation", "issue_tracker", "codeowners", "version"):
        assert MANIFEST[key]
    assert MANIFEST["documentation"].startswith("https://")
    assert AwesomeVersion(MANIFEST["version"]).valid
    assert MANIFEST["iot_class"] in {"cloud_polling", "cloud_push"}
    assert MANIFEST["config_flow"] is True
    assert {"application_credentials", "webhook"} <= set(MANIFEST["dependencies"])


def test_version_matches_pyproject_and_changelog() -> None:
    """One version everywhere a release reads it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{MANIFEST["version"]}"' in pyproject


def test_hacs_json() -> None:
    """hacs.json uses only keys of the HACS schema and names the minimum HA."""
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    allowed = {
        "name",
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "zip_release",
    }
    assert set(hacs) <= allowed
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]) >= AwesomeVersion("2026.3.0")
    # Exactly one integration, all runtime files inside it.
    assert [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()] == [
        "sonos_cloud"
    ] or {p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()} <= {
        "sonos_cloud",
        "__pycache__",
    }


def test_strings_match_translations() -> None:
    """strings.json (core layout) and translations/en.json (read at runtime) agree."""
    strings = json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8"))
    assert strings == STRINGS


def _used_translation_keys() -> set[str]:
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "translation_key"
                and isinstance(node.value, ast.Constant)
            ):
                keys.add(node.value.value)
    return keys


def test_every_translation_key_exists() -> None:
    """Every translation key the code uses (errors, issues, entities) has text."""
    entity_keys = {key for platform in STRINGS["entity"].values() for key in platform}
    known = set(STRINGS["exceptions"]) | set(STRINGS.get("issues", {})) | entity_keys
    used = _used_translation_keys()
    assert used
    assert used <= known, used - known


def test_abort_reasons_exist() -> None:
    """Every abort reason of the config flow has text; custom ones get none."""
    source = (PACKAGE / "config_flow.py").read_text(encoding="utf-8")
    reasons = set(re.findall(r'reason="([a-z_]+)"', source))
    assert reasons
    assert reasons <= set(STRINGS["config"]["abort"])


def test_services_are_described() -> None:
    """services.yaml, the translations and icons.json list the same services."""
    services: dict[str, Any] = yaml.safe_load(
        (PACKAGE / "services.yaml").read_text(encoding="utf-8")
    )
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    assert set(services) == set(STRINGS["services"]) == set(icons["services"])
    for name, service in services.items():
        fields = set((service or {}).get("fields", {}))
        assert fields == set(STRINGS["services"][name].get("fields", {}))


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("icon.png", (256, 256)),
        ("icon@2x.png", (512, 512)),
        ("dark_icon.png", (256, 256)),
        ("dark_icon@2x.png", (512, 512)),
        ("logo.png", None),
        ("logo@2x.png", None),
        ("dark_logo.png", None),
        ("dark_logo@2x.png", None),
    ],
)
def test_brand_images(name: str, size: tuple[int, int] | None) -> None:
    """Brand images exist in the sizes Home Assistant's brands rules ask for."""
    with Image.open(PACKAGE / "brand" / name) as image:
        assert image.format == "PNG"
        if size is not None:
            assert image.size == size
        else:
            shortest = min(image.size)
            limit = (256, 512) if "@2x" in name else (128, 256)
            assert limit[0] <= shortest <= limit[1]


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_imports_use_component_root() -> None:
    """Other components are imported from their root, as Home Assistant's lint asks.

    ``homeassistant.components.media_player.const`` and the like are internal
    layouts that move between releases; the root exports what integrations use.
    """
    internal = re.compile(r"homeassistant\.components\.\w+\.")
    found: list[str] = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {alias.name for alias in node.names}
                if internal.match(node.module + ".") and (
                    node.module.count(".") > 2 or "const" in names
                ):
                    found.append(f"{path.name}:{node.lineno} {node.module}")
            elif isinstance(node, ast.Import):
                found.extend(
                    f"{path.name}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.count(".") > 2 and internal.match(alias.name)
                )
    assert not found


# What receives the config entry, by module: function name and argument position.
ENTRY_ARGUMENTS = {
    "__init__": {
        "async_migrate_entry": 1,
        "async_remove_config_entry_device": 1,
        "async_remove_entry": 1,
        "async_setup_entry": 1,
        "async_unload_entry": 1,
    },
    "diagnostics": {
        "async_get_config_entry_diagnostics": 1,
        "async_get_device_diagnostics": 1,
    },
    "config_flow": {"async_get_options_flow": 0},
    **{
        platform: {"async_setup_entry": 1}
        for platform in ("media_player", "number", "switch")
    },
}


def test_config_entry_is_typed() -> None:
    """Code given the config entry names its runtime_data type (quality scale).

    Home Assistant's ``runtime-data`` rule, with ``strict-typing`` done, wants
    a ``<Name>ConfigEntry`` alias, not the bare ``ConfigEntry``, wherever
    Home Assistant hands the entry over.
    """
    checked: list[str] = []
    untyped: list[str] = []
    for path, tree in _modules():
        wanted = ENTRY_ARGUMENTS.get(path.stem) if path.parent == PACKAGE else None
        if not wanted:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (position := wanted.get(node.name)) is None:
                continue
            checked.append(f"{path.stem}.{node.name}")
            annotation = node.args.args[position].annotation
            if not (
                isinstance(annotation, ast.Name)
                and re.fullmatch(r"[A-Za-z]+ConfigEntry", annotation.id)
            ):
                untyped.append(f"{path.name}:{node.lineno} {node.name}")
    assert "config_flow.async_get_options_flow" in checked
    assert "media_player.async_setup_entry" in checked
    assert not untyped


# The quality scale's rules by tier, as Home Assistant's developer docs list them.
QUALITY_SCALE_RULES = {
    "bronze": (
        "action-setup appropriate-polling brands common-modules config-flow"
        " config-flow-test-coverage dependency-transparency docs-actions"
        " docs-conditions docs-high-level-description docs-installation-instructions"
        " docs-removal-instructions docs-triggers entity-event-setup"
        " entity-unique-id has-entity-name runtime-data test-before-configure"
        " test-before-setup unique-config-entry"
    ),
    "silver": (
        "action-exceptions config-entry-unloading docs-configuration-parameters"
        " docs-installation-parameters entity-unavailable integration-owner"
        " log-when-unavailable parallel-updates reauthentication-flow test-coverage"
    ),
    "gold": (
        "devices diagnostics discovery discovery-update-info docs-data-update"
        " docs-examples docs-known-limitations docs-supported-devices"
        " docs-supported-functions docs-troubleshooting docs-use-cases"
        " dynamic-devices entity-category entity-device-class"
        " entity-disabled-by-default entity-translations exception-translations"
        " icon-translations reconfiguration-flow repair-issues stale-devices"
    ),
    "platinum": "async-dependency inject-websession strict-typing",
}
# Rules whose page says "There are no exceptions to this rule".
RULES_WITHOUT_EXCEPTIONS = {"dependency-transparency"}


def _quality_scale() -> dict[str, tuple[str, str | None]]:
    data = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text("utf-8"))
    rules: dict[str, tuple[str, str | None]] = {}
    for name, value in data["rules"].items():
        if isinstance(value, str):
            rules[name] = (value, None)
        else:
            assert set(value) == {"status", "comment"}, name
            rules[name] = (value["status"], value["comment"])
    return rules


def test_quality_scale_file() -> None:
    """Every rule once, in hassfest's layout; exempt only with a reason it allows."""
    rules = _quality_scale()
    known = {name for tier in QUALITY_SCALE_RULES.values() for name in tier.split()}
    assert set(rules) == known
    for name, (status, comment) in rules.items():
        assert status in {"todo", "done", "exempt"}, name
        if status == "exempt":
            assert comment, f"{name}: exempt needs the reason"
            assert name not in RULES_WITHOUT_EXCEPTIONS, name


def test_disabled_by_default_claim() -> None:
    """entity-disabled-by-default is exempt only while no entity is disabled."""
    status, _ = _quality_scale()["entity-disabled-by-default"]
    disables = any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and "entity_registry_enabled_default" in ast.unparse(node)
        for _, tree in _modules()
        for node in ast.walk(tree)
    )
    assert status == ("done" if disables else "exempt")
