"""Local events: the players' own websockets, next to the cloud webhook.

The cloud's groups answer names each player's ``websocketUrl``. For every
player whose URL is in the home network (``api.local.local_websocket_url``)
one socket is kept open; it subscribes to what that player can serve: its
volume and audio clips, playback, metadata and group volume of the groups it
coordinates, and, on one player per household, the household's groups,
favorites and playlists. Events go through ``coordinator.async_handle_event``
like the webhook's, so the snapshot cannot tell where an event came from.

What healthy sockets serve counts as covered (``covered``): while cloud push
and local events together cover every target, nothing is polled. A socket
that fails stops covering at once, so polling (or cloud push) takes over,
and a refresh is asked for when nothing else covers its targets.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval

from .api import (
    AccessTokenProvider,
    SonosError,
    SonosEvent,
    SonosInvalidResponseError,
    decode_event,
    namespaces as ns,
)
from .api.local import local_websocket_url
from .changes import TOPOLOGY
from .const import CONF_LOCAL_EVENTS, LOGGER, UNPUSHED_READ_INTERVAL
from .local_certificates import CertificatePins, certificate_store
from .local_link import LocalLink, LocalSubscription
from .state import SonosCloudData
from .subscriptions import Subscription, wanted_subscriptions

if TYPE_CHECKING:
    from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator

_NAMESPACES = {namespace.name: namespace for namespace in ns.ALL}
HOUSEHOLD_NAMESPACES = (ns.GROUPS.name, ns.FAVORITES.name, ns.PLAYLISTS.name)
GROUP_NAMESPACES = (ns.PLAYBACK.name, ns.METADATA.name, ns.GROUP_VOLUME.name)


def cloud_subscription(item: LocalSubscription) -> Subscription:
    """Return the cloud subscription a local one stands for."""
    namespace, target = item
    return _NAMESPACES[namespace].target_path(target), namespace


def served_by(data: SonosCloudData, player_id: str) -> set[LocalSubscription]:
    """Return what a player's own socket can serve, households aside."""
    player = data.players[player_id]
    served = {("playerVolume", player_id)}
    if player.has_audio_clip:
        served.add(("audioClip", player_id))
    for group in data.groups.values():
        if group.coordinator_id == player_id:
            served.update((namespace, group.id) for namespace in GROUP_NAMESPACES)
    return served


def events_cover_everything(coordinator: SonosCloudCoordinator) -> bool:
    """Whether cloud push and local events together keep the snapshot fresh."""
    data: SonosCloudData | None = coordinator.data
    if data is None:
        return False
    covered = coordinator.push.covered | coordinator.local_events.covered
    return wanted_subscriptions(data) <= covered


class LocalEvents:
    """Every player's local socket; off until ``async_start``."""

    def __init__(self, hass: HomeAssistant, coordinator: SonosCloudCoordinator) -> None:
        """Start with no sockets."""
        self._hass = hass
        self._coordinator = coordinator
        self.enabled = False
        self.links: dict[str, LocalLink] = {}
        self.certificates = CertificatePins(
            certificate_store(hass, coordinator.config_entry.entry_id)
        )
        self._connection: Any = None
        self._covered: frozenset[Subscription] = frozenset()

    @property
    def covered(self) -> frozenset[Subscription]:
        """Return the cloud subscriptions healthy sockets stand in for."""
        return self._covered

    async def async_start(self, api_key: str, tokens: AccessTokenProvider) -> None:
        """Open the sockets, unless the options turned local events off."""
        entry: SonosCloudConfigEntry = self._coordinator.config_entry
        entry.async_on_unload(entry.add_update_listener(self._async_options_updated))
        if not entry.options.get(CONF_LOCAL_EVENTS, True):
            return
        self.enabled = True
        await self.certificates.async_load()
        entry.async_on_unload(self.certificates.async_save)  # after _async_stop
        self._connection = (async_get_clientsession(self._hass), api_key, tokens)
        entry.async_on_unload(self._async_stop)
        entry.async_on_unload(
            self._coordinator.async_add_listener(self._async_follow, TOPOLOGY)
        )
        entry.async_on_unload(
            async_track_time_interval(
                self._hass, self._async_read_unpushed, UNPUSHED_READ_INTERVAL
            )
        )
        self._async_follow()

    async def _async_read_unpushed(self, _now: datetime) -> None:
        """Re-read what Sonos sends no events for, as nothing is polled.

        Cloud push does it itself when it alone covers everything.
        """
        if events_cover_everything(self._coordinator) and not (
            self._coordinator.push.covers_everything
        ):
            await self._coordinator.async_read_unpushed()

    async def _async_options_updated(
        self, hass: HomeAssistant, entry: SonosCloudConfigEntry
    ) -> None:
        if entry.options.get(CONF_LOCAL_EVENTS, True) != self.enabled:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    async def _async_stop(self) -> None:
        """Close every socket (the entry unloads)."""
        self.enabled = False
        links, self.links = self.links, {}
        for link in links.values():
            await link.async_close()
        self._covered = frozenset()

    @callback
    def _async_follow(self) -> None:
        """Follow the topology: sockets for new players, subscriptions for groups."""
        if not self.enabled:
            return
        data = self._coordinator.data
        urls = {
            player_id: url
            for player_id, player in data.players.items()
            if (url := local_websocket_url(player.websocket_url)) is not None
        }
        for player_id, link in list(self.links.items()):
            if urls.get(player_id) != link.url:
                del self.links[player_id]
                self._coordinator.config_entry.async_create_background_task(
                    self._hass, link.async_close(), "sonos_cloud local close"
                )
        for player_id, url in urls.items():
            if player_id not in self.links:
                self._start_link(player_id, url)
        holders = self._household_holders(data)
        for player_id, link in self.links.items():
            wanted = served_by(data, player_id)
            for household_id in holders.get(player_id, ()):
                wanted.update(
                    (namespace, household_id) for namespace in HOUSEHOLD_NAMESPACES
                )
            if link.async_want(frozenset(wanted)):
                self._coordinator.config_entry.async_create_background_task(
                    self._hass, self._async_resync(link), "sonos_cloud local sync"
                )
        self._update_coverage()

    def _start_link(self, player_id: str, url: str) -> None:
        link = LocalLink(
            self._hass,
            player_id,
            url,
            connection=self._connection,
            on_event=self._on_event,
            on_change=self._async_link_changed,
            certificates=self.certificates,
        )
        self.links[player_id] = link
        # Cancelled with the entry: a link runs until it is unloaded.
        self._coordinator.config_entry.async_create_background_task(
            self._hass, link.async_run(), f"sonos_cloud local {player_id}"
        )

    def _household_holders(self, data: SonosCloudData) -> dict[str, list[str]]:
        """Pick one socket per household for its groups: a connected one first."""
        holders: dict[str, list[str]] = {}
        for household_id in data.households:
            candidates = sorted(
                player_id
                for player_id in self.links
                if data.player_households.get(player_id) == household_id
            )
            if not candidates:
                continue
            holder = next(
                (p for p in candidates if self.links[p].connected), candidates[0]
            )
            holders.setdefault(holder, []).append(household_id)
        return holders

    async def _async_resync(self, link: LocalLink) -> None:
        try:
            await link.async_sync()
        except SonosError:
            # The link's own loop reports the failure and reconnects.
            await link.async_close()

    @callback
    def _on_event(self, event: SonosEvent) -> None:
        try:
            decoded = decode_event(event)
        except SonosInvalidResponseError as err:
            LOGGER.debug("Ignoring local %s event: %s", event.type, err)
            return
        if decoded is not None:
            self._coordinator.async_handle_event(decoded, via_cloud=False)

    @callback
    def _async_link_changed(self) -> None:
        """Follow a socket that came up, went down or changed its subscriptions."""
        if self.enabled:
            # The household's groups may have to move to another socket.
            self._async_follow()

    @callback
    def _update_coverage(self) -> None:
        covered = frozenset(
            cloud_subscription(item)
            for link in self.links.values()
            if link.connected
            for item in link.subscribed
        )
        lost = bool(self._covered - covered)
        if covered == self._covered:
            return
        self._covered = covered
        self._coordinator.async_follow_push()
        if lost and not events_cover_everything(self._coordinator):
            # Events may have been missed: read the state now, not in 30 s.
            self._coordinator.config_entry.async_create_task(
                self._hass,
                self._coordinator.async_request_refresh(),
                "sonos_cloud local fallback",
            )

    def diagnostics(self) -> dict[str, Any]:
        """Return per player how its state arrives, without secrets."""
        data = self._coordinator.data
        push = self._coordinator.push.covered
        trusted, changed = self.certificates.trusted, self.certificates.changed
        players: dict[str, Any] = {}
        for player_id, player in data.players.items():
            needs = {("playerVolume", player_id)}
            if player.has_audio_clip:
                needs.add(("audioClip", player_id))
            if (group := data.group_of(player_id)) is not None:
                needs.update((namespace, group.id) for namespace in GROUP_NAMESPACES)
            wanted = {cloud_subscription(item) for item in needs}
            link = self.links.get(player_id)
            if wanted <= self._covered:
                transport = "local"
            elif wanted <= self._covered | push:
                transport = "cloud push"
            else:
                transport = "polling"
            players[player_id] = {
                "transport": transport,
                "websocket": (
                    None
                    if link is None
                    else {
                        "connected": link.connected,
                        "attempts": link.attempts,
                        "failures": link.failures,
                        "token_required": link.token_required,
                        "certificate_sha256": self.certificates.pinned.get(player_id),
                        "certificate_changed": not trusted(player_id),
                        "previous_certificate_sha256": changed.get(player_id),
                        "subscriptions": len(link.subscribed),
                        # Of the open connection: whether the player is heard.
                        "frames_received": (
                            link.socket.received if link.socket is not None else 0
                        ),
                    }
                ),
            }
        return {"enabled": self.enabled, "players": players}
