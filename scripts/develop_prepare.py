"""Seed a Home Assistant configuration before its start (``scripts/develop``).

Marks the onboarding step "core_config" done (the location comes from
configuration.yaml; the onboarding view of that step would also add weather,
radio and text-to-speech integrations that reach the internet), keeps Home
Assistant to the loopback network adapter and its web server to
127.0.0.1:port, lowers the log level of configurations older scripts wrote,
and lists the Python requirements of the integrations Home Assistant will
load that are not installed yet, so that pip installs them once up front.

Run through ``python -m scripts.develop_bootstrap prepare``.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any


def prepare(config_dir: Path, port: int) -> int:
    """Seed Home Assistant's storage; list missing requirements."""
    storage = config_dir / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    if not (storage / "onboarding").exists():
        from homeassistant.components import onboarding  # noqa: PLC0415

        _store(
            storage,
            onboarding.STORAGE_KEY,
            onboarding.STORAGE_VERSION,
            1,
            {"done": ["core_config"]},
        )
    if not (storage / "core.network").exists():
        _store(
            storage, "core.network", 1, 1, {"configured_adapters": loopback_adapters()}
        )
    _keep_http_on_loopback(config_dir, port)
    _quiet_old_logger(config_dir / "configuration.yaml")
    for requirement in missing_requirements(config_dir):
        print(requirement)
    return 0


def _store(storage: Path, key: str, version: int, minor: int, data: Any) -> None:
    """Write one file of Home Assistant's .storage."""
    document = {"version": version, "minor_version": minor, "key": key, "data": data}
    (storage / key).write_text(json.dumps(document, indent=2))


WRITTEN_BY_DEVELOP = "# Written by scripts/develop;"
OLD_LOGGER_BLOCK = "logger:\n  default: info\n"
LOGGER_BLOCK = "logger:\n  default: warning\n"


def _quiet_old_logger(config_file: Path) -> None:
    """Lower Home Assistant's log level in configurations made by older scripts.

    They logged everything at info level (opening "Add integration" alone
    wrote about a thousand loader lines); this integration stays at debug.
    A configuration.yaml not written by scripts/develop is left alone.
    """
    if not config_file.exists():
        return
    text = config_file.read_text()
    if text.startswith(WRITTEN_BY_DEVELOP) and OLD_LOGGER_BLOCK in text:
        config_file.write_text(text.replace(OLD_LOGGER_BLOCK, LOGGER_BLOCK, 1))


HTTP_BLOCK_MARK = "# http: written by scripts/develop for Home Assistant < 2026.10"


def _keep_http_on_loopback(config_dir: Path, port: int) -> None:
    """Make Home Assistant's web server listen on 127.0.0.1:port only.

    Since 2026.10 the HTTP settings live in .storage/http. A YAML "http:"
    block is only tried for five minutes and then reverted to the default,
    which listens on every address; so the setting is stored directly, as
    the confirmed ("stable") one. Older releases read the YAML block, which
    is then kept at the end of configuration.yaml.
    """
    try:
        from homeassistant.components.http import config as http  # noqa: PLC0415
    except ImportError:
        _keep_yaml_http_block(config_dir / "configuration.yaml", port)
        return
    from homeassistant.util import dt as dt_util  # noqa: PLC0415

    storage = config_dir / ".storage"
    wanted = {"server_host": ["127.0.0.1"], "server_port": port}
    path = storage / http.STORAGE_KEY
    if path.exists():
        data = json.loads(path.read_text()).get("data", {})
        stable = data.get("stable") or {}
        if data.get("pending") is None and all(
            stable.get(key) == value for key, value in wanted.items()
        ):
            return
    stable = {
        **http.HTTP_STORAGE_SCHEMA(dict(wanted)),
        "created_at": dt_util.utcnow().isoformat(),
        "error": None,
        "error_message": None,
    }
    _store(
        storage,
        http.STORAGE_KEY,
        http.STORAGE_VERSION,
        http.STORAGE_MINOR_VERSION,
        {"stable": stable, "pending": None, "yaml_migration_done": True},
    )


def _keep_yaml_http_block(config_file: Path, port: int) -> None:
    """Write (or rewrite) our "http:" block at the end of configuration.yaml."""
    text = config_file.read_text()
    if HTTP_BLOCK_MARK in text:
        text = text[: text.index(HTTP_BLOCK_MARK)]
    block = f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
    config_file.write_text(f"{text.rstrip()}\n\n{HTTP_BLOCK_MARK}\n{block}")


def loopback_adapters() -> list[str]:
    """Name the loopback network adapters ("lo" on Linux, "lo0" on macOS).

    Home Assistant's HTTP client helper always starts an mDNS (zeroconf)
    resolver; limited to these adapters it joins no multicast group on the
    real network and sends nothing there.
    """
    import ifaddr  # noqa: PLC0415

    names = [
        adapter.nice_name
        for adapter in ifaddr.get_adapters()
        if adapter.ips
        and all(
            ipaddress.ip_address(
                ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            ).is_loopback
            for ip in adapter.ips
        )
    ]
    return names or ["lo"]


def missing_requirements(config_dir: Path) -> list[str]:
    """List the requirements of the integrations to set up that are missing.

    Home Assistant would install them itself at start; installing them up
    front with pip is faster, shows errors plainly and happens only once.
    """
    import homeassistant  # noqa: PLC0415
    from homeassistant import bootstrap  # noqa: PLC0415
    from homeassistant.auth.mfa_modules import totp  # noqa: PLC0415
    from homeassistant.util.package import is_installed  # noqa: PLC0415
    from homeassistant.util.yaml import load_yaml_dict  # noqa: PLC0415

    builtin = Path(homeassistant.__file__).parent / "components"
    custom = config_dir / "custom_components"
    domains = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    domains |= _service_helper_domains(builtin)
    config_file = config_dir / "configuration.yaml"
    if config_file.exists():
        domains |= {str(key).split(" ")[0] for key in load_yaml_dict(config_file)}
    if custom.is_dir():
        domains |= {path.name for path in custom.iterdir()}
    seen: set[str] = set()
    todo = sorted(domains)
    # The authenticator-app login module is always loaded.
    missing = [r for r in totp.REQUIREMENTS if not is_installed(r)]
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        for base in (custom, builtin):
            manifest_file = base / domain / "manifest.json"
            if manifest_file.exists():
                break
        else:
            continue
        manifest = json.loads(manifest_file.read_text())
        todo.extend(manifest.get("dependencies", []))
        missing.extend(
            requirement
            for requirement in manifest.get("requirements", [])
            if requirement not in missing and not is_installed(requirement)
        )
    return sorted(missing)


def _service_helper_domains(builtin: Path) -> set[str]:
    """Integrations Home Assistant imports to describe services, set up or not.

    The frontend asks for the service descriptions at start; that imports
    these (camera, assist_satellite, ...) and fails on a missing requirement.
    The list lives in a private helper, so it is read from its code.
    """
    from homeassistant.helpers import service  # noqa: PLC0415

    function = getattr(service, "_base_components", None)
    code = getattr(getattr(function, "__wrapped__", function), "__code__", None)
    names = code.co_names if code is not None else ()
    return {name for name in names if (builtin / name / "manifest.json").exists()}
