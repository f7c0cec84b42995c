"""Setting up and unloading a config entry."""

import time
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_cloud import (
    async_migrate_entry,
    async_remove_config_entry_device,
)
from custom_components.sonos_cloud.const import DOMAIN

from .conftest import BEDROOM, HOUSEHOLD_ID, KITCHEN, LIVING_ROOM, get_device
from .simulator import Fault, SonosCloudSimulator


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads with one player per room and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert len(hass.states.async_entity_ids("media_player")) == 3

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert all(
        state.state == "unavailable" for state in hass.states.async_all("media_player")
    )


async def test_setup_requests(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Setup reads households, groups, playback, volumes, home theater once each.

    Favorites and playlists are read once too: the favorites are the rooms'
    sources, and browsing reuses both.
    """
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    paths = sorted(f"{r.method} {r.path}" for r in simulator.control_requests())
    groups = sorted(simulator.group_id_of(player) for player in simulator.model.players)
    players = sorted(simulator.model.players)
    assert paths == sorted(
        [
            "GET /households",
            f"GET /households/{config_entry.unique_id}/groups",
            *(f"GET /groups/{group}/playback" for group in groups),
            *(f"GET /groups/{group}/playbackMetadata" for group in groups),
            *(f"GET /groups/{group}/groupVolume" for group in groups),
            *(f"GET /players/{player}/playerVolume" for player in players),
            f"GET /players/{LIVING_ROOM}/homeTheater/options",  # the Arc
            f"GET /households/{config_entry.unique_id}/favorites",
            f"GET /households/{config_entry.unique_id}/playlists",
            # Without a callback URL for the key, one subscribe finds out.
            f"POST /groups/{groups[0]}/groupVolume/subscription",
        ]
    )
    groups_request = next(
        r for r in simulator.control_requests() if r.path.endswith("/groups")
    )
    assert groups_request.query == {"includeDeviceInfo": "true"}


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        (
            Fault(method="GET", path="/households", status=500),
            ConfigEntryState.SETUP_RETRY,
        ),
        (
            Fault(method="GET", path="/households", status=429),
            ConfigEntryState.SETUP_RETRY,
        ),
        (
            Fault(method="GET", path="/households", status=200, raw_body="not json"),
            ConfigEntryState.SETUP_RETRY,
        ),
        (
            Fault(
                method="GET", path="/households", status=200, body={"households": []}
            ),
            ConfigEntryState.SETUP_RETRY,
        ),
        (
            Fault(method="GET", path="/households", status=401, times=0),
            ConfigEntryState.SETUP_ERROR,
        ),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    fault: Fault,
    state: ConfigEntryState,
) -> None:
    """A cloud failure retries setup later; a refused token asks to reauthenticate."""
    simulator.inject(fault)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)

    assert config_entry.state is state
    reauth = [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == "reauth"
    ]
    assert bool(reauth) is (state is ConfigEntryState.SETUP_ERROR)


@pytest.mark.parametrize("token_expires_at", [time.time() - 60])
async def test_expired_token_is_refreshed_at_setup(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """An expired token is refreshed with Basic auth and stored."""
    old_token = config_entry.data["token"]
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    refreshes = [r for r in simulator.requests if r.path == "/login/v3/oauth/access"]
    assert len(refreshes) == 1
    assert refreshes[0].form == {
        "grant_type": "refresh_token",
        "refresh_token": old_token["refresh_token"],
    }
    assert refreshes[0].headers["Authorization"].startswith("Basic ")
    assert config_entry.data["token"]["access_token"] != old_token["access_token"]
    assert config_entry.data["token"]["expires_at"] > time.time()


@pytest.mark.parametrize("token_expires_at", [time.time() - 60])
async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """A refresh token Sonos refuses leads to reauth, not endless retries."""
    simulator.revoke_refresh_tokens()
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)

    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_credentials_unavailable(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """When the OAuth implementation is temporarily unavailable, setup retries."""
    config_entry.add_to_hass(hass)
    with patch(
        "custom_components.sonos_cloud.async_get_config_entry_implementation",
        side_effect=ImplementationUnavailableError,
    ):
        await hass.config_entries.async_setup(config_entry.entry_id)

    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert simulator.requests == []


async def test_upgrade_from_older_integration(
    hass: HomeAssistant,
    setup_credentials: None,
    simulator: SonosCloudSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entry of the audio-clip-only 0.3.x integration keeps its entities."""
    legacy_entry = MockConfigEntry(
        domain=DOMAIN,
        title="Sonos Cloud",
        unique_id="sonos_cloud",
        version=1,
        data={
            "auth_implementation": DOMAIN,
            "token": {**simulator.issue_tokens(), "expires_at": time.time() + 3600},
        },
    )
    legacy_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "media_player",
        DOMAIN,
        KITCHEN,
        config_entry=legacy_entry,
        suggested_object_id="kitchen_announcements",
    )

    assert await hass.config_entries.async_setup(legacy_entry.entry_id)

    assert legacy_entry.state is ConfigEntryState.LOADED
    assert legacy_entry.version == 2
    assert legacy_entry.unique_id == HOUSEHOLD_ID
    state = hass.states.get("media_player.kitchen_announcements")
    assert state is not None
    assert state.state == "paused"
    assert hass.states.get("media_player.living_room") is not None


async def test_entry_from_newer_version(
    hass: HomeAssistant, setup_credentials: None, simulator: SonosCloudSimulator
) -> None:
    """An entry written by a newer release is not touched."""
    entry = MockConfigEntry(
        domain=DOMAIN, version=3, data={"auth_implementation": DOMAIN, "token": {}}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert simulator.requests == []


async def test_migration_refuses_newer_version(hass: HomeAssistant) -> None:
    """Our migration refuses a newer entry itself, as Home Assistant 2026.3 asks it."""
    entry = MockConfigEntry(domain=DOMAIN, version=3, data={})
    entry.add_to_hass(hass)

    assert not await async_migrate_entry(hass, entry)
    assert entry.version == 3


async def test_stale_devices(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A player Sonos no longer lists loses its device, unless the answer is partial."""
    coordinator = init_integration.runtime_data

    def bedroom() -> dr.DeviceEntry | None:
        return get_device(device_registry, BEDROOM, init_integration.entry_id)

    kitchen = get_device(device_registry, KITCHEN, init_integration.entry_id)
    assert kitchen is not None
    assert bedroom() is not None
    assert not await async_remove_config_entry_device(hass, init_integration, kitchen)

    simulator.remove_player(BEDROOM)
    simulator.model.partial = True
    await coordinator.async_refresh()
    assert bedroom() is not None

    simulator.model.partial = False
    await coordinator.async_refresh()
    assert bedroom() is None

    leftover = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "RINCON_OLD")}
    )
    assert await async_remove_config_entry_device(hass, init_integration, leftover)
