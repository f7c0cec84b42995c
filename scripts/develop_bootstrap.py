"""Helper of scripts/develop: ``python -m scripts.develop_bootstrap COMMAND``.

Run with the project's .venv Python from the repository's root.

Subcommands:

  prepare CONFIG_DIR [--port N]
                       Before Home Assistant starts: seed its storage and print
                       the Python requirements of the integrations it will load
                       that are not installed yet, one a line (see
                       scripts/develop_prepare.py).
  setup                Onboard (user "demo", password "demo-password"), wait for
                       Home Assistant to run, then link the sonos_cloud
                       integration to the simulator (scripts/develop_link.py),
                       put each speaker in the area of its name, give the
                       simulator the event callback URL Home Assistant asks for
                       (as one does in Sonos' developer portal; not with
                       --no-push), add the "Sonos" dashboard, check the three
                       speakers are there and say how many deliver their state
                       over their own sockets (local events).
                       Idempotent: a step already done is only reported, except
                       that after a restart of the simulator (which forgets its
                       tokens) it answers Home Assistant's request to link the
                       account again.

Only loopback URLs are accepted, so nothing here can talk to another machine.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
from pathlib import Path
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from scripts.develop_link import link
from scripts.develop_prepare import prepare
from scripts.hass_client import (
    DOMAIN,
    PASSWORD,
    REQUEST_TIMEOUT,
    USERNAME,
    HassError,
    HomeAssistant,
    entry_status,
    say,
    wait_for,
    wait_loaded,
)

USER_NAME = "Demo"
ROOMS = ("Living Room", "Kitchen", "Bedroom")


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
            and i["translation_key"]
            in ("callback_not_configured", "callback_url_not_public")
        ),
        None,
    )
    if issue is None:
        return
    try:
        url = loopback_url(issue["translation_placeholders"]["url"])
    except argparse.ArgumentTypeError as err:
        raise HassError(f"the webhook is not on this machine: {err}") from err
    async with hass.session.put(
        f"{simulator_url}/simulator/callback-url", json={"url": url}
    ) as response:
        if response.status != 200:
            raise HassError(
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
        raise HassError("the integration still cannot subscribe to events")
    say(f"{DOMAIN} receives push events")


async def report_local_events(hass: HomeAssistant, limit: float = 60) -> None:
    """Say which rooms' state arrives over their speakers' own sockets.

    The simulator started with ``--local-sockets`` gives each speaker one on
    127.0.0.1; the integration finds them in the groups answer. Without them
    (an older simulator) the rooms stay on push or polling.
    """
    entry_id = (await entry_status(hass))["entry_id"]

    async def transports() -> dict[str, str] | None:
        download = await hass.request(
            "GET", f"/api/diagnostics/config_entry/{entry_id}"
        )
        local = download["data"]["local_events"]
        found = {
            player_id: player["transport"]
            for player_id, player in local["players"].items()
        }
        if not local["enabled"] or all(t == "local" for t in found.values()):
            return found
        return None

    found = await wait_for("the speakers' sockets", transports, limit)
    local = sum(transport == "local" for transport in found.values())
    say(f"local events: {local} of {len(found)} speakers over their own sockets")


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
            if args.push:
                await enable_push(hass, args.simulator_url)
            found = await speakers(hass)
            await report_local_events(hass)
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
    parser = argparse.ArgumentParser(prog="python -m scripts.develop_bootstrap")
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
    sub.add_argument(
        "--no-push",
        dest="push",
        action="store_false",
        help="skip giving the simulator the event callback URL (local events only)",
    )
    sub.add_argument("--pid", type=int, help="fail early if this process ends")
    sub.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    if args.command == "prepare":
        return prepare(args.config_dir, args.port)
    try:
        asyncio.run(setup(args))
    except HassError as err:
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
