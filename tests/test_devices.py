"""Devices: players that leave and return, and speakers another integration owns.

The local ``sonos`` integration registers the same speakers. A small stand-in
plays its part here: a config entry of domain ``sonos`` with a device and a
media player for the Bedroom, registered the way it registers them
(identifier ``("sonos", <player id>)``, the MAC as a ``mac`` connection).
"""

from homeassistant.components.websocket_api import DOMAIN as WEBSOCKET_DOMAIN
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.sonos_cloud.const import DOMAIN
from custom_components.sonos_cloud.entity import speaker_connections

from .conftest import BEDROOM, HOUSEHOLD_ID, KITCHEN, get_device
from .simulator import Fault, SonosCloudSimulator

LOCAL_DOMAIN = "sonos"
# The local integration's MAC of the Bedroom, as it reads it from the speaker.
BEDROOM_MAC = "78-28-CA-0F-9A-88"


@pytest.fixture
def local_sonos(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> MockConfigEntry:
    """Register the Bedroom the way the local Sonos integration does."""
    entry = MockConfigEntry(domain=LOCAL_DOMAIN, title="Sonos")
    entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(LOCAL_DOMAIN, BEDROOM)},
        connections={
            (dr.CONNECTION_NETWORK_MAC, BEDROOM_MAC),
            (dr.CONNECTION_UPNP, f"uuid:{BEDROOM}"),
        },
        manufacturer="Sonos",
        name="Bedroom",
    )
    entity_registry.async_get_or_create(
        "media_player",
        LOCAL_DOMAIN,
        BEDROOM,
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="bedroom_local",
    )
    return entry


def _add_bedroom(simulator: SonosCloudSimulator) -> None:
    """Add the demo Bedroom (back) to the account."""
    simulator.add_player(
        HOUSEHOLD_ID,
        "Bedroom",
        player_id=BEDROOM,
        model="Sonos Five",
        capabilities=["CLOUD", "PLAYBACK", "AIRPLAY", "LINE_IN"],
        volume=30,
    )


def _local_device(
    device_registry: dr.DeviceRegistry, local_sonos: MockConfigEntry
) -> dr.DeviceEntry | None:
    return next(
        iter(dr.async_entries_for_config_entry(device_registry, local_sonos.entry_id)),
        None,
    )


async def _list_linked_devices(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, device_id: str
) -> list[str]:
    """Ask Home Assistant, as the frontend does, which devices are the same one."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/list_linked_devices", "device_id": device_id}
    )
    response = await client.receive_json()
    assert response["success"], response
    linked: list[str] = response["result"]["linked_devices"]
    return linked


async def test_both_integrations_show_one_speaker(
    hass: HomeAssistant,
    local_sonos: MockConfigEntry,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Our Bedroom and the local integration's Bedroom are shown as one speaker.

    Where a device may belong to several config entries they are one device;
    where each device has one config entry, Home Assistant lists them as linked
    devices.
    """
    ours = get_device(device_registry, BEDROOM, init_integration.entry_id)
    local = _local_device(device_registry, local_sonos)
    assert ours is not None
    assert local is not None
    assert (dr.CONNECTION_NETWORK_MAC, "78:28:ca:0f:9a:88") in ours.connections
    assert (dr.CONNECTION_UPNP, f"uuid:{BEDROOM}") in ours.connections
    kitchen = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert kitchen is not None
    assert kitchen.identifiers == {(DOMAIN, KITCHEN)}  # none of another domain
    if ours.id == local.id:
        assert ours.config_entries == {local_sonos.entry_id, init_integration.entry_id}
        return
    assert await _list_linked_devices(hass, hass_ws_client, ours.id) == [local.id]
    assert await _list_linked_devices(hass, hass_ws_client, local.id) == [ours.id]


@pytest.mark.parametrize(
    ("player_id", "connections"),
    [
        (
            "RINCON_7828CA0F9A8801400",
            {
                (dr.CONNECTION_UPNP, "uuid:RINCON_7828CA0F9A8801400"),
                (dr.CONNECTION_NETWORK_MAC, "78:28:ca:0f:9a:88"),
            },
        ),
        # Not of the usual form: no MAC to tell.
        ("RINCON_OLD", {(dr.CONNECTION_UPNP, "uuid:RINCON_OLD")}),
    ],
)
def test_speaker_connections(player_id: str, connections: set[tuple[str, str]]) -> None:
    """The MAC is read from the player id only when it has the usual form."""
    assert speaker_connections(player_id) == connections


async def test_leaving_player_keeps_the_local_integrations_device(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    local_sonos: MockConfigEntry,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A player leaving the account removes only our part of the speaker."""
    assert get_device(device_registry, BEDROOM, init_integration.entry_id)

    simulator.remove_player(BEDROOM)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()

    assert get_device(device_registry, BEDROOM, init_integration.entry_id) is None
    assert entity_registry.async_get_entity_id("media_player", DOMAIN, BEDROOM) is None
    assert hass.states.get("media_player.bedroom") is None
    local = _local_device(device_registry, local_sonos)
    assert local is not None
    assert (LOCAL_DOMAIN, BEDROOM) in local.identifiers
    assert (
        entity_registry.async_get_entity_id("media_player", LOCAL_DOMAIN, BEDROOM)
        == "media_player.bedroom_local"
    )


async def test_returning_player_gets_its_entities_back(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A player removed from the account and added back returns without a reload.

    Its entities keep their entity ids, even one the user renamed.
    """
    renamed = entity_registry.async_update_entity(
        "media_player.bedroom", new_entity_id="media_player.bedroom_speaker"
    )
    await hass.async_block_till_done()
    device = get_device(device_registry, BEDROOM, init_integration.entry_id)
    assert device is not None
    entity_ids = {
        entry.entity_id
        for entry in er.async_entries_for_device(entity_registry, device.id)
    }
    assert renamed.entity_id in entity_ids
    assert len(entity_ids) > 1  # the crossfade switch too
    coordinator = init_integration.runtime_data

    simulator.remove_player(BEDROOM)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert get_device(device_registry, BEDROOM, init_integration.entry_id) is None
    assert all(hass.states.get(entity_id) is None for entity_id in entity_ids)

    _add_bedroom(simulator)
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    device = get_device(device_registry, BEDROOM, init_integration.entry_id)
    assert device is not None
    assert {
        entry.entity_id
        for entry in er.async_entries_for_device(entity_registry, device.id)
    } == entity_ids
    state = hass.states.get("media_player.bedroom_speaker")
    assert state is not None
    assert state.state == "idle"
    assert init_integration.state is ConfigEntryState.LOADED


async def test_absent_player_does_not_get_entities_twice(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A player missing from a partial answer keeps its one set of entities."""
    coordinator = init_integration.runtime_data
    simulator.remove_player(BEDROOM)
    simulator.model.partial = True
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("media_player.bedroom").state == "unavailable"

    _add_bedroom(simulator)
    simulator.model.partial = False
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get("media_player.bedroom").state == "idle"
    assert len(hass.states.async_entity_ids("media_player")) == 3
    assert "already exists" not in caplog.text


async def _remove_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    device_id: str,
) -> dict[str, object]:
    """Remove a device from the entry as the device page's delete button does."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    if "config/device_registry/remove" in hass.data[WEBSOCKET_DOMAIN]:
        message = {"type": "config/device_registry/remove", "device_id": device_id}
    else:  # Home Assistant releases whose devices have several config entries
        message = {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device_id,
        }
    await client.send_json_auto_id(message)
    response: dict[str, object] = await client.receive_json()
    return response


async def test_remove_device_while_entry_is_disabled(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Without a loaded entry no player is known to be current: removal is allowed."""
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None
    assert await hass.config_entries.async_set_disabled_by(
        init_integration.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED

    response = await _remove_device(hass, hass_ws_client, init_integration, device.id)

    assert response["success"], response
    assert get_device(device_registry, KITCHEN, init_integration.entry_id) is None


async def test_remove_device_after_failed_setup(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A device left from an earlier run can go while setup waits to retry."""
    config_entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, KITCHEN)}
    )
    simulator.inject(Fault(method="GET", path="/households", status=503))
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    response = await _remove_device(hass, hass_ws_client, config_entry, device.id)

    assert response["success"], response
    assert device_registry.async_get(device.id) is None


async def test_remove_device_of_current_player_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A loaded entry keeps the device of a player Sonos still lists."""
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None

    response = await _remove_device(hass, hass_ws_client, init_integration, device.id)

    assert not response["success"]
    assert get_device(device_registry, KITCHEN, init_integration.entry_id) is not None


async def test_new_rooms_land_in_the_area_of_their_name(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A room's device goes to the area of its name on first setup.

    The area is made when missing; the entity ids stay the room's name
    (an area given at creation would prefix them on newer Home Assistant).
    """
    for player_id, area_name in ((KITCHEN, "Kitchen"), (BEDROOM, "Bedroom")):
        device = get_device(device_registry, player_id, init_integration.entry_id)
        assert device is not None
        area = area_registry.async_get_area(device.area_id or "")
        assert area is not None
        assert area.name == area_name
    assert entity_registry.async_get("media_player.kitchen") is not None


async def test_area_the_user_chose_is_kept(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A device moved to another area, or out of every area, stays so on reload."""
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None
    device_registry.async_update_device(device.id, area_id=None)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    device = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert device is not None
    assert device.area_id is None
