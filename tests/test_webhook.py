"""Push updates: subscriptions, signed event callbacks and the polling fallback."""

from datetime import timedelta
import json
import sys
from types import ModuleType
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import homeassistant.components
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sonos_cloud.const import DOMAIN
from custom_components.sonos_cloud.webhook import reachable_from_internet

from .conftest import (
    CLIENT_SECRET,
    HOUSEHOLD_ID,
    KITCHEN,
    LIVING_ROOM,
    WEBHOOK_ID,
    settle,
    signed_event_headers,
)
from .simulator import Fault, SonosCloudSimulator

KITCHEN_ENTITY = "media_player.kitchen"
LIVING_ROOM_ENTITY = "media_player.living_room"


def _callback_issue_url(
    issue_registry: ir.IssueRegistry, entry: MockConfigEntry
) -> str:
    """Return the URL the "events are not set up" repair asks to enter."""
    issue = issue_registry.async_get_issue(
        DOMAIN, f"callback_not_configured_{entry.entry_id}"
    )
    assert issue is not None
    return str(issue.translation_placeholders["url"])


async def test_subscriptions_and_push_mode(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Every household, group and player is subscribed; polling only re-syncs."""
    groups = {simulator.group_id_of(player) for player in simulator.model.players}
    expected = {
        *(
            (ns, "householdId", HOUSEHOLD_ID)
            for ns in ("groups", "favorites", "playlists")
        ),
        *(
            (ns, "groupId", group)
            for group in groups
            for ns in ("playback", "playbackMetadata", "groupVolume")
        ),
        *(("playerVolume", "playerId", player) for player in simulator.model.players),
        ("audioClip", "playerId", LIVING_ROOM),
        ("audioClip", "playerId", KITCHEN),
    }
    assert set(simulator.subscriptions) == expected
    coordinator = push_integration.runtime_data
    assert coordinator.push.healthy
    assert coordinator.update_interval is None
    assert not issue_registry.issues


async def test_changes_arrive_without_requests(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A change in the Sonos app shows at once and costs no request."""
    simulator.set_playback_state(
        simulator.group_id_of(KITCHEN), "PLAYBACK_STATE_PLAYING"
    )
    simulator.set_player_volume(LIVING_ROOM, 61)
    await settle(hass, simulator)

    assert hass.states.get(KITCHEN_ENTITY).state == "playing"
    assert hass.states.get(LIVING_ROOM_ENTITY).attributes["volume_level"] == 0.61
    assert simulator.control_requests() == []


async def test_regroup_event(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A regroup in the Sonos app updates the rooms and subscribes the new group."""
    new_group = simulator.external_regroup([LIVING_ROOM, KITCHEN])
    await settle(hass, simulator)

    assert hass.states.get(KITCHEN_ENTITY).attributes["group_members"] == [
        LIVING_ROOM_ENTITY,
        KITCHEN_ENTITY,
    ]
    assert ("playback", "groupId", new_group) in simulator.subscriptions
    assert {r.method for r in simulator.control_requests()} == {"POST"}


async def _post(ha_client: TestClient, headers: dict[str, str], body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await ha_client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=data, headers=headers
    )
    assert response.status == 200


async def test_replayed_and_late_events_are_dropped(
    hass: HomeAssistant,
    ha_client: TestClient,
    push_integration: MockConfigEntry,
) -> None:
    """An event whose sequence id was seen, or is older, changes nothing."""
    headers = signed_event_headers(
        10**9, "playerVolume", "playerVolume", "playerId", KITCHEN
    )
    await _post(ha_client, headers, {"volume": 44, "muted": False})
    assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.44

    await _post(ha_client, headers, {"volume": 99, "muted": False})
    older = signed_event_headers(
        10**9 - 1, "playerVolume", "playerVolume", "playerId", KITCHEN
    )
    await _post(ha_client, older, {"volume": 5, "muted": False})
    assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.44


@pytest.mark.parametrize(
    ("mangle", "body"),
    [
        (lambda h: h.pop("X-Sonos-Event-Signature"), {"volume": 1}),
        (lambda h: h.update({"X-Sonos-Event-Signature": "A" * 43}), {"volume": 1}),
        (lambda h: h.update({"X-Sonos-Target-Value": LIVING_ROOM}), {"volume": 1}),
        (lambda h: h.pop("X-Sonos-Namespace"), {"volume": 1}),
        (lambda h: None, b"not json"),
        (lambda h: None, b"[1, 2]"),
        (lambda h: None, b" " * (300 * 1024)),
        (lambda h: None, {"volume": "loud"}),
    ],
    ids=[
        "unsigned",
        "wrong-signature",
        "tampered-target",
        "missing-header",
        "not-json",
        "not-an-object",
        "oversized",
        "invalid-volume",
    ],
)
async def test_bad_events_change_nothing(
    hass: HomeAssistant,
    ha_client: TestClient,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    mangle: Any,
    body: Any,
) -> None:
    """Unsigned, tampered, malformed or oversized POSTs are answered and ignored."""
    headers = signed_event_headers(
        10**9, "playerVolume", "playerVolume", "playerId", KITCHEN
    )
    mangle(headers)
    await _post(ha_client, headers, body)
    await _post(ha_client, headers, body)

    assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == 0.18
    assert hass.states.get(LIVING_ROOM_ENTITY).attributes["volume_level"] == 0.25
    assert CLIENT_SECRET not in caplog.text
    assert caplog.text.count("Ignored an event POST") <= 1


async def test_library_event_refreshes_browse_cache(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A favorites change makes the next browse fetch the list again."""
    coordinator = push_integration.runtime_data
    library = await coordinator.library.async_get(HOUSEHOLD_ID)
    simulator.add_favorite("Evening Jazz")
    await settle(hass, simulator)

    fresh = await coordinator.library.async_get(HOUSEHOLD_ID)
    assert fresh is not library
    assert "Evening Jazz" in {favorite.name for favorite in fresh.favorites}


async def test_silent_push_falls_back_to_polling(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """No events for long while music plays: poll until events return."""
    coordinator = push_integration.runtime_data
    # A live station plays on for an hour with no track change (and no event).
    simulator.load_radio(simulator.group_id_of(LIVING_ROOM), play=True)
    await settle(hass, simulator)
    freezer.tick(timedelta(hours=1))

    await coordinator.push._async_check(dt_util.utcnow())
    await hass.async_block_till_done()

    assert not coordinator.push.healthy
    assert coordinator.update_interval is not None
    assert any(r.path == "/households" for r in simulator.control_requests())

    simulator.set_player_volume(KITCHEN, 33)
    await settle(hass, simulator)
    assert coordinator.push.healthy
    assert coordinator.update_interval is None


async def test_renew_and_unsubscribe(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Subscriptions are renewed in place and removed on unload."""
    coordinator = push_integration.runtime_data
    count = len(coordinator.push.subscriptions.active)
    await coordinator.push._async_renew(dt_util.utcnow())
    posts = [r for r in simulator.control_requests() if r.method == "POST"]
    assert len(posts) == count
    simulator.clear_requests()

    assert await hass.config_entries.async_unload(push_integration.entry_id)
    assert push_integration.state is ConfigEntryState.NOT_LOADED
    deletes = [r for r in simulator.control_requests() if r.method == "DELETE"]
    assert len(deletes) == count
    assert not simulator.subscriptions


async def test_no_callback_url_keeps_polling(
    hass: HomeAssistant,
    ha_client: TestClient,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Without a callback URL for the key, a repair explains what to set."""
    coordinator = init_integration.runtime_data
    assert not coordinator.push.healthy
    assert _callback_issue_url(issue_registry, init_integration).endswith(
        "/api/webhook/" + init_integration.data["webhook_id"]
    )


@pytest.mark.parametrize("status", [400, 503])
async def test_subscribe_failure_keeps_polling(
    hass: HomeAssistant,
    ha_client: TestClient,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    issue_registry: ir.IssueRegistry,
    status: int,
) -> None:
    """A failed subscription leaves polling in charge, without a repair issue."""
    simulator.callback_url = str(ha_client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    simulator.inject(
        Fault(method="POST", path=r".*/subscription", status=status, times=0)
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass, simulator)

    coordinator = config_entry.runtime_data
    assert not coordinator.push.healthy
    assert not coordinator.push.subscriptions.active
    assert coordinator.update_interval is not None
    assert not issue_registry.issues


async def test_renewal_and_regroup_failures_are_logged(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Subscription errors after setup are logged and do not break anything."""
    coordinator = push_integration.runtime_data
    simulator.inject(Fault(method="POST", path=r".*/subscription", status=500, times=0))
    await coordinator.push._async_renew(dt_util.utcnow())
    assert "Could not renew Sonos event subscriptions" in caplog.text

    simulator.external_regroup([LIVING_ROOM, KITCHEN])
    await settle(hass, simulator)
    assert hass.states.get(KITCHEN_ENTITY).attributes["group_members"] == [
        LIVING_ROOM_ENTITY,
        KITCHEN_ENTITY,
    ]


async def test_watchdog_leaves_quiet_idle_system_alone(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Silence while nothing plays is normal and keeps push mode."""
    coordinator = push_integration.runtime_data
    for group_id in list(simulator.model.groups):
        simulator.set_playback_state(group_id, "PLAYBACK_STATE_PAUSED")
    await settle(hass, simulator)
    freezer.tick(timedelta(hours=1))

    await coordinator.push._async_check(dt_util.utcnow())

    assert coordinator.push.healthy


async def test_announcement_outcome_event(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """When Sonos reports our clip finished, automations get an event."""
    events = async_capture_events(hass, "sonos_cloud_announcement")
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            "entity_id": KITCHEN_ENTITY,
            "media_content_id": "CHIME",
            "media_content_type": "music",
            "announce": True,
        },
        blocking=True,
    )
    clip = simulator.model.clips[KITCHEN][-1]
    await settle(hass, simulator)
    assert events == []  # still playing

    simulator.finish_clip(KITCHEN, clip.id, status="ERROR", error_code="ERROR_X")
    await settle(hass, simulator)

    assert [event.data for event in events] == [
        {
            "entity_id": KITCHEN_ENTITY,
            "player_id": KITCHEN,
            "clip_id": clip.id,
            "status": "ERROR",
            "error_code": "ERROR_X",
        }
    ]
    assert push_integration.runtime_data.announcements.playing_on(KITCHEN) is None


async def test_event_writes_only_the_changed_room(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """A volume change of one room writes that room's state only.

    ``last_reported`` moves on every write, even an identical one.
    """
    before = {
        entity_id: hass.states.get(entity_id).last_reported
        for entity_id in hass.states.async_entity_ids("media_player")
    }
    simulator.set_player_volume(KITCHEN, 7)
    await settle(hass, simulator)

    changed = {
        entity_id
        for entity_id, updated in before.items()
        if hass.states.get(entity_id).last_reported != updated
    }
    assert changed == {KITCHEN_ENTITY}


async def test_an_hour_of_events_costs_no_polling(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """With events flowing, a simulated hour sends no request for what they bring.

    Only what Sonos does not push is read, on its slow schedule.
    """
    start = dt_util.utcnow()
    for minute in range(5, 65, 5):
        simulator.set_player_volume(KITCHEN, minute)
        await settle(hass, simulator)
        async_fire_time_changed(hass, start + timedelta(minutes=minute))
        await hass.async_block_till_done(wait_background_tasks=True)
        assert hass.states.get(KITCHEN_ENTITY).attributes["volume_level"] == (
            minute / 100
        )
    paths = {r.path for r in simulator.control_requests()}
    assert paths == {f"/players/{LIVING_ROOM}/homeTheater/options"}
    assert len(simulator.control_requests()) == 12


async def test_quiet_system_is_resynced(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
) -> None:
    """Long silence with nothing playing re-reads the system once."""
    coordinator = push_integration.runtime_data
    for group_id in list(simulator.model.groups):
        simulator.set_playback_state(group_id, "PLAYBACK_STATE_PAUSED")
    await settle(hass, simulator)
    simulator.clear_requests()
    freezer.tick(timedelta(hours=1))

    await coordinator.push._async_check(dt_util.utcnow())
    await hass.async_block_till_done()
    assert any(r.path == "/households" for r in simulator.control_requests())
    assert coordinator.push.healthy

    simulator.clear_requests()
    await coordinator.push._async_check(dt_util.utcnow())
    await hass.async_block_till_done()
    assert simulator.control_requests() == []


class CloudNotAvailable(Exception):  # noqa: N818  (the real name)
    """Stand-in of Home Assistant Cloud's error of the same name."""


class CloudNotConnected(CloudNotAvailable):
    """Stand-in of Home Assistant Cloud's error of the same name."""


class FakeCloud(ModuleType):
    """Home Assistant Cloud as the integration sees it: four functions.

    The real module needs Nabu Casa's service and imports half of Home
    Assistant's voice stack, so it can run in neither the tests nor CI. This
    keeps cloudhooks like it does: one per webhook id, made once, refused
    while not connected, ``ValueError`` for deleting one that is not there.
    """

    CloudNotAvailable = CloudNotAvailable
    CloudNotConnected = CloudNotConnected

    def __init__(self) -> None:
        super().__init__("homeassistant.components.cloud")
        self.subscribed = True
        self.connected = True
        self.hooks: dict[str, str] = {}
        self.created: list[str] = []

    def async_active_subscription(self, hass: HomeAssistant) -> bool:
        return self.subscribed

    async def async_get_or_create_cloudhook(
        self, hass: HomeAssistant, webhook_id: str
    ) -> str:
        if not self.connected:
            raise CloudNotConnected
        if webhook_id not in self.hooks:
            self.hooks[webhook_id] = (
                f"https://hooks.nabu.casa/{len(self.hooks)}-made-up"
            )
            self.created.append(webhook_id)
        return self.hooks[webhook_id]

    async def async_delete_cloudhook(
        self, hass: HomeAssistant, webhook_id: str
    ) -> None:
        if not self.connected:
            raise CloudNotAvailable
        if webhook_id not in self.hooks:
            raise ValueError("Hook is not enabled for the cloud.")
        del self.hooks[webhook_id]


@pytest.fixture
def cloud(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> FakeCloud:
    """Home Assistant Cloud loaded and subscribed (see ``FakeCloud``)."""
    fake = FakeCloud()
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake)
    monkeypatch.setattr(homeassistant.components, "cloud", fake, raising=False)
    hass.config.components.add("cloud")
    return fake


async def test_cloudhook_becomes_the_callback_url(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: FakeCloud,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """With Home Assistant Cloud the repair names the cloudhook, kept in the entry."""
    hook_url = cloud.hooks[WEBHOOK_ID]
    assert init_integration.data["cloudhook_url"] == hook_url
    assert _callback_issue_url(issue_registry, init_integration) == hook_url

    # The user entered that URL at Sonos: later starts keep it, even offline.
    cloud.connected = False
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _callback_issue_url(issue_registry, init_integration) == hook_url
    assert cloud.created == [WEBHOOK_ID]


@pytest.mark.parametrize(
    ("connected", "subscribed"), [(False, True), (True, False)], ids=["offline", "none"]
)
async def test_no_cloudhook_without_connected_subscription(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: FakeCloud,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    issue_registry: ir.IssueRegistry,
    connected: bool,
    subscribed: bool,
) -> None:
    """Cloud not connected yet, or no subscription: Home Assistant's own URL."""
    cloud.connected, cloud.subscribed = connected, subscribed
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert "cloudhook_url" not in config_entry.data
    assert cloud.hooks == {}
    url = _callback_issue_url(issue_registry, config_entry)
    assert url.endswith(f"/api/webhook/{WEBHOOK_ID}")


@pytest.mark.parametrize("still_there", [True, False])
async def test_removing_the_entry_deletes_its_cloudhook(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: FakeCloud,
    init_integration: MockConfigEntry,
    still_there: bool,
) -> None:
    """The cloudhook goes with the entry; one already gone is no error."""
    if not still_there:
        cloud.hooks.clear()
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert cloud.hooks == {}


async def test_removing_while_cloud_is_offline(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: FakeCloud,
    init_integration: MockConfigEntry,
) -> None:
    """Home Assistant Cloud offline at removal: the entry still goes."""
    cloud.connected = False
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert hass.config_entries.async_get_entry(init_integration.entry_id) is None


async def test_removing_an_entry_without_cloudhook_leaves_cloud_alone(
    hass: HomeAssistant,
    ha_client: TestClient,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No cloudhook was made (no Home Assistant Cloud then): nothing to delete."""
    fake = FakeCloud()
    fake.hooks[WEBHOOK_ID] = "https://hooks.nabu.casa/someone-elses"
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake)
    monkeypatch.setattr(homeassistant.components, "cloud", fake, raising=False)
    hass.config.components.add("cloud")
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert WEBHOOK_ID in fake.hooks


async def test_events_that_never_arrive_raise_a_repair(
    hass: HomeAssistant,
    ha_client: TestClient,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Subscribed, but the key's callback URL points elsewhere: say so, keep polling.

    Once the URL is right, the first event clears the repair.
    """
    simulator.callback_url = "http://127.0.0.1:9/nowhere"  # discard port: refused
    simulator.event_retry_delay = 0
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass, simulator)
    coordinator = config_entry.runtime_data
    assert simulator.subscriptions
    assert not coordinator.push.healthy
    issue_id = f"events_not_arriving_{config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    for _ in range(2):  # two watchdog periods: one repair, one warning
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(minutes=5, seconds=1)
        )
        await hass.async_block_till_done()

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "events_not_arriving"
    assert issue.translation_placeholders["url"].endswith(f"/api/webhook/{WEBHOOK_ID}")
    assert caplog.text.count("none arrived") == 1
    assert coordinator.update_interval is not None  # still polling

    simulator.callback_url = str(ha_client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    simulator.set_player_volume(KITCHEN, 33)
    await settle(hass, simulator)

    assert coordinator.push.healthy
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("url", "reachable"),
    [
        ("https://hooks.nabu.casa/abc", True),
        ("https://203.0.113.10/api/webhook/x", False),  # documentation range
        ("https://8.8.8.8/api/webhook/x", True),
        ("http://home.example.org/api/webhook/x", False),
        ("https://192.168.1.5:8123/api/webhook/x", False),
        ("https://[::1]/api/webhook/x", False),
        ("https://homeassistant.local:8123/api/webhook/x", False),
        ("https://localhost/api/webhook/x", False),
        ("/api/webhook/x", False),
    ],
)
def test_reachable_from_internet(url: str, reachable: bool) -> None:
    """Only HTTPS to a host on the internet can receive Sonos events."""
    assert reachable_from_internet(url) is reachable
