"""Coordinator: fetches every household into one snapshot and runs commands."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .announcements import Announcements
from .api import (
    Group,
    Groups,
    NamespaceEvent,
    SonosAuthError,
    SonosCloudClient,
    SonosConnectionError,
    SonosError,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosServerError,
    SonosTargetGoneError,
    namespaces as ns,
)
from .budget import PollingBudget, share_option
from .changes import async_update_rooms, changed_rooms
from .const import (
    DOMAIN,
    LOGGER,
    MIN_POLL_INTERVAL,
)
from .devices import async_remove_stale_devices
from .fetch import SnapshotReader, polling_interval, requests_per_refresh
from .library import LibraryCache
from .local_events import LocalEvents, events_cover_everything
from .outage import OutageTracker
from .polling import PollingPlan, quick_reads
from .push import PushEvents
from .room_events import async_report_playback_error
from .state import SonosCloudData, UnconfirmedTopologyError
from .topology import TopologyConfirmation

# Re-exported for the benchmarks and tests, which read the budget here.
__all__ = ["SonosCloudCoordinator", "polling_interval", "requests_per_refresh"]

type SonosCloudConfigEntry = ConfigEntry[SonosCloudCoordinator]


def account_unique_id(household_ids: Iterable[str]) -> str:
    """Name a Sonos account by its households the same way on every link.

    Sonos tells nothing else about the account; household ids are stable per
    Sonos system, so the smallest one identifies the account.
    """
    return min(household_ids)


class SonosCloudCoordinator(DataUpdateCoordinator[SonosCloudData]):
    """Own the Control API client, the snapshot and the mapping of its errors."""

    config_entry: SonosCloudConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SonosCloudConfigEntry,
        client: SonosCloudClient,
    ) -> None:
        """Set up polling at the floor; each refresh re-sizes the interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=MIN_POLL_INTERVAL,
        )
        self.client = client
        self.library = LibraryCache(client)
        self.announcements = Announcements(hass, self)
        self.push = PushEvents(hass, self, client)
        self.local_events = LocalEvents(hass, self)
        self.budget = PollingBudget(share_option(self.config_entry.options))
        # How often to poll what events do not cover, and what each poll reads.
        self.polling = PollingPlan(self.budget)
        self._reader = SnapshotReader(client)
        self._outage = OutageTracker()
        self.cloud_available = True
        # When a refresh last succeeded (events: push.last_event_at).
        self.last_refresh_at: datetime | None = None
        self.topology = TopologyConfirmation(self)
        # A refresh the schedule started: it may read only the playing groups.
        self._scheduled_poll = False
        # Events worked at the last setup: the first refresh reads no pushed rows.
        self.lean_setup = False

    @override
    async def _handle_refresh_interval(self, _now: datetime | None = None) -> None:
        """Let a poll of the schedule be a quick one; any other reads everything."""
        self._scheduled_poll = True
        try:
            await super()._handle_refresh_interval(_now)
        finally:
            self._scheduled_poll = False

    @override
    async def _async_update_data(self) -> SonosCloudData:
        """Fetch households, groups, playback and volumes."""
        try:
            data = await self._async_fetch()
        except (
            SonosRateLimitedError,
            SonosConnectionError,
            SonosServerError,
            SonosInvalidResponseError,
        ) as err:
            self._outage.passing_failure()
            if self.update_interval is None:
                # With push the poll timer is off: ask for a retry; the next
                # good refresh turns the timer off again.
                self.update_interval = MIN_POLL_INTERVAL
            raise self._update_failed(err) from err
        except SonosError as err:
            self._outage.lasting_failure()
            raise self._update_failed(err) from err
        except UpdateFailed:
            self._outage.lasting_failure()
            raise
        self._outage.success()
        self.last_refresh_at = dt_util.utcnow()
        return data

    @callback
    @override
    def _async_refresh_finished(self) -> None:
        """Tell entities when the cloud counts as gone or back.

        Home Assistant notifies listeners on the first failure only; the one
        that confirms an outage comes later.
        """
        available = self.last_update_success or not self._outage.confirmed
        if available != self.cloud_available:
            self.cloud_available = available
            if not self.last_update_success:
                self.async_update_listeners()
        if self.last_update_success:
            # New group and player ids need their own subscriptions.
            self.config_entry.async_create_background_task(
                self.hass, self.push.async_sync(), "sonos_cloud subscribe"
            )
            self._async_refresh_library()

    @callback
    def _async_refresh_library(self) -> None:
        """Read favorites and playlists that are missing, old or changed."""
        if self.library.due(self.data.households):
            self.config_entry.async_create_task(
                self.hass,
                self.library.async_refresh(
                    self.data.households, self.async_update_listeners
                ),
                "sonos_cloud library",
            )

    @callback
    def async_options_changed(self) -> None:
        """Take a new budget share at once: re-size and re-plan the polling."""
        self.budget.configure(share_option(self.config_entry.options))
        self.polling.replan()
        if self.update_interval is not None and self.polling.full_requests:
            self.update_interval = self.polling.interval
            self._schedule_refresh()

    @callback
    def async_follow_push(self) -> None:
        """Poll only while push leaves something uncovered.

        Called whenever events start or stop arriving or subscriptions change.
        A pending retry of a failed refresh is left alone.
        """
        if events_cover_everything(self):
            if self.update_interval is not None and self.last_update_success:
                LOGGER.debug("Push covers everything; polling only to re-sync")
                self.update_interval = None
                self._unschedule_refresh()
        elif self.update_interval is None:
            LOGGER.debug("Push does not cover everything; polling")
            self.update_interval = self.polling.interval
            self._schedule_refresh()

    def _update_failed(self, err: SonosError) -> Exception:
        """Map a client error of a refresh to Home Assistant's."""
        if isinstance(err, SonosAuthError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            )
        if isinstance(err, SonosRateLimitedError):
            # Poll less for a while, and never retry sooner than that.
            self.budget.rate_limited(dt_util.utcnow())
            self.polling.replan()
            if self.update_interval is not None:
                self.update_interval = self.polling.interval
            normal = self.update_interval or MIN_POLL_INTERVAL
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=max(err.retry_after or 0, normal.total_seconds()),
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        )

    async def _async_fetch(self) -> SonosCloudData:
        covered = self._covered
        quick = self._scheduled_poll and self.data is not None
        reads = quick_reads(self.data, covered) if quick else []
        if reads and not self.polling.full_due():
            fetched = await self._reader.async_read_quick(self.data, reads)
            self.budget.succeeded(dt_util.utcnow())
            self.polling.quick_read(len(quick_reads(fetched.data, covered)))
            if not fetched.complete:
                self.polling.full_now()
        else:
            pushed = not self.lean_setup or self.data is not None
            fetched = await self._reader.async_read(self.data, pushed=pushed)
            self.budget.succeeded(dt_util.utcnow())
            self.polling.full_read(
                fetched.requests, len(quick_reads(fetched.data, covered))
            )
            if fetched.complete:
                # Sonos leaves out players it is unsure of during a regroup
                # ("partial"); only a complete answer proves a player is gone.
                async_remove_stale_devices(
                    self.hass,
                    self.config_entry.entry_id,
                    [*fetched.data.players, *fetched.data.households],
                )
        self.update_interval = self._next_poll()
        return fetched.data

    @property
    def _covered(self) -> frozenset[tuple[str, str]]:
        """Return the subscriptions whose events arrive (cloud or local)."""
        return self.push.covered | self.local_events.covered

    def _next_poll(self) -> timedelta | None:
        """Poll at the plan's pace while events leave anything uncovered."""
        return None if events_cover_everything(self) else self.polling.interval

    async def async_read_unpushed(self) -> None:
        """Read what Sonos sends no events for; publish only what changed."""
        try:
            values = await self._reader.async_read_unpushed(self.data)
        except SonosError as err:
            LOGGER.debug("Could not read the settings Sonos does not push: %s", err)
            return
        if (data := self.data.with_values(values, {})) is not self.data:
            self.async_publish(data)

    @callback
    def async_publish(self, data: SonosCloudData) -> None:
        """Publish a snapshot changed by a command (optimistic) or an event.

        Events must not postpone the poll timer; only changed rooms look (changes.py).
        """
        old, self.data = self.data, data
        async_update_rooms(self._listeners.values(), changed_rooms(old, data))
        # A group started playing: poll at its pace from now (never later).
        if (
            self.update_interval is not None
            and self.polling.full_requests
            and self.polling.replan(len(quick_reads(data, self._covered)))
            and self.polling.interval < self.update_interval
        ):
            self.update_interval = self.polling.interval
            self._schedule_refresh()

    @callback
    def async_handle_event(
        self, event: NamespaceEvent[Any, Any], *, via_cloud: bool = True
    ) -> None:
        """Apply a verified event to the snapshot without asking Sonos.

        Local events (``via_cloud=False``) say nothing of the cloud's health.
        """
        if via_cloud:
            self.push.async_event_arrived()
        if via_cloud and not self.cloud_available:
            # An event proves the cloud works again: show the rooms at once.
            self.cloud_available = True
            self.async_update_listeners()
        if event.namespace in (ns.FAVORITES, ns.PLAYLISTS):
            household_id = event.household_id or event.target_id
            if self.library.invalidate(household_id, event.namespace, event.value):
                self._async_refresh_library()
            return
        if event.namespace is ns.AUDIO_CLIP:
            self.announcements.async_handle_event(event.target_id, event.value)
            return
        if event.namespace is ns.PLAYBACK_ERROR:
            entry_id = self.config_entry.entry_id
            async_report_playback_error(self.hass, entry_id, self.data, event)
            return
        try:
            data = self.data.with_event(event, dt_util.utcnow())
        except UnconfirmedTopologyError as change:
            self.topology.async_confirm(change.household_id)
            return
        except SonosInvalidResponseError as err:
            LOGGER.debug("Ignoring %s event: %s", event.namespace.event_type, err)
            return
        if data is None:
            return
        self.async_publish(data)
        if event.namespace is ns.GROUPS:
            # New group ids need their own subscriptions.
            self.config_entry.async_create_background_task(
                self.hass, self.push.async_sync(), "sonos_cloud subscribe"
            )

    async def async_run_group_command[T](
        self, player_id: str, command: Callable[[str], Awaitable[T]]
    ) -> tuple[str, T]:
        """Run a command on the player's current group; return the group id used.

        Group ids change whenever Sonos re-forms a group. When the API says the
        id is gone, look the groups up once and retry once on the new id.
        """
        group = self._current_group(player_id)
        try:
            return group.id, await command(group.id)
        except SonosTargetGoneError:
            LOGGER.debug("Group %s is gone, looking up groups again", group.id)
            group = await self._async_reload_topology(player_id)
            return group.id, await command(group.id)

    async def _async_reload_topology(self, player_id: str) -> Group:
        household_id = self.data.player_households[player_id]
        topology: Groups = await self.client.get(ns.GROUPS, household_id)
        self.async_publish(self.data.with_household_topology(household_id, topology))
        return self._current_group(player_id)

    def _current_group(self, player_id: str) -> Group:
        if (group := self.data.group_of(player_id)) is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="player_unavailable",
                translation_placeholders={"player_id": player_id},
            )
        return group
