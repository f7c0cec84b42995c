"""Shared fixtures: a Sonos cloud simulator on 127.0.0.1 and a linked account."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from aiohttp.test_utils import TestClient, TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.sonos_cloud.api import event_signature
from custom_components.sonos_cloud.const import CONFIG_ENTRY_VERSION, DOMAIN
from custom_components.sonos_cloud.endpoints import ROOT_URL_ENV

from .contract.checker import ContractChecker
from .simulator import SonosCloudSimulator

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
HOUSEHOLD_ID = "Sonos_DemoHousehold0000000000000.Demo00000000000000001"
LIVING_ROOM = "RINCON_38420B1A2C3D01400"
KITCHEN = "RINCON_48A6B8F0E1D201400"
BEDROOM = "RINCON_7828CA0F9A8801400"
WEBHOOK_ID = "sonos-cloud-test-webhook"

# The Home Assistant release the entity snapshots are recorded with.
SNAPSHOT_HA = (2026, 10)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --update-screenshot: the end-to-end run retakes the README's picture."""
    parser.addoption(
        "--update-screenshot",
        action="store_true",
        help="save the dashboard test's screenshot as docs/images/dashboard.png",
    )


def pytest_configure(config: pytest.Config) -> None:
    """On older Home Assistant, snapshots of skipped tests are not stale."""
    if (MAJOR_VERSION, MINOR_VERSION) < SNAPSHOT_HA:
        if config.option.update_snapshots:
            raise pytest.UsageError("update snapshots with requirements_test.txt")
        config.option.warn_unused_snapshots = True


def get_device(
    device_registry: dr.DeviceRegistry, player_id: str, entry_id: str
) -> dr.DeviceEntry | None:
    """Return the entry's device of a player, on every supported Home Assistant.

    async_get_device_by_identifier is newer than 2026.3, and the older
    async_get_device is deprecated since.
    """
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(device_registry, entry_id)
            if (DOMAIN, player_id) in device.identifiers
        ),
        None,
    )


async def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry_id: str,
) -> None:
    """Compare the entry's entities and states with their snapshots.

    Older Home Assistant releases write registry entries and state attributes in
    another layout, so there the test ends here as skipped.
    """
    if (MAJOR_VERSION, MINOR_VERSION) < SNAPSHOT_HA:
        major, minor = SNAPSHOT_HA
        pytest.skip(f"entity snapshots are from Home Assistant {major}.{minor}")
    await snapshot_platform(hass, entity_registry, snapshot, entry_id)


async def setup_platform(
    hass: HomeAssistant, entry: MockConfigEntry, platform: Platform
) -> None:
    """Set up the entry with only one of its platforms, for entity snapshots."""
    entry.add_to_hass(hass)
    with patch("custom_components.sonos_cloud.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Store snapshots in the Home Assistant format."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """Return constructor options of the simulator; override per test."""
    return {}


@pytest.fixture
def with_demo_household() -> bool:
    """Whether the simulated account has the three demo rooms."""
    return True


def watch_contract(
    sim: SonosCloudSimulator, *, strict_requests: bool = True
) -> ContractChecker:
    """Check every exchange and event of ``sim`` against Sonos' contract."""
    checker = ContractChecker.load(strict_requests=strict_requests)
    sim.request_listeners.append(checker.on_exchange)
    sim.event_listeners.append(checker.on_event)
    return checker


def fail_on_violations(checker: ContractChecker, node: pytest.Item) -> None:
    """Fail the test (at teardown) if anything broke the contract.

    A test that feeds the simulator off-contract data on purpose says so with
    ``@pytest.mark.off_contract("why")``.
    """
    if checker.violations and node.get_closest_marker("off_contract") is None:
        pytest.fail(checker.report(), pytrace=False)


@pytest.fixture
async def simulator(
    socket_enabled: None,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    simulator_options: dict[str, Any],
    with_demo_household: bool,
) -> AsyncIterator[SonosCloudSimulator]:
    """Serve the Sonos cloud simulator and point the integration at it.

    Every request the integration sends and every response and event of the
    simulator is checked against Sonos' contract; violations fail the test.
    """
    sim = SonosCloudSimulator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **simulator_options
    )
    checker = watch_contract(sim)
    if with_demo_household:
        sim.add_demo_household()
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setenv(ROOT_URL_ENV, str(server.make_url("")).rstrip("/"))
    yield sim
    await server.close()
    fail_on_violations(checker, request.node)


@pytest.fixture
async def setup_credentials(hass: HomeAssistant) -> None:
    """Add the test client id and secret as application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@pytest.fixture
def token_expires_at() -> float:
    """When the stored access token expires; override to test refreshes."""
    return time.time() + 3600


@pytest.fixture
def config_entry(
    simulator: SonosCloudSimulator, token_expires_at: float
) -> MockConfigEntry:
    """Return a linked Sonos account whose token the simulator accepts."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Sonos",
        unique_id=HOUSEHOLD_ID,
        version=CONFIG_ENTRY_VERSION,
        data={
            "auth_implementation": DOMAIN,
            "token": {**simulator.issue_tokens(), "expires_at": token_expires_at},
            "webhook_id": WEBHOOK_ID,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> MockConfigEntry:
    """Set up the integration with the demo household and forget setup requests."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.clear_requests()
    return config_entry


@pytest.fixture
async def ha_client(
    hass: HomeAssistant,
    setup_credentials: None,
    hass_client_no_auth: ClientSessionGenerator,
) -> TestClient:
    """Serve Home Assistant's HTTP API on 127.0.0.1 so Sonos events can reach it.

    Everything that registers HTTP views is set up first: the server's routes
    are fixed once it runs.
    """
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "diagnostics", {})
    assert await async_setup_component(hass, "media_player", {})
    return await hass_client_no_auth()


@pytest.fixture
async def push_integration(
    hass: HomeAssistant,
    ha_client: TestClient,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    simulator: SonosCloudSimulator,
) -> MockConfigEntry:
    """Set up with the key's callback URL pointing at Home Assistant's webhook."""
    send_events_to(simulator, ha_client)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass, simulator)
    simulator.clear_requests()
    return config_entry


async def later(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **delta: float
) -> None:
    """Let time pass for Home Assistant's timers and the simulator alike."""
    freezer.tick(timedelta(**delta))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)


async def settle(hass: HomeAssistant, simulator: SonosCloudSimulator) -> None:
    """Let Home Assistant and the simulator finish what they started, events too."""
    await hass.async_block_till_done()
    await simulator.drain_events()
    await hass.async_block_till_done()


def signed_event_headers(
    seq: int | str,
    namespace: str,
    event_type: str,
    target_type: str,
    target: str,
    household: str = HOUSEHOLD_ID,
) -> dict[str, str]:
    """Return the headers of an event Sonos signed with the test key.

    The sequence id is sent as given, so tests can sign malformed ones too.
    """
    values = (str(seq), namespace, event_type, target_type, target)
    return {
        "X-Sonos-Event-Seq-Id": values[0],
        "X-Sonos-Namespace": namespace,
        "X-Sonos-Type": event_type,
        "X-Sonos-Target-Type": target_type,
        "X-Sonos-Target-Value": target,
        "X-Sonos-Household-Id": household,
        "X-Sonos-Event-Signature": event_signature(values, CLIENT_ID, CLIENT_SECRET),
    }


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default as enabled, for snapshots."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


def send_events_to(simulator: SonosCloudSimulator, ha_client: TestClient) -> None:
    """Enter Home Assistant's webhook as the key's callback URL, as a user does.

    Failed deliveries are retried at once, so tests need not wait.
    """
    simulator.callback_url = str(ha_client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    simulator.event_retry_delay = 0
