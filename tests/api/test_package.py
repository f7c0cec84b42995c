"""The API client package stands alone: it must not import Home Assistant."""

import ast
from pathlib import Path

import custom_components.sonos_cloud.api as api_package

API_DIR = Path(api_package.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_api_does_not_import_home_assistant() -> None:
    """Every module of api/ imports only the standard library, aiohttp and itself."""
    files = sorted(API_DIR.glob("*.py"))
    assert len(files) >= 4
    for path in files:
        for module in _imported_modules(path):
            root = module.split(".")[0]
            assert root != "homeassistant", f"{path.name} imports {module}"
            assert root != "custom_components", f"{path.name} imports {module}"


def test_api_exports() -> None:
    """The public names are importable from the package."""
    for name in api_package.__all__:
        assert getattr(api_package, name) is not None
