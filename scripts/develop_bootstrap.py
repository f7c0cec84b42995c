"""Helper of scripts/develop and scripts/e2e; run with the project's .venv Python.

Subcommands:

  prepare CONFIG_DIR [--port N]
                       Before Home Assistant starts: mark the onboarding step
                       "core_config" done (the location comes from
                       configuration.yaml; the onboarding view of that step would
                       also add weather, radio and text-to-speech integrations that
                       reach the internet), keep Home Assistant to the loopback
                       network adapter and its web server to 127.0.0.1:N, lower
                       the log level of configurations older scripts wrote, and
                       print the Python requirements of the integrations Home
                       Assistant will load that are not installed yet, one a line.
  setup                Onboard (user "demo", password "demo-password"), wait for
                       Home Assistant to run, then add the simulator's application
                       credentials, link the sonos_cloud integration through the
                       OAuth flow, put each speaker in the area of its name,
                       give the simulator the event callback URL Home Assistant
                       asks for (as one does in Sonos' developer portal), and
                       check the three speakers are there. Idempotent: a step
                       already done is only reported, except that after a restart
                       of the simulator (which forgets its tokens) it answers Home
                       Assistant's request to link the account again.

Only loopback URLs are accepted, so nothing here can talk to another machine.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
from pathlib import Path
import sys
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

USERNAME = "demo"
PASSWORD = "demo-password"
USER_NAME = "Demo"
DOMAIN = "sonos_cloud"
SIM_CLIENT_ID = "demo-client-id"
SIM_CLIENT_SECRET = "demo-client-secret"
CREDENTIAL_NAME = "Sonos simulator"
ROOMS = ("Living Room", "Kitchen", "Bedroom")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)


class BootstrapError(Exception):
    """A step failed; the message says which and why."""


def say(message: str) -> None:
    """Print one progress line."""
    print(f"[bootstrap] {message}", flush=True)


def loopback_url(value: str) -> str:
    """Argparse type: an http(s) URL on a loopback address, without trailing /."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        msg = f"{value!r} is not an http URL on 127.0.0.1, ::1 or localhost"
        raise argparse.ArgumentTypeError(msg)
    return value.rstrip("/")


# -- prepare ---------------------------------------------------------------


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


# -- Home Assistant client ---------------------------------------------------


class HomeAssistant:
    """Just enough of Home Assistant's HTTP and websocket API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the instance at url."""
        self.session = session
        self.url = url
        self.client_id = f"{url}/"
        self.token: str | None = None
        self.tokens: dict[str, Any] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ws_id = 0

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        """Send a request; return the JSON (or text) body, fail on other statuses."""
        async with self.session.request(
            method,
            self.url + path,
            json=json_body,
            data=form,
            headers=self._headers(headers),
            allow_redirects=False,
        ) as response:
            text = await response.text()
            if response.status not in expect:
                raise BootstrapError(
                    f"{method} {path} answered HTTP {response.status}: {text[:300]}"
                )
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text

    async def exchange_code(self, code: str) -> None:
        """Turn an authorization code into an access token for the API."""
        tokens = await self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.tokens = tokens
        self.token = tokens["access_token"]

    async def login(self) -> None:
        """Log in as the demo user through the login flow."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json_body={
                "client_id": self.client_id,
                "username": USERNAME,
                "password": PASSWORD,
            },
        )
        if result.get("type") != "create_entry":
            raise BootstrapError(
                f"cannot log in as {USERNAME!r} ({result.get('errors') or result}). "
                "Was the configuration made with another password? "
                "Start over with: scripts/develop --reset"
            )
        await self.exchange_code(result["result"])

    async def ws(self, message: dict[str, Any]) -> Any:
        """Send one websocket command and return its result."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.url}/api/websocket")
            await self._ws.receive_json()  # auth_required
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            reply = await self._ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise BootstrapError(f"websocket authentication failed: {reply}")
        self._ws_id += 1
        await self._ws.send_json({"id": self._ws_id, **message})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == self._ws_id and reply.get("type") == "result":
                break
        if not reply.get("success"):
            raise BootstrapError(f"{message['type']} failed: {reply.get('error')}")
        return reply.get("result")

    async def close(self) -> None:
        """Close the websocket, if open."""
        if self._ws is not None:
            await self._ws.close()


async def wait_for(
    what: str,
    check: Any,
    limit: float,
    pid: int | None = None,
    interval: float = 1.0,
) -> Any:
    """Call check() until it returns something truthy; fail after timeout."""
    deadline = time.monotonic() + limit
    last_error = ""
    while True:
        if pid is not None and not _alive(pid):
            raise BootstrapError(f"Home Assistant stopped while waiting for {what}")
        try:
            if result := await check():
                return result
            last_error = ""
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            last_error = f" (last error: {err!r})"
        if time.monotonic() >= deadline:
            raise BootstrapError(
                f"timed out after {limit:.0f} s waiting for {what}{last_error}"
            )
        await asyncio.sleep(interval)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- setup -------------------------------------------------------------------


async def onboard(hass: HomeAssistant, limit: float, pid: int | None) -> None:
    """Finish onboarding as the demo user, or log in when it is done."""

    async def status() -> list[dict[str, Any]] | bool:
        async with hass.session.get(f"{hass.url}/api/onboarding") as response:
            if response.status == 404:  # onboarding finished: views are gone
                return True
            if response.status != 200:
                return False
            return list(await response.json())

    say(f"waiting for Home Assistant on {hass.url}")
    started = time.monotonic()
    steps = await wait_for("Home Assistant's web server", status, limit, pid)
    say(f"Home Assistant answers after {time.monotonic() - started:.0f} s")
    done = (
        {step["step"] for step in steps if step["done"]} if steps is not True else None
    )

    if done is None or "user" in done:
        await hass.login()
        say(f"logged in as {USERNAME!r}")
    else:
        reply = await hass.request(
            "POST",
            "/api/onboarding/users",
            json_body={
                "client_id": hass.client_id,
                "name": USER_NAME,
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        await hass.exchange_code(reply["auth_code"])
        say(f"onboarding: created user {USERNAME!r} with password {PASSWORD!r}")
    if done is None:
        return
    # core_config is marked done by "prepare" before the first start; finish
    # it here only for a configuration made some other way.
    for step in ("core_config", "analytics"):
        if step not in done:
            await hass.request("POST", f"/api/onboarding/{step}", json_body={})
            say(f"onboarding: {step} done")
    if "integration" not in done:
        await hass.request(
            "POST",
            "/api/onboarding/integration",
            json_body={
                "client_id": hass.client_id,
                "redirect_uri": f"{hass.url}/?auth_callback=1",
            },
        )
        say("onboarding: finished")


async def wait_running(hass: HomeAssistant, limit: float, pid: int | None) -> None:
    """Wait until Home Assistant has finished starting."""

    async def running() -> bool:
        config = await hass.request("GET", "/api/config")
        return bool(config.get("state") == "RUNNING")

    await wait_for("Home Assistant to finish starting", running, limit, pid)
    say("Home Assistant is running")


async def link(hass: HomeAssistant, simulator_url: str) -> str | None:
    """Add the simulator's credentials and link sonos_cloud, unless linked.

    Return the id of the entry when one was created.

    The simulator keeps its tokens in memory only, so after a restart of
    scripts/develop it refuses the stored ones and Home Assistant asks to link
    the account again: that reauthentication is done here too.
    """
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    if entries:
        await relink(hass, simulator_url, entries[0])
        return None

    credentials = await hass.ws({"type": "application_credentials/list"})
    if any(
        c["domain"] == DOMAIN and c["client_id"] == SIM_CLIENT_ID for c in credentials
    ):
        say("application credentials for the simulator already exist")
    else:
        await hass.ws(
            {
                "type": "application_credentials/create",
                "domain": DOMAIN,
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
                "name": CREDENTIAL_NAME,
            }
        )
        say(f"added application credentials {CREDENTIAL_NAME!r} ({SIM_CLIENT_ID})")

    result = await hass.request(
        "POST",
        "/api/config/config_entries/flow",
        json_body={"handler": DOMAIN, "show_advanced_options": False},
        headers=frontend_base(hass),
    )
    result = await oauth(hass, simulator_url, result)
    if result.get("type") != "create_entry":
        raise BootstrapError(
            f"linking did not create an entry: {result.get('type')} "
            f"{result.get('reason') or result.get('errors') or ''}"
        )
    say(f"linked {DOMAIN}: config entry {result['result']['title']!r} created")
    return str(result["result"]["entry_id"])


def frontend_base(hass: HomeAssistant) -> dict[str, str]:
    """Header from which Home Assistant builds the OAuth redirect URI.

    Its frontend sends it; without the "my" integration the redirect goes
    straight back to this Home Assistant.
    """
    return {"HA-Frontend-Base": hass.url}


FAILED_STATES = ("setup_error", "migration_error", "failed_unload")


async def entry_status(hass: HomeAssistant) -> dict[str, Any]:
    """Return the sonos_cloud config entry as the config entries API lists it."""
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    if not entries:
        raise BootstrapError(f"the {DOMAIN} config entry has gone")
    return dict(entries[0])


async def reauth_flow(hass: HomeAssistant) -> dict[str, Any] | None:
    """Return Home Assistant's request to link the account again, if any."""
    for flow in await hass.ws({"type": "config_entries/flow/progress"}):
        if flow["handler"] == DOMAIN and flow["context"].get("source") == "reauth":
            return dict(flow)
    return None


async def wait_loaded(hass: HomeAssistant, *, allow_reauth: bool = False) -> Any:
    """Wait until the entry is loaded; fail soon when its setup failed.

    With allow_reauth, return Home Assistant's reauth flow when it asks to
    link the account again; otherwise return None once loaded.
    """
    failed_since: float | None = None

    async def settled() -> tuple[dict[str, Any] | None] | None:
        nonlocal failed_since
        entry = await entry_status(hass)
        if entry["state"] == "loaded":
            return (None,)
        if allow_reauth and (flow := await reauth_flow(hass)) is not None:
            return (flow,)
        if entry["state"] in FAILED_STATES:
            # A failed setup that asks for reauthentication does so at once.
            failed_since = failed_since or time.monotonic()
            if time.monotonic() - failed_since > 10:
                reason = f" ({entry['reason']})" if entry.get("reason") else ""
                raise BootstrapError(
                    f"the {DOMAIN} integration failed to set up: {entry['state']}"
                    f"{reason}; see home-assistant.log"
                )
        return None

    return (await wait_for(f"the {DOMAIN} entry to load", settled, 60))[0]


async def relink(
    hass: HomeAssistant, simulator_url: str, entry: dict[str, Any]
) -> None:
    """Leave a working entry alone; answer Home Assistant's reauth request."""
    flow = await wait_loaded(hass, allow_reauth=True)
    if flow is None:
        say(f"{DOMAIN} is already linked ({entry['title']}); nothing to do")
        return
    say(f"{DOMAIN}: the simulator restarted and forgot its tokens; linking again")
    result = await hass.request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        json_body={},
        headers=frontend_base(hass),
    )
    result = await oauth(hass, simulator_url, result)
    if result.get("type") != "abort" or result.get("reason") != "reauth_successful":
        raise BootstrapError(
            f"linking again failed: {result.get('type')} {result.get('reason')}"
        )
    await wait_loaded(hass)
    say(f"{DOMAIN} linked again")


async def oauth(
    hass: HomeAssistant, simulator_url: str, result: dict[str, Any]
) -> dict[str, Any]:
    """Take a flow from its first answer through the simulator's sign-in."""
    flow_id = result["flow_id"]
    path = f"/api/config/config_entries/flow/{flow_id}"
    if result.get("type") == "form" and result.get("step_id") == "pick_implementation":
        result = await hass.request(
            "POST",
            path,
            json_body={"implementation": _implementation_options(result)[0]},
            headers=frontend_base(hass),
        )
    if result.get("type") != "external":
        raise BootstrapError(f"expected the OAuth step, the flow answered {result}")
    authorize_url = result["url"]
    if not authorize_url.startswith(simulator_url + "/"):
        raise BootstrapError(
            f"the flow wants to sign in at {authorize_url.split('?')[0]}, "
            f"not at the simulator {simulator_url}; is SONOS_CLOUD_ROOT_URL set?"
        )
    say("signing in at the simulator")
    callback = await _simulator_consent(hass.session, authorize_url)
    if not callback.startswith(f"{hass.url}/auth/external/callback?"):
        raise BootstrapError(f"the simulator redirected to {callback}")
    await hass.request("GET", callback[len(hass.url) :])
    answer: dict[str, Any] = await hass.request("POST", path, json_body={})
    return answer


def _implementation_options(result: dict[str, Any]) -> list[str]:
    """Keys of the implementations offered by a pick_implementation form."""
    for field in result.get("data_schema", []):
        if field.get("name") == "implementation":
            options = field.get("options") or []
            keys = [o[0] if isinstance(o, list) else o for o in options]
            if isinstance(options, dict):
                keys = list(options)
            ours = [k for k in keys if DOMAIN in str(k)]
            return ours or keys or [field.get("default")]
    raise BootstrapError(f"cannot read the implementations from {result}")


async def _simulator_consent(session: aiohttp.ClientSession, url: str) -> str:
    """Sign in at the simulator; return where it redirects the browser to."""
    for attempt in (url, _with_query(url, approve="1")):
        async with session.get(attempt, allow_redirects=False) as response:
            if response.status == 302:
                return response.headers["Location"]
            if response.status != 200:
                text = await response.text()
                raise BootstrapError(
                    f"the simulator refused the sign-in: HTTP {response.status} "
                    f"{text[:200]}"
                )
        # 200 is the consent page: press "Allow".
    raise BootstrapError("the simulator did not redirect back after consent")


def _with_query(url: str, **extra: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in extra]
    return urlunsplit(parts._replace(query=urlencode([*query, *extra.items()])))


async def place_in_areas(hass: HomeAssistant, entry_id: str) -> None:
    """Put each new speaker in the area of the same name, as a user would.

    Onboarding created Living Room, Kitchen and Bedroom; the Overview then
    shows every speaker in its room.
    """
    areas = {
        area["name"].casefold(): area
        for area in await hass.ws({"type": "config/area_registry/list"})
    }
    for device in await hass.ws({"type": "config/device_registry/list"}):
        name = device.get("name_by_user") or device.get("name") or ""
        area = areas.get(name.casefold())
        if entry_id in device["config_entries"] and not device["area_id"] and area:
            await hass.ws(
                {
                    "type": "config/device_registry/update",
                    "device_id": device["id"],
                    "area_id": area["area_id"],
                }
            )
            say(f"  put {name} in the area {area['name']}")


async def enable_push(hass: HomeAssistant, simulator_url: str) -> None:
    """Answer the "callback URL not configured" repair as a user would.

    The simulator starts without an Event Callback URL, like a new Sonos key:
    the integration then polls and raises a repair naming its webhook URL.
    Give that URL to the simulator and reload the entry to get push updates.
    """
    issues = await hass.ws({"type": "repairs/list_issues"})
    issue = next(
        (
            i
            for i in issues["issues"]
            if i["domain"] == DOMAIN
            and i["translation_key"] == "callback_not_configured"
        ),
        None,
    )
    if issue is None:
        return
    try:
        url = loopback_url(issue["translation_placeholders"]["url"])
    except argparse.ArgumentTypeError as err:
        raise BootstrapError(f"the webhook is not on this machine: {err}") from err
    async with hass.session.put(
        f"{simulator_url}/simulator/callback-url", json={"url": url}
    ) as response:
        if response.status != 200:
            raise BootstrapError(
                f"the simulator refused the callback URL {url}: {await response.text()}"
            )
    say(f"event callback URL of the simulator's key: {url}")
    entry = await entry_status(hass)
    await hass.request(
        "POST", f"/api/config/config_entries/entry/{entry['entry_id']}/reload"
    )
    await wait_loaded(hass)
    issues = await hass.ws({"type": "repairs/list_issues"})
    if any(i["issue_id"] == issue["issue_id"] for i in issues["issues"]):
        raise BootstrapError("the integration still cannot subscribe to events")
    say(f"{DOMAIN} receives push events")


DASHBOARD_PATH = "sonos-demo"


async def add_dashboard(hass: HomeAssistant, found: dict[str, dict[str, Any]]) -> None:
    """Add a "Sonos" dashboard with a media control card per speaker.

    The overview Home Assistant generates differs between releases; this one
    looks the same on each, for people and for the end-to-end test.
    """
    dashboards = await hass.ws({"type": "lovelace/dashboards/list"})
    if any(d["url_path"] == DASHBOARD_PATH for d in dashboards):
        return
    await hass.ws(
        {
            "type": "lovelace/dashboards/create",
            "url_path": DASHBOARD_PATH,
            "title": "Sonos",
            "icon": "mdi:speaker-multiple",
            "mode": "storage",
            "show_in_sidebar": True,
            "require_admin": False,
        }
    )
    cards = [
        {"type": "media-control", "entity": found[room]["entity_id"]} for room in ROOMS
    ]
    await hass.ws(
        {
            "type": "lovelace/config/save",
            "url_path": DASHBOARD_PATH,
            "config": {"title": "Sonos", "views": [{"title": "Rooms", "cards": cards}]},
        }
    )
    say(f"added the dashboard {hass.url}/{DASHBOARD_PATH}")


async def speakers(hass: HomeAssistant, limit: float = 60) -> dict[str, dict[str, Any]]:
    """Wait for the sonos_cloud media players to be available; name -> state."""

    async def ready() -> dict[str, dict[str, Any]] | None:
        registry = await hass.ws({"type": "config/entity_registry/list"})
        ids = {
            e["entity_id"]
            for e in registry
            if e["platform"] == DOMAIN and e["entity_id"].startswith("media_player.")
        }
        states = await hass.request("GET", "/api/states")
        found = {
            s["attributes"].get("friendly_name", s["entity_id"]): s
            for s in states
            if s["entity_id"] in ids and s["state"] not in ("unavailable", "unknown")
        }
        return found if len(found) >= len(ROOMS) else None

    found: dict[str, dict[str, Any]] = await wait_for(
        "the three speakers", ready, limit
    )
    return found


async def setup(args: argparse.Namespace) -> None:
    """Onboard, link and check the speakers."""
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        hass = HomeAssistant(session, args.url)
        try:
            await onboard(hass, args.timeout, args.pid)
            await wait_running(hass, args.timeout, args.pid)
            if args.simulator_url is None:
                return
            new_entry = await link(hass, args.simulator_url)
            if new_entry:
                await wait_loaded(hass)
            await enable_push(hass, args.simulator_url)
            found = await speakers(hass)
            if new_entry:
                await place_in_areas(hass, new_entry)
            await add_dashboard(hass, found)
            for name, state in sorted(found.items()):
                volume = state["attributes"].get("volume_level")
                level = f", volume {round(volume * 100)}%" if volume is not None else ""
                say(f"  {state['entity_id']:<26} {name}: {state['state']}{level}")
            say(f"{len(found)} speakers ready")
        finally:
            await hass.close()


# -- command line ------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="develop_bootstrap.py")
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare")
    prep.add_argument("config_dir", type=Path)
    prep.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    sub = commands.add_parser("setup")
    sub.add_argument("--url", type=loopback_url, default="http://127.0.0.1:8123")
    sub.add_argument(
        "--simulator-url",
        type=loopback_url,
        help="link sonos_cloud to this simulator (omit to only onboard)",
    )
    sub.add_argument("--pid", type=int, help="fail early if this process ends")
    sub.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    if args.command == "prepare":
        return prepare(args.config_dir, args.port)
    try:
        asyncio.run(setup(args))
    except BootstrapError as err:
        say(f"FAILED: {err}")
        return 1
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        say(f"FAILED: cannot talk to Home Assistant or the simulator: {err!r}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
