"""Push events: keep Sonos subscribed, watch that events arrive, say when to poll.

Sonos POSTs changes to the API key's callback URL once subscribed. Nothing is
polled while events arrive and every target has a live subscription; anything
else (a failed subscription, lapsed ones, silence during playback) brings the
polling back until push covers everything again.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util

from .api import PlaybackState, SonosCloudClient, SonosError, namespaces as ns
from .const import (
    CONF_PUSH_WORKED,
    DOMAIN,
    FIRST_EVENTS_WAIT,
    LOGGER,
    PUSH_RESYNC_INTERVAL,
    PUSH_SILENCE_LIMIT,
    PUSH_WATCHDOG_INTERVAL,
    SUBSCRIPTION_RENEWAL,
    UNPUSHED_READ_INTERVAL,
)
from .subscriptions import (
    CallbackURLMissingError,
    SubscriptionManager,
    subscription_store,
)
from .webhook import reachable_from_internet

if TYPE_CHECKING:
    from .coordinator import SonosCloudCoordinator


class PushEvents:
    """Subscriptions, their renewal and retries, and the watchdog over events."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: SonosCloudCoordinator,
        client: SonosCloudClient,
    ) -> None:
        """Start with push off: the coordinator polls until events arrive."""
        self._hass = hass
        self._coordinator = coordinator
        self.subscriptions = SubscriptionManager(
            client, subscription_store(hass, coordinator.config_entry.entry_id)
        )
        # Events arrive: with every target subscribed, polling only re-syncs.
        self.healthy = False
        self.last_event_at: datetime | None = None
        self._last_resync_at: datetime | None = None
        self._started = False
        # Where Sonos should send events, for the repair issues that name it.
        self._callback_url = ""
        self._cancel_retry: Callable[[], None] | None = None

    @property
    def covers_everything(self) -> bool:
        """Whether events alone keep the snapshot fresh."""
        return (
            self._started
            and self.healthy
            and self.subscriptions.covers(self._coordinator.data)
        )

    @property
    def covered(self) -> frozenset[tuple[str, str]]:
        """Return the subscriptions whose events arrive now (none while failing)."""
        if not (self._started and self.healthy):
            return frozenset()
        return self.subscriptions.active

    async def async_start(self, callback_url: str) -> None:
        """Subscribe to events; keep polling when Sonos has no callback URL."""
        entry = self._coordinator.config_entry
        issue_id = f"callback_not_configured_{entry.entry_id}"
        try:
            await self.subscriptions.async_sync(self._coordinator.data)
        except CallbackURLMissingError:
            LOGGER.info("The Sonos API key has no event callback URL; polling")
            self._remember(working=False)
            if self._coordinator.lean_setup:
                await self._coordinator.async_refresh()
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=(
                    "callback_not_configured"
                    if reachable_from_internet(callback_url)
                    else "callback_url_not_public"
                ),
                translation_placeholders={"url": callback_url},
            )
            return
        ir.async_delete_issue(self._hass, DOMAIN, issue_id)
        self._started = True
        self._callback_url = callback_url
        # Renewal, retries and the watchdog run while any subscription may
        # exist, even when some failed: those are retried and polled meanwhile.
        entry.async_on_unload(self._async_stop)
        entry.async_on_unload(
            async_track_time_interval(
                self._hass, self._async_renew, SUBSCRIPTION_RENEWAL
            )
        )
        entry.async_on_unload(
            async_track_time_interval(
                self._hass, self._async_check, PUSH_WATCHDOG_INTERVAL
            )
        )
        entry.async_on_unload(
            async_track_time_interval(
                self._hass, self._async_read_unpushed, UNPUSHED_READ_INTERVAL
            )
        )
        if self._coordinator.lean_setup:
            entry.async_on_unload(
                async_call_later(
                    self._hass, FIRST_EVENTS_WAIT, self._async_first_events_due
                )
            )
        self._after_sync()

    async def _async_first_events_due(self, _now: datetime) -> None:
        """At a lean setup no event came: read everything, and poll meanwhile."""
        if self.last_event_at is not None:
            return
        LOGGER.info("No Sonos events since subscribing; reading the state instead")
        self._remember(working=False)
        await self._coordinator.async_refresh()

    async def _async_read_unpushed(self, _now: datetime) -> None:
        """Re-read what Sonos does not push while nothing is polled."""
        if self.covers_everything:
            await self._coordinator.async_read_unpushed()

    @callback
    def _remember(self, *, working: bool) -> None:
        """Keep with the entry whether events arrive, for a lean next setup."""
        entry = self._coordinator.config_entry
        if entry.data.get(CONF_PUSH_WORKED) != working:
            self._hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_PUSH_WORKED: working}
            )

    async def _async_stop(self) -> None:
        self._started = False
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        await self.subscriptions.async_unsubscribe_all()

    @callback
    def async_event_arrived(self) -> None:
        """Note a verified event; stop polling once push covers everything."""
        if self.last_event_at is None:
            ir.async_delete_issue(self._hass, DOMAIN, self._events_issue_id)
            self._remember(working=True)
        self.last_event_at = dt_util.utcnow()
        if not self.healthy:
            LOGGER.info("Sonos events arrive")
            self.healthy = True
            self._coordinator.async_follow_push()

    async def async_sync(self) -> None:
        """Subscribe what a new snapshot brings (new groups, players)."""
        if not self._started:
            return
        try:
            await self.subscriptions.async_sync(self._coordinator.data)
        except SonosError as err:
            LOGGER.debug("Could not subscribe to new targets: %s", err)
        self._after_sync()

    async def _async_renew(self, _now: datetime) -> None:
        """Subscribe everything again, which extends each subscription."""
        try:
            await self.subscriptions.async_sync(self._coordinator.data, renew=True)
        except SonosError as err:
            LOGGER.warning("Could not renew Sonos event subscriptions: %s", err)
        if failed := self.subscriptions.failed:
            LOGGER.warning(
                "Could not renew Sonos event subscriptions (%s of them); retrying",
                len(failed),
            )
        self._after_sync()

    @callback
    def _after_sync(self) -> None:
        """Plan the next retry and let the coordinator poll what push misses."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        if (retry_at := self.subscriptions.next_retry) is not None:
            delay = max(0.0, (retry_at - dt_util.utcnow()).total_seconds())
            self._cancel_retry = async_call_later(self._hass, delay, self._async_retry)
        self._coordinator.async_follow_push()

    async def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        await self.async_sync()

    async def _async_check(self, _now: datetime) -> None:
        """Watch the events: poll when they stopped, re-sync when all is quiet.

        While events flow nothing is polled. Sonos sends no events while a
        track simply progresses, but a playing group changes track every few
        minutes: long silence then means events are lost, so polling takes
        over until they return. A system quiet for long is re-read once in a
        while, because Sonos keeps no backlog of events it failed to deliver.
        Subscriptions that lapsed without renewal are polled too.
        """
        self._coordinator.async_follow_push()
        if self.last_event_at is None:
            self._async_report_missing_events()
            return
        if not self.healthy:
            return
        now = dt_util.utcnow()
        quiet_since = max(
            self.last_event_at, self._last_resync_at or self.last_event_at
        )
        playing = any(
            status.state is PlaybackState.PLAYING
            for status in self._coordinator.data.values_of(ns.PLAYBACK).values()
        )
        if playing and now - self.last_event_at > PUSH_SILENCE_LIMIT:
            LOGGER.info("No Sonos events for a while during playback; polling")
            self.healthy = False
            self._coordinator.async_follow_push()
            await self._coordinator.async_request_refresh()
        elif now - quiet_since > PUSH_RESYNC_INTERVAL:
            self._last_resync_at = now
            await self._coordinator.async_request_refresh()

    @property
    def _events_issue_id(self) -> str:
        return f"events_not_arriving_{self._coordinator.config_entry.entry_id}"

    @callback
    def _async_report_missing_events(self) -> None:
        """Raise a repair: subscribed, yet not even the first event came.

        Sonos sends the current state right after each subscription, so a
        watchdog period of silence means the key's callback URL points
        elsewhere or cannot be reached. Polling goes on meanwhile. The URL is
        only shown in the repair: its webhook id is the endpoint's one secret.
        """
        registry = ir.async_get(self._hass)
        if registry.async_get_issue(DOMAIN, self._events_issue_id) is not None:
            return
        LOGGER.warning(
            "Subscribed to Sonos events, but none arrived at the callback URL "
            "shown in the repair issue"
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._events_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="events_not_arriving",
            translation_placeholders={"url": self._callback_url},
        )
