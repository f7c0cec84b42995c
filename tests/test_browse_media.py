"""Media browser and search through Home Assistant's websocket API."""

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from .conftest import HOUSEHOLD_ID
from .simulator import Fault, SonosCloudSimulator

ENTITY = "media_player.kitchen"


async def _browse(
    hass_ws_client: WebSocketGenerator, media_content_id: str | None = None
) -> dict[str, Any]:
    client = await hass_ws_client()
    message: dict[str, Any] = {"type": "media_player/browse_media", "entity_id": ENTITY}
    if media_content_id is not None:
        message["media_content_id"] = media_content_id
        message["media_content_type"] = ""
    await client.send_json_auto_id(message)
    return await client.receive_json()


@pytest.mark.usefixtures("init_integration")
async def test_browse_root_and_folders(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: SonosCloudSimulator,
) -> None:
    """The root lists favorites and playlists; folders list the items."""
    response = await _browse(hass_ws_client)
    assert response["success"]
    root = response["result"]
    assert [child["title"] for child in root["children"]] == ["Favorites", "Playlists"]

    favorites = (await _browse(hass_ws_client, "favorites"))["result"]
    names = {child["title"]: child for child in favorites["children"]}
    assert {"Morning Mix", "Simulated FM", "Kitchen Classics"} <= set(names)
    assert names["Morning Mix"]["media_content_id"].startswith("favorite:")
    assert names["Morning Mix"]["can_play"] is True
    assert names["Simulated FM"]["media_class"] == "channel"

    playlists = (await _browse(hass_ws_client, "playlists"))["result"]
    assert {child["title"] for child in playlists["children"]} == {"Dinner", "Workout"}
    assert all(
        child["media_content_id"].startswith("playlist:")
        for child in playlists["children"]
    )

    # The lists read at setup (they are the sources too) serve all three views.
    paths = [r.path for r in simulator.control_requests()]
    assert paths.count(f"/households/{HOUSEHOLD_ID}/favorites") == 0
    assert paths.count(f"/households/{HOUSEHOLD_ID}/playlists") == 0


@pytest.mark.usefixtures("init_integration")
async def test_browse_media_sources(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, tmp_path: Path
) -> None:
    """With media sources loaded, the root offers them and browses into them."""
    (tmp_path / "door.mp3").write_bytes(b"ID3")
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    root = (await _browse(hass_ws_client))["result"]
    source = root["children"][-1]
    assert source["media_content_id"].startswith("media-source://")

    response = await _browse(hass_ws_client, source["media_content_id"])
    assert response["success"]
    assert [child["title"] for child in response["result"]["children"]] == ["door.mp3"]


@pytest.mark.usefixtures("init_integration")
async def test_broken_media_source_keeps_sonos_folders(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, tmp_path: Path
) -> None:
    """A media source that fails to browse does not hide favorites and playlists."""
    hass.config.media_dirs = {"local": str(tmp_path / "missing")}
    assert await async_setup_component(hass, "media_source", {})
    root = (await _browse(hass_ws_client))["result"]
    assert [child["title"] for child in root["children"]] == ["Favorites", "Playlists"]


@pytest.mark.usefixtures("init_integration")
async def test_browse_unknown_folder(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """An unknown id is a browse error, not a crash."""
    response = await _browse(hass_ws_client, "albums")
    assert not response["success"]
    assert "Unknown media albums" in response["error"]["message"]


@pytest.mark.usefixtures("init_integration")
async def test_browse_when_sonos_fails(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: SonosCloudSimulator,
) -> None:
    """A cloud failure while browsing is reported with a translated message."""
    entry = hass.config_entries.async_entries("sonos_cloud")[0]
    entry.runtime_data.library.invalidate(HOUSEHOLD_ID)  # Sonos said they changed
    simulator.inject(Fault(method="GET", path=r".*/favorites", status=500))
    response = await _browse(hass_ws_client, "favorites")
    assert not response["success"]
    assert "Sonos could not run the command on Kitchen" in response["error"]["message"]


@pytest.mark.usefixtures("init_integration")
async def test_search(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> None:
    """Search finds favorites and playlists by part of their name."""
    client = await hass_ws_client()
    await client.send_json_auto_id(
        {
            "type": "media_player/search_media",
            "entity_id": ENTITY,
            "search_query": "fm",
        }
    )
    response = await client.receive_json()
    assert response["success"]
    assert [item["title"] for item in response["result"]["result"]] == ["Simulated FM"]
