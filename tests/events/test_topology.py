"""Groups events: players never come from an event alone, households must match."""

import logging
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud.api import (
    NamespaceEvent,
    SonosEvent,
    decode_event,
    namespaces as ns,
)
from tests.conftest import HOUSEHOLD_ID, KITCHEN, settle, signed_event_headers
from tests.simulator import Fault, SonosCloudSimulator
from tests.test_webhook import KITCHEN_ENTITY, _post

from .helpers import volume_of

OTHER_HOUSEHOLD = "Sonos_SomeoneElse000000000000000.Other0000000000000001"


async def test_players_from_an_event_need_the_clouds_word(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A groups event with new players is checked with one groups request."""
    entities = set(hass.states.async_entity_ids())
    devices = len(device_registry.devices)
    real = await push_integration.runtime_data.client.get(ns.GROUPS, HOUSEHOLD_ID)
    simulator.clear_requests()
    fake = {"id": "RINCON_FAKE0", "name": "Fake", "capabilities": ["PLAYBACK"]}
    body = {
        "groups": [
            {"id": "RINCON_FAKE0:1", "name": "Fake", "coordinatorId": "RINCON_FAKE0"}
        ],
        "players": [{"id": p.id, "name": p.name} for p in real.players] + [fake],
    }
    headers = signed_event_headers(
        str(10**12), "groups", "groups", "householdId", HOUSEHOLD_ID
    )
    await _post(ha_client, headers, body)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [(r.method, r.path) for r in simulator.control_requests()] == [
        ("GET", f"/households/{HOUSEHOLD_ID}/groups")
    ]
    assert set(hass.states.async_entity_ids()) == entities
    assert len(device_registry.devices) == devices


def _event_with_fake_player(seq: int) -> NamespaceEvent[Any, Any]:
    body = {
        "groups": [{"id": "RINCON_FAKE0:1", "coordinatorId": "RINCON_FAKE0"}],
        "players": [{"id": "RINCON_FAKE0", "name": "Fake"}],
    }
    event = decode_event(
        SonosEvent(
            seq, "groups", "groups", "householdId", HOUSEHOLD_ID, HOUSEHOLD_ID, body
        )
    )
    assert event is not None
    return event


async def test_events_during_a_groups_read_cost_one_more_read(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Three such events at once cause two groups requests, not three."""
    coordinator = push_integration.runtime_data
    simulator.clear_requests()
    for seq in (1, 2, 3):
        coordinator.async_handle_event(_event_with_fake_player(seq))
    await hass.async_block_till_done(wait_background_tasks=True)

    gets = [r.path for r in simulator.control_requests() if r.method == "GET"]
    assert gets == [f"/households/{HOUSEHOLD_ID}/groups"] * 2
    assert hass.states.get("media_player.fake") is None


async def test_failed_groups_read_changes_nothing(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the confirming request fails the event is left alone, with a debug line."""
    caplog.set_level(logging.DEBUG, logger="custom_components.sonos_cloud")
    simulator.inject(Fault(method="GET", path=r"/households/.*/groups", status=500))
    push_integration.runtime_data.async_handle_event(_event_with_fake_player(1))
    await hass.async_block_till_done(wait_background_tasks=True)

    assert "Could not read the changed groups" in caplog.text
    assert hass.states.get("media_player.fake") is None
    assert hass.states.get(KITCHEN_ENTITY).state == "paused"


async def test_new_room_comes_after_the_clouds_word(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A room added in the Sonos app appears after one groups request."""
    simulator.add_player(HOUSEHOLD_ID, "Study")
    await settle(hass, simulator)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert hass.states.get("media_player.study") is not None
    assert [(r.method, r.path) for r in simulator.control_requests()][:1] == [
        ("GET", f"/households/{HOUSEHOLD_ID}/groups")
    ]


@pytest.mark.parametrize(
    ("namespace", "target_type", "target", "household"),
    [
        ("playerVolume", "playerId", KITCHEN, OTHER_HOUSEHOLD),
        ("groups", "householdId", HOUSEHOLD_ID, OTHER_HOUSEHOLD),
        ("groups", "householdId", OTHER_HOUSEHOLD, OTHER_HOUSEHOLD),
    ],
    ids=["player-of-other-household", "household-header-differs", "not-our-household"],
)
async def test_event_must_match_its_target_and_our_households(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    namespace: str,
    target_type: str,
    target: str,
    household: str,
) -> None:
    """An event whose household is not its target's, or not ours, changes nothing."""
    simulator.clear_requests()
    body: dict[str, Any] = {"volume": 44, "muted": False}
    if namespace == "groups":
        body = {
            "groups": [{"id": f"{KITCHEN}:9", "name": "K", "coordinatorId": KITCHEN}],
            "players": [{"id": KITCHEN, "name": "Kitchen"}],
        }
    headers = signed_event_headers(
        str(10**12), namespace, namespace, target_type, target
    )
    headers["X-Sonos-Household-Id"] = household
    await _post(ha_client, headers, body)
    await hass.async_block_till_done()

    assert volume_of(hass, KITCHEN_ENTITY) == 0.18
    assert hass.states.get(KITCHEN_ENTITY).attributes["group_members"] == [
        KITCHEN_ENTITY
    ]
    assert simulator.control_requests() == []
