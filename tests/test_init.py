"""Setting up and unloading a config entry."""

import time
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

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
    """Setup reads households, groups, playback and volumes once each."""
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
