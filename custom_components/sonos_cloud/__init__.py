"""Sonos speakers through the Sonos cloud Control API."""

from homeassistant.components.webhook import async_generate_id as generate_webhook_id
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, Platform, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    ImplementationUnavailableError,
    LocalOAuth2Implementation,
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .api import RequestPacer, SonosCloudClient
from .auth import OAuthTokenProvider
from .const import (
    CONF_PUSH_WORKED,
    CONFIG_ENTRY_VERSION,
    DOMAIN,
    LEGACY_UNIQUE_ID,
    LOGGER,
)
from .coordinator import (
    SonosCloudConfigEntry,
    SonosCloudCoordinator,
    account_unique_id,
)
from .endpoints import sonos_endpoints
from .entity import async_place_new_rooms, household_device_info
from .local_certificates import certificate_store
from .services import async_setup_services
from .subscriptions import subscription_store
from .webhook import SonosWebhook, async_delete_cloudhook, sequence_store

# Request pacers by API key (client id), shared by every entry and reload.
PACERS: HassKey[dict[str, RequestPacer]] = HassKey(f"{DOMAIN}_pacers")
PLATFORMS: list[Platform] = [
    Platform.EVENT,
    Platform.MEDIA_PLAYER,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's services."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SonosCloudConfigEntry) -> bool:
    """Connect the account and set up its players."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="oauth2_implementation_unavailable",
        ) from err
    session = OAuth2Session(hass, entry, implementation)
    tokens = OAuthTokenProvider(hass, entry, session)
    client = SonosCloudClient(
        async_get_clientsession(hass),
        tokens,
        base_url=sonos_endpoints().control_api_url,
        user_agent=f"HomeAssistant/{ha_version} {DOMAIN}",
        pacer=_pacer_of_key(hass, implementation),
    )
    coordinator = SonosCloudCoordinator(hass, entry, client)
    # Events worked last time: subscribing brings the state, no need to read it.
    coordinator.lean_setup = isinstance(
        implementation, LocalOAuth2Implementation
    ) and bool(entry.data.get(CONF_PUSH_WORKED))
    await coordinator.async_config_entry_first_refresh()
    if entry.unique_id == LEGACY_UNIQUE_ID:
        # Entries of the older integration were not tied to an account.
        hass.config_entries.async_update_entry(
            entry, unique_id=account_unique_id(coordinator.data.households)
        )
    entry.runtime_data = coordinator
    devices = dr.async_get(hass)
    known = {d.id for d in dr.async_entries_for_config_entry(devices, entry.entry_id)}
    for household in coordinator.data.households.values():
        # Before the rooms, which name their household as via_device.
        devices.async_get_or_create(
            config_entry_id=entry.entry_id, **household_device_info(household)
        )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_place_new_rooms(hass, entry, known)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    if isinstance(implementation, LocalOAuth2Implementation):
        await coordinator.local_events.async_start(implementation.client_id, tokens)
        await _async_start_push(hass, entry, coordinator, implementation)
    return True


async def _async_entry_updated(
    hass: HomeAssistant, entry: SonosCloudConfigEntry
) -> None:
    """Apply changed options without a reload."""
    entry.runtime_data.async_options_changed()


def _pacer_of_key(
    hass: HomeAssistant, implementation: AbstractOAuth2Implementation
) -> RequestPacer:
    """Return the request pacer of the entry's API key, made once per key.

    Sonos' spike limit counts per key: back-to-back reloads, or two accounts
    linked with one key, must not each start with a fresh burst.
    """
    key = getattr(implementation, "client_id", implementation.domain)
    return hass.data.setdefault(PACERS, {}).setdefault(key, RequestPacer())


async def _async_start_push(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    coordinator: SonosCloudCoordinator,
    implementation: LocalOAuth2Implementation,
) -> None:
    """Receive Sonos events on a webhook whose id survives restarts."""
    if (webhook_id := entry.data.get(CONF_WEBHOOK_ID)) is None:
        webhook_id = generate_webhook_id()
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
        )
    receiver = SonosWebhook(
        hass,
        webhook_id,
        implementation.client_id,
        implementation.client_secret,
        coordinator.async_handle_event,
        store=sequence_store(hass, entry.entry_id),
    )
    await receiver.async_load()
    entry.async_on_unload(receiver.async_save)  # runs after unregistering
    entry.async_on_unload(receiver.async_register())
    coordinator.push.subscriptions.on_subscribed = receiver.start_new_window
    await coordinator.push.async_start(await receiver.async_callback_url(entry))


async def async_migrate_entry(
    hass: HomeAssistant, entry: SonosCloudConfigEntry
) -> bool:
    """Take over entries of the older audio-clip-only sonos_cloud integration.

    Their data (implementation and token) has the layout this version uses, and
    their media players already use the player id as unique id, so entity ids
    and automations survive the upgrade. Entries of a newer version than this
    release writes are refused: Home Assistant 2026.3 leaves that to us.
    """
    if entry.version > CONFIG_ENTRY_VERSION:
        LOGGER.error(
            "Sonos Cloud entry has version %s, newer than this release supports",
            entry.version,
        )
        return False
    LOGGER.info("Migrating Sonos Cloud entry from version %s", entry.version)
    hass.config_entries.async_update_entry(entry, version=CONFIG_ENTRY_VERSION)
    return True


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SonosCloudConfigEntry, device: DeviceEntry
) -> bool:
    """Allow removing a device unless Sonos lists its player now.

    An entry that is not loaded (disabled, or its setup failed) knows no
    current player: its devices may go, and come back at the next setup if
    their players are still on the account.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return True
    players = entry.runtime_data.data.players
    return not any(
        domain == DOMAIN and player_id in players
        for domain, player_id in device.identifiers
    )


async def async_remove_entry(hass: HomeAssistant, entry: SonosCloudConfigEntry) -> None:
    """Delete the entry's Home Assistant Cloud webhook and what it stored."""
    await async_delete_cloudhook(hass, entry)
    await sequence_store(hass, entry.entry_id).async_remove()
    await subscription_store(hass, entry.entry_id).async_remove()
    await certificate_store(hass, entry.entry_id).async_remove()


async def async_unload_entry(hass: HomeAssistant, entry: SonosCloudConfigEntry) -> bool:
    """Unload the players."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
