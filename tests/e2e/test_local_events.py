"""The demo's local events: the simulator's speakers each have their own socket.

``scripts/develop`` starts the simulator with ``--local-sockets``; the
integration finds the sockets in the groups answer and takes every room's
state from them. A change made as the Sonos app does (the simulator's
``/simulator/app/`` path, no token) then shows in Home Assistant with no
request of the integration.
"""

from typing import Any

from scripts.hass_client import entry_status, wait_loaded
from tests.conftest import KITCHEN

from .conftest import Client, eventually


async def _loaded(client: Client) -> str:
    """Return the entry's id, enabled again if another test disabled it."""
    entry = await entry_status(client.hass)
    if entry["disabled_by"] is not None:
        await client.hass.ws(
            {
                "type": "config_entries/disable",
                "entry_id": entry["entry_id"],
                "disabled_by": None,
            }
        )
    await wait_loaded(client.hass)
    return str(entry["entry_id"])


async def _local_players(client: Client, entry_id: str) -> dict[str, Any] | None:
    download = await client.hass.request(
        "GET", f"/api/diagnostics/config_entry/{entry_id}"
    )
    players: dict[str, Any] = download["data"]["local_events"]["players"]
    if all(p["transport"] == "local" for p in players.values()):
        return players
    return None


async def test_sonos_app_changes_arrive_over_the_speakers_sockets(
    client: Client,
) -> None:
    """Every room is on local events; an app-side change shows without a request."""
    entry_id = await _loaded(client)
    players = await eventually(
        "every room on local events", lambda: _local_players(client, entry_id)
    )
    assert {p["websocket"]["connected"] for p in players.values()} == {True}
    before = await client.state("media_player.kitchen")
    volume = 36 if before["attributes"].get("volume_level") == 0.35 else 35
    mark = await client.simulator.mark()
    async with client.simulator.session.post(
        f"{client.simulator.url}/simulator/app/players/{KITCHEN}/playerVolume",
        json={"volume": volume},
    ) as response:
        assert response.status == 200

    async def shown() -> bool:
        state = await client.state("media_player.kitchen")
        return bool(state["attributes"].get("volume_level") == volume / 100)

    await eventually("the Kitchen's new volume", shown, limit=5)
    asked = await client.simulator.since(mark)
    assert not [r for r in asked if r["path"].endswith("/playerVolume")], asked
