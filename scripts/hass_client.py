"""Just enough of Home Assistant's HTTP and websocket API for the demo and its tests.

``scripts/develop_bootstrap.py`` onboards and links the demo with it; the
end-to-end tests (``tests/e2e``) drive the running demo with it. It logs in as
the demo user, sends REST requests and websocket commands, waits for a
condition, and reads this integration's config entry. Only the caller decides
where Home Assistant is; ``scripts/develop`` keeps it on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
import os
import time
from typing import Any

import aiohttp

USERNAME = "demo"
PASSWORD = "demo-password"
DOMAIN = "sonos_cloud"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
FAILED_STATES = ("setup_error", "migration_error", "failed_unload")


class HassError(Exception):
    """A request or a wait failed; the message says which and why."""


def say(message: str) -> None:
    """Print one progress line of the demo's setup."""
    print(f"[bootstrap] {message}", flush=True)


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
                raise HassError(
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
            raise HassError(
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
                raise HassError(f"websocket authentication failed: {reply}")
        self._ws_id += 1
        await self._ws.send_json({"id": self._ws_id, **message})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == self._ws_id and reply.get("type") == "result":
                break
        if not reply.get("success"):
            raise HassError(f"{message['type']} failed: {reply.get('error')}")
        return reply.get("result")

    async def close(self) -> None:
        """Close the websocket, if open."""
        if self._ws is not None:
            await self._ws.close()


async def wait_for(
    what: str,
    check: Callable[[], Awaitable[Any]],
    limit: float,
    pid: int | None = None,
    interval: float = 1.0,
) -> Any:
    """Call check() until it returns something truthy; fail after timeout."""
    deadline = time.monotonic() + limit
    last_error = ""
    while True:
        if pid is not None and not _alive(pid):
            raise HassError(f"Home Assistant stopped while waiting for {what}")
        try:
            if result := await check():
                return result
            last_error = ""
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            last_error = f" (last error: {err!r})"
        if time.monotonic() >= deadline:
            raise HassError(
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


async def entry_status(hass: HomeAssistant) -> dict[str, Any]:
    """Return the sonos_cloud config entry as the config entries API lists it."""
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    if not entries:
        raise HassError(f"the {DOMAIN} config entry has gone")
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
                raise HassError(
                    f"the {DOMAIN} integration failed to set up: {entry['state']}"
                    f"{reason}; see home-assistant.log"
                )
        return None

    return (await wait_for(f"the {DOMAIN} entry to load", settled, 60))[0]
