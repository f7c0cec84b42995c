"""Lean push setup, and what push does not bring.

An entry whose events worked before reads only what Sonos does not push at
setup, and lets the first events bring the rest.
"""

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.sonos_cloud.const import CONF_PUSH_WORKED, DOMAIN

from .conftest import KITCHEN, LIVING_ROOM, later, send_events_to, settle
from .simulator import SonosCloudSimulator

# What the first events of the subscriptions bring: never read at a lean setup.
PUSHED_READS = ("/playback", "/playbackMetadata", "/groupVolume", "/playerVolume")


def _entry(config_entry: MockConfigEntry, **data: object) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        version=config_entry.version,
        data={**config_entry.data, **data},
    )


def _pushed_reads(simulator: SonosCloudSimulator) -> list[str]:
    return [
        r.path
        for r in simulator.control_requests()
        if r.method == "GET" and r.path.endswith(PUSHED_READS)
    ]


async def test_first_events_remember_push(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Once events arrive, the entry remembers that push works."""
    assert push_integration.data[CONF_PUSH_WORKED] is True


async def test_lean_setup_reads_nothing_the_events_bring(
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Households, groups, the subscriptions and what Sonos does not push."""
    send_events_to(simulator, ha_client)
    simulator.set_player_volume(KITCHEN, 37)
    entry = _entry(config_entry, **{CONF_PUSH_WORKED: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass, simulator)

    assert _pushed_reads(simulator) == []
    gets = {r.path for r in simulator.control_requests() if r.method == "GET"}
    assert f"/players/{LIVING_ROOM}/homeTheater/options" in gets
    # The state came with the first events.
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.37
    assert hass.states.get("media_player.living_room").state == "playing"
    assert entry.runtime_data.push.covers_everything


async def test_lean_setup_falls_back_when_no_event_arrives(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """Push worked before, but now events go elsewhere: read everything soon."""
    simulator.callback_url = str(ha_client.make_url("/api/webhook/elsewhere"))
    simulator.event_retry_delay = 0
    simulator.set_player_volume(KITCHEN, 37)
    entry = _entry(config_entry, **{CONF_PUSH_WORKED: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass, simulator)
    assert _pushed_reads(simulator) == []

    await later(hass, freezer, seconds=20)
    assert _pushed_reads(simulator)
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.37
    assert entry.data[CONF_PUSH_WORKED] is False

    # The repair that tells where events should go still comes.
    await later(hass, freezer, minutes=5)
    issue_id = f"events_not_arriving_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


async def test_lean_setup_without_callback_url_reads_everything(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """The key lost its callback URL: the refused probe brings a full read."""
    simulator.set_player_volume(KITCHEN, 37)
    entry = _entry(config_entry, **{CONF_PUSH_WORKED: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert _pushed_reads(simulator)
    assert hass.states.get("media_player.kitchen").attributes["volume_level"] == 0.37
    assert entry.data[CONF_PUSH_WORKED] is False


@pytest.mark.parametrize("with_demo_household", [False])
async def test_lean_setup_of_100_rooms_stays_within_the_limits(
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """100 rooms (four households of 25) set up without a single 429.

    The simulator's real limiter counts subscriptions too: 1,000 a minute and
    100 in any second.
    """
    for _ in range(4):
        household_id = simulator.add_household()
        for number in range(25):
            simulator.add_player(household_id, f"Room {number}")
    send_events_to(simulator, ha_client)
    entry = _entry(config_entry, **{CONF_PUSH_WORKED: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass, simulator)

    requests = simulator.control_requests()
    assert [r for r in requests if r.status == 429] == []
    assert _pushed_reads(simulator) == []
    subscribes = [r for r in requests if r.method == "POST"]
    # Per household groups, favorites and playlists; per group playback,
    # metadata and group volume; per player volume and audio clip.
    assert len(subscribes) == 4 * 3 + 100 * 3 + 100 * 2
    library = 4 * 2  # favorites and playlists, for the sources
    assert len(requests) == 1 + 4 + len(subscribes) + library
    assert entry.runtime_data.push.covers_everything


async def test_unpushed_settings_are_read_while_push_is_healthy(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Night sound changed in the Sonos app shows while music plays and events flow.

    Sonos sends no event for home theater options, and a playing system is
    never quiet long enough for the re-sync.
    """
    simulator.model.set_home_theater_options(LIVING_ROOM, night_mode=True)
    assert hass.states.get("switch.living_room_night_sound").state == "off"
    for _ in range(5):
        simulator.set_player_volume(KITCHEN, 30 + _)
        await settle(hass, simulator)
        await later(hass, freezer, minutes=1, seconds=1)
    assert push_integration.runtime_data.push.covers_everything
    assert hass.states.get("switch.living_room_night_sound").state == "on"
    gets = [r.path for r in simulator.control_requests() if r.method == "GET"]
    assert gets == [f"/players/{LIVING_ROOM}/homeTheater/options"]
