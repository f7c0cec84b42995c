"""Push health per subscription: retries, renewal, lapses and the polling they need."""

from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.sonos_cloud.const import DOMAIN

from .conftest import KITCHEN, WEBHOOK_ID, later, send_events_to, settle
from .simulator import Fault, SonosCloudSimulator

KITCHEN_ENTITY = "media_player.kitchen"
KITCHEN_VOLUME = f"/players/{KITCHEN}/playerVolume/subscription"


def _quiet(simulator: SonosCloudSimulator) -> None:
    """Pause every group: silence is then normal and needs no polling."""
    for group_id in list(simulator.model.groups):
        simulator.set_playback_state(group_id, "PLAYBACK_STATE_PAUSED")


async def test_failed_subscription_is_polled_and_retried(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """One subscribe fails at setup: its target is polled until a retry works."""
    send_events_to(simulator, ha_client)
    simulator.inject(Fault(method="POST", path=KITCHEN_VOLUME, status=503))
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    _quiet(simulator)
    await settle(hass, simulator)
    assert ("playerVolume", "playerId", KITCHEN) not in simulator.subscriptions

    # No event tells of this change: only polling can show it.
    simulator.set_player_volume(KITCHEN, 40)
    await later(hass, freezer, seconds=31)
    assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.4

    await later(hass, freezer, minutes=1)
    assert ("playerVolume", "playerId", KITCHEN) in simulator.subscriptions
    await settle(hass, simulator)

    simulator.clear_requests()
    await later(hass, freezer, minutes=2)
    assert simulator.control_requests() == []


async def test_lapsed_subscriptions_are_polled(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Renewal keeps failing: once Sonos drops the subscriptions, state is polled."""
    _quiet(simulator)
    await settle(hass, simulator)
    simulator.inject(Fault(method="POST", path=r".*/subscription", status=500, times=0))
    for _ in range(3):
        await later(hass, freezer, days=1)
    await later(hass, freezer, minutes=5)
    assert not simulator.subscriptions

    simulator.set_player_volume(KITCHEN, 27)
    await later(hass, freezer, minutes=1)
    assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.27


async def test_renewal_retries_failed_subscriptions(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A renewal that fails once is tried again soon, not a day later."""
    simulator.inject(Fault(method="POST", path=KITCHEN_VOLUME, status=503))
    await later(hass, freezer, days=1)
    renewals = [r for r in simulator.control_requests() if r.path == KITCHEN_VOLUME]
    assert [r.status for r in renewals] == [503]

    await later(hass, freezer, minutes=1, seconds=1)
    renewals = [r for r in simulator.control_requests() if r.path == KITCHEN_VOLUME]
    assert [r.status for r in renewals] == [503, 200]


@pytest.mark.parametrize("stop", ["unload", "disable"])
async def test_every_unload_unsubscribes(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    stop: str,
) -> None:
    """Unloading, reloading or disabling leaves nothing subscribed at Sonos."""
    assert simulator.subscriptions
    if stop == "unload":
        assert await hass.config_entries.async_unload(push_integration.entry_id)
    else:
        assert await hass.config_entries.async_set_disabled_by(
            push_integration.entry_id, ConfigEntryDisabler.USER
        )
    await hass.async_block_till_done()
    assert push_integration.state is ConfigEntryState.NOT_LOADED
    assert not simulator.subscriptions


async def test_failed_first_subscribe_still_unsubscribes_on_unload(
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> None:
    """The first subscribe failing (not a missing URL) must not orphan the rest."""
    send_events_to(simulator, ha_client)
    simulator.inject(Fault(method="POST", path=r".*/subscription", status=503))
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass, simulator)
    assert simulator.subscriptions

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert not simulator.subscriptions


async def test_regroup_burst_subscribes_each_target_once(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Several groups events at once: one subscribe per new target, no more."""
    simulator.external_regroup([KITCHEN, *(p for p in simulator.model.players)])
    simulator.external_regroup([KITCHEN])
    await settle(hass, simulator)

    posts = [r.path for r in simulator.control_requests() if r.method == "POST"]
    assert len(posts) == len(set(posts))


async def test_back_to_back_reloads_stay_under_the_spike_limit(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """The request pacer belongs to the API key, not to one setup of the entry.

    Each reload unsubscribes, reads everything and subscribes again; a fresh
    pacer per setup would let every reload burst anew.
    """
    for _ in range(3):
        assert await hass.config_entries.async_reload(push_integration.entry_id)
    await settle(hass, simulator)

    statuses = [r.status for r in simulator.control_requests()]
    assert len(statuses) > simulator.spike_per_second
    assert 429 not in statuses


async def _rendered_repair(hass: HomeAssistant, issue: ir.IssueEntry) -> str:
    """Return a repair's description as the dialog shows it."""
    translations = await async_get_translations(hass, "en", "issues", {DOMAIN})
    text = translations[
        f"component.{DOMAIN}.issues.{issue.translation_key}.description"
    ]
    return text.format(**(issue.translation_placeholders or {}))


@pytest.mark.parametrize(
    ("external_url", "translation_key", "says"),
    [
        ("https://home.example.org", "callback_not_configured", "Event Callback URL"),
        (None, "callback_url_not_public", "Home Assistant Cloud"),
    ],
    ids=["public-https", "internal-only"],
)
async def test_callback_repair_can_be_followed(
    hass: HomeAssistant,
    ha_client: TestClient,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    external_url: str | None,
    translation_key: str,
    says: str,
) -> None:
    """The repair shows the URL in a block that wraps, and says what to do.

    Without an external HTTPS URL (and no Home Assistant Cloud) Sonos cannot
    reach the webhook: the repair says so instead of asking to enter an
    internal http:// address.
    """
    await hass.config.async_update(external_url=external_url)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(
        DOMAIN, f"callback_not_configured_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == translation_key
    text = await _rendered_repair(hass, issue)
    url = issue.translation_placeholders["url"]
    assert f"```text\n{url}\n```" in text
    assert says in text
    if external_url is not None:
        assert url == f"{external_url}/api/webhook/{WEBHOOK_ID}"


def _stored_subscriptions(
    hass_storage: dict[str, Any], entry: MockConfigEntry
) -> set[tuple[str, str]]:
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.subscriptions"]["data"]
    return {(target, namespace) for target, namespace in stored["subscriptions"]}


async def test_subscriptions_left_behind_are_removed_at_the_next_setup(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Sonos still holds what an unload could not remove: the next setup does."""
    held = _stored_subscriptions(hass_storage, push_integration)
    assert len(held) == len(simulator.subscriptions)
    # Sonos cannot be reached while Home Assistant stops (or it crashed).
    simulator.inject(
        Fault(method="DELETE", path=r".*/subscription", status=503, times=0)
    )
    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    assert len(simulator.subscriptions) == len(held)
    assert _stored_subscriptions(hass_storage, push_integration) == held

    # Meanwhile the Kitchen left its group: that group's id is history.
    old_group = simulator.group_id_of(KITCHEN)
    simulator.external_regroup([KITCHEN])
    simulator.clear_faults()
    simulator.clear_requests()
    assert await hass.config_entries.async_setup(push_integration.entry_id)
    await settle(hass, simulator)

    # The old group's are asked off (Sonos answers that the group is gone and
    # drops them by itself); what is still wanted is renewed, not removed.
    deleted = {
        (r.path, r.status) for r in simulator.control_requests() if r.method == "DELETE"
    }
    assert deleted == {
        (f"/groups/{old_group}/{namespace}/subscription", 410)
        for namespace in ("playback", "playbackMetadata", "groupVolume")
    }
    paths = {"householdId": "households", "groupId": "groups", "playerId": "players"}
    assert _stored_subscriptions(hass_storage, push_integration) == {
        (f"{paths[kind]}/{target_id}", namespace)
        for namespace, kind, target_id in simulator.subscriptions
        if target_id != old_group
    }

    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    assert _stored_subscriptions(hass_storage, push_integration) == set()


async def test_removing_the_entry_removes_what_it_stored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    push_integration: MockConfigEntry,
) -> None:
    """Nothing of a removed entry stays in Home Assistant's storage."""
    own = f"{DOMAIN}.{push_integration.entry_id}."
    assert any(key.startswith(own) for key in hass_storage)
    assert await hass.config_entries.async_remove(push_integration.entry_id)
    await hass.async_block_till_done()
    assert not any(key.startswith(own) for key in hass_storage)
