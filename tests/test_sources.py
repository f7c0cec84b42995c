"""Sources: Sonos favorites, Line-In and TV, as the local integration lists them."""

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import BEDROOM, LIVING_ROOM, settle
from .simulator import SonosCloudSimulator

KITCHEN_ENTITY = "media_player.kitchen"
LIVING_ROOM_ENTITY = "media_player.living_room"
BEDROOM_ENTITY = "media_player.bedroom"
FAVORITES = ["Morning Mix", "Simulated FM", "Kitchen Classics"]


async def _select(hass: HomeAssistant, entity_id: str, source: str) -> None:
    await hass.services.async_call(
        "media_player",
        "select_source",
        {"entity_id": entity_id, "source": source},
        blocking=True,
    )


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_source_list(hass: HomeAssistant) -> None:
    """The favorites for every room, plus the inputs each room has."""
    sources = {
        entity_id: hass.states.get(entity_id).attributes["source_list"]
        for entity_id in (KITCHEN_ENTITY, LIVING_ROOM_ENTITY, BEDROOM_ENTITY)
    }
    assert sources == {
        KITCHEN_ENTITY: FAVORITES,
        LIVING_ROOM_ENTITY: [*FAVORITES, "TV"],
        BEDROOM_ENTITY: [*FAVORITES, "Line-In"],
    }


async def test_state_writes_ask_sonos_nothing(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The list comes from the cached favorites: a refresh does not read them."""
    await _refresh(hass, init_integration)
    assert not [r for r in simulator.control_requests() if "favorites" in r.path]


async def test_select_favorite_shows_it_at_once(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """One request loads the favorite; its name shows before Sonos reports it."""
    favorite = next(
        f
        for f in simulator.model.households[
            next(iter(simulator.model.households))
        ].favorites
        if f.name == "Morning Mix"
    )
    await _select(hass, KITCHEN_ENTITY, "Morning Mix")

    requests = simulator.control_requests()
    assert [(r.method, r.json["favoriteId"]) for r in requests] == [
        ("POST", favorite.id)
    ]
    state = hass.states.get(KITCHEN_ENTITY)
    assert state.state == "playing"
    assert state.attributes["source"] == "Morning Mix"
    assert state.attributes["media_title"] == "Morning Mix"

    await _refresh(hass, init_integration)
    state = hass.states.get(KITCHEN_ENTITY)
    assert state.attributes["source"] == "Morning Mix"
    assert state.attributes["media_title"] != "Morning Mix"  # the real track now


async def test_select_line_in(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Line-In plays the room's own input on its group, in one request."""
    await _select(hass, BEDROOM_ENTITY, "Line-In")

    [request] = simulator.control_requests()
    assert request.path == f"/groups/{simulator.group_id_of(BEDROOM)}/playback/lineIn"
    assert request.json == {"deviceId": BEDROOM, "playOnCompletion": True}
    assert hass.states.get(BEDROOM_ENTITY).attributes["source"] == "Line-In"
    await _refresh(hass, init_integration)
    assert hass.states.get(BEDROOM_ENTITY).attributes["source"] == "Line-In"


async def test_select_tv(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """TV switches a home theater player to its TV input, in one request."""
    await _select(hass, LIVING_ROOM_ENTITY, "TV")

    [request] = simulator.control_requests()
    assert (request.method, request.path) == (
        "POST",
        f"/players/{LIVING_ROOM}/homeTheater",
    )
    await _refresh(hass, init_integration)
    assert hass.states.get(LIVING_ROOM_ENTITY).attributes["source"] == "TV"


@pytest.mark.parametrize(
    ("entity_id", "source"),
    [(KITCHEN_ENTITY, "Line-In"), (KITCHEN_ENTITY, "TV"), (KITCHEN_ENTITY, "Jazz")],
)
async def test_unknown_source_sends_nothing(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    entity_id: str,
    source: str,
) -> None:
    """A source the room does not have is a translated error, and nothing is sent."""
    with pytest.raises(ServiceValidationError) as exc_info:
        await _select(hass, entity_id, source)
    assert exc_info.value.translation_key == "unknown_source"
    assert simulator.control_requests() == []


async def test_source_is_not_the_album(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Content that is no favorite and no input has no source; the album stays."""
    state = hass.states.get(KITCHEN_ENTITY)
    assert state.attributes.get("source") is None
    assert state.attributes["media_album_name"]


async def test_favorites_event_updates_the_list(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A favorite added in the Sonos app becomes a source without a reload."""
    simulator.add_favorite("Evening Jazz")
    await settle(hass, simulator)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(KITCHEN_ENTITY).attributes["source_list"] == [
        *FAVORITES,
        "Evening Jazz",
    ]
