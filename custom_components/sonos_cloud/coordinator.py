"""Coordinator: fetches every household into one snapshot and runs commands."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
import math
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .announcements import Announcements
from .api import (
    Group,
    Groups,
    HomeTheaterOptions,
    PlaybackStatus,
    SonosAuthError,
    SonosCloudClient,
    SonosConnectionError,
    SonosError,
    SonosEvent,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosServerError,
    SonosTargetGoneError,
)
from .const import (
    DOMAIN,
    LOGGER,
    MAX_PARALLEL_REQUESTS,
    MIN_POLL_INTERVAL,
    OUTAGE_DURATION,
    OUTAGE_FAILED_REFRESHES,
    POLLING_SHARE_OF_RATE_LIMIT,
    POSITION_TOLERANCE_MS,
    RATE_LIMIT_PER_MINUTE,
)
from .library import LibraryCache
from .push import PushEvents
from .room_events import async_report_playback_error
from .snapshot import SonosCloudData, UnconfirmedTopologyError

type SonosCloudConfigEntry = ConfigEntry[SonosCloudCoordinator]

# Up to the release that gave every device a single config entry (then
# DeviceEntry.config_entry_id), one device can belong to several entries.
_SHARED_DEVICES = not hasattr(dr.DeviceEntry, "config_entry_id")


def account_unique_id(household_ids: Iterable[str]) -> str:
    """Name a Sonos account by its households the same way on every link.

    Sonos tells nothing else about the account; household ids are stable per
    Sonos system, so the smallest one identifies the account.
    """
    return min(household_ids)


def requests_per_refresh(
    households: int, groups: int, players: int, home_theaters: int = 0
) -> int:
    """Count the requests of one refresh.

    Households, then per household its groups, per group playback, metadata and
    group volume, per player its volume, per home theater player its options.
    """
    return 1 + households + 3 * groups + players + home_theaters


def polling_interval(requests_per_refresh: int) -> timedelta:
    """Poll as often as the rate-limit share allows, never faster than the floor.

    Every installation using an API key shares its 1,000 requests per minute,
    so one household must keep its polling to a small share of that.
    """
    budget_per_minute = RATE_LIMIT_PER_MINUTE * POLLING_SHARE_OF_RATE_LIMIT
    seconds = math.ceil(requests_per_refresh * 60 / budget_per_minute)
    return max(MIN_POLL_INTERVAL, timedelta(seconds=seconds))


async def _all[T](calls: Iterable[Awaitable[T]]) -> list[T]:
    """Await calls together; on the first failure cancel the rest and raise it."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(call)) for call in calls]
    except ExceptionGroup as errors:
        raise _first_error(errors) from None
    return [task.result() for task in tasks]


async def _awaited[T](call: Awaitable[T]) -> T:
    return await call


def _first_error(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    """Return the first leaf exception of a (nested) exception group."""
    first = errors.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


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
        self._request_slots = asyncio.Semaphore(MAX_PARALLEL_REQUESTS)
        self.library = LibraryCache(client)
        self.announcements = Announcements(hass, self)
        self.push = PushEvents(hass, self, client)
        # How often to poll what push does not cover, as the last refresh sized it.
        self._polling_interval = MIN_POLL_INTERVAL
        # Home theater players whose options Sonos refused: not asked again.
        self._no_home_theater_options: set[str] = set()
        # Refreshes failed in a row for a passing reason, and since when.
        self._passing_failures = 0
        self._failing_since: datetime | None = None
        self.cloud_available = True
        # Households whose groups are being read after an event (see
        # _async_confirm_topology); True: read once more afterwards.
        self._topology_reads: dict[str, bool] = {}

    @property
    def _outage_confirmed(self) -> bool:
        """Whether failures lasted long enough to stop showing the last state."""
        return self._failing_since is None or (
            self._passing_failures >= OUTAGE_FAILED_REFRESHES
            or dt_util.utcnow() - self._failing_since >= OUTAGE_DURATION
        )

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
            self._count_passing_failure()
            raise self._update_failed(err) from err
        except SonosError as err:
            self._failing_since = None
            raise self._update_failed(err) from err
        except UpdateFailed:
            self._failing_since = None
            raise
        self._failing_since = None
        self._passing_failures = 0
        return data

    def _count_passing_failure(self) -> None:
        """Count a failure the cloud may get over; keep a retry scheduled.

        With push the poll timer is off, so the failed refresh must ask for
        its own retry; the next good refresh turns the timer off again.
        """
        self._passing_failures += 1
        if self._failing_since is None:
            self._failing_since = dt_util.utcnow()
        if self.update_interval is None:
            self.update_interval = MIN_POLL_INTERVAL

    @callback
    @override
    def _async_refresh_finished(self) -> None:
        """Tell entities when the cloud counts as gone or back.

        Home Assistant notifies listeners on the first failure only; the one
        that confirms an outage comes later.
        """
        available = self.last_update_success or not self._outage_confirmed
        if available != self.cloud_available:
            self.cloud_available = available
            if not self.last_update_success:
                self.async_update_listeners()
        if self.last_update_success:
            # New group and player ids need their own subscriptions.
            self.config_entry.async_create_background_task(
                self.hass, self.push.async_sync(), "sonos_cloud subscribe"
            )

    @callback
    def async_follow_push(self) -> None:
        """Poll only while push leaves something uncovered.

        Called whenever events start or stop arriving or subscriptions change.
        A pending retry of a failed refresh is left alone.
        """
        if self.push.covers_everything:
            if self.update_interval is not None and self.last_update_success:
                LOGGER.debug("Push covers everything; polling only to re-sync")
                self.update_interval = None
                self._unschedule_refresh()
        elif self.update_interval is None:
            LOGGER.debug("Push does not cover everything; polling")
            self.update_interval = self._polling_interval
            self._schedule_refresh()

    def _update_failed(self, err: SonosError) -> Exception:
        """Map a client error of a refresh to Home Assistant's."""
        if isinstance(err, SonosAuthError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            )
        if isinstance(err, SonosRateLimitedError):
            # Never retry sooner than the interval that keeps within the budget.
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
        try:
            return await self._async_fetch_all()
        except ExceptionGroup as errors:
            # Concurrent fetches fail together; the first failure explains it.
            raise _first_error(errors) from None

    async def _async_fetch_all(self) -> SonosCloudData:
        households = await self.client.get_households()
        if not households:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="no_households"
            )
        topologies = await self._gather(
            self.client.get_groups(household.id) for household in households
        )
        players = {}
        player_households = {}
        groups: dict[str, Group] = {}
        for household, topology in zip(households, topologies, strict=True):
            for player in topology.players:
                players[player.id] = player
                player_households[player.id] = household.id
            groups.update((group.id, group) for group in topology.groups)

        group_ids = list(groups)
        player_ids = list(players)
        home_theater_ids = [
            player.id
            for player in players.values()
            if player.is_home_theater and player.id not in self._no_home_theater_options
        ]
        async with asyncio.TaskGroup() as fetches:
            playback_task = fetches.create_task(
                self._gather_present(self.client.get_playback_status, group_ids)
            )
            metadata_task = fetches.create_task(
                self._gather_present(self.client.get_metadata_status, group_ids)
            )
            group_volumes_task = fetches.create_task(
                self._gather_present(self.client.get_group_volume, group_ids)
            )
            player_volumes_task = fetches.create_task(
                self._gather_present(self.client.get_player_volume, player_ids)
            )
            home_theater_task = fetches.create_task(
                self._async_fetch_home_theater(home_theater_ids)
            )
        playback = playback_task.result()
        metadata = metadata_task.result()
        group_volumes = group_volumes_task.result()
        player_volumes = player_volumes_task.result()
        self._polling_interval = polling_interval(
            requests_per_refresh(
                len(households), len(group_ids), len(player_ids), len(home_theater_ids)
            )
        )
        self.update_interval = (
            None if self.push.covers_everything else self._polling_interval
        )
        if not any(topology.partial for topology in topologies):
            # Sonos leaves out players it is unsure of during a regroup
            # ("partial"); only a complete answer proves a player is gone.
            self._remove_stale_devices(players.keys())
        now = dt_util.utcnow()
        playback, playback_updated_at = self._keep_interpolated_positions(playback, now)
        return SonosCloudData(
            households={household.id: household for household in households},
            players=players,
            groups=groups,
            player_households=player_households,
            playback=playback,
            metadata=metadata,
            group_volumes=group_volumes,
            player_volumes=player_volumes,
            playback_updated_at=playback_updated_at,
            home_theater=home_theater_task.result(),
        )

    @callback
    def async_show(self, data: SonosCloudData) -> None:
        """Show a snapshot changed by a command or an event.

        Unlike ``async_set_updated_data`` this keeps the poll timer running:
        frequent commands or events must not postpone the next re-sync forever.
        """
        self.data = data
        self.async_update_listeners()

    @callback
    def async_handle_event(self, event: SonosEvent) -> None:
        """Apply a verified event to the snapshot without asking Sonos."""
        self.push.async_event_arrived()
        if not self.cloud_available:
            # An event proves the cloud works again: show the rooms at once.
            self.cloud_available = True
            self.async_update_listeners()
        if event.namespace in ("favorites", "playlists"):
            self.library.invalidate(event.household_id or event.target_value)
            return
        if event.namespace == "audioClip":
            self.announcements.async_handle_event(event)
            return
        if event.type == "playbackError":
            entry_id = self.config_entry.entry_id
            async_report_playback_error(self.hass, entry_id, self.data, event)
            return
        try:
            data = self.data.with_event(event, dt_util.utcnow())
        except UnconfirmedTopologyError as change:
            self._async_confirm_topology(change.household_id)
            return
        except SonosInvalidResponseError as err:
            LOGGER.debug("Ignoring %s event: %s", event.type, err)
            return
        if data is None:
            return
        self.async_show(data)
        if event.namespace == "groups":
            # New group ids need their own subscriptions.
            self.config_entry.async_create_background_task(
                self.hass, self.push.async_sync(), "sonos_cloud subscribe"
            )

    @callback
    def _async_confirm_topology(self, household_id: str) -> None:
        """Read a household's groups once, as an event says players came or went.

        Event bodies are not signed, so players never come from one alone.
        Events during a read cause one more read after it, not one each.
        """
        if household_id in self._topology_reads:
            self._topology_reads[household_id] = True
            return
        self._topology_reads[household_id] = False
        self.config_entry.async_create_background_task(
            self.hass, self._async_read_topology(household_id), "sonos_cloud groups"
        )

    async def _async_read_topology(self, household_id: str) -> None:
        try:
            while True:
                try:
                    topology = await self.client.get_groups(household_id)
                except SonosError as err:
                    LOGGER.debug("Could not read the changed groups: %s", err)
                    return
                if household_id in self.data.households:
                    self.async_show(
                        self.data.with_household_topology(household_id, topology)
                    )
                if not self._topology_reads[household_id]:
                    break
                self._topology_reads[household_id] = False
        finally:
            del self._topology_reads[household_id]
        await self.push.async_sync()

    def _keep_interpolated_positions(
        self, playback: dict[str, PlaybackStatus], now: datetime
    ) -> tuple[dict[str, PlaybackStatus], dict[str, datetime]]:
        """Keep the last reading where the new position is what it predicts.

        A fresh timestamp on every poll would rewrite every player's state
        each time; the frontend moves a playing position on by itself.
        """
        previous: SonosCloudData | None = self.data
        updated_at: dict[str, datetime] = {}
        for group_id, status in playback.items():
            updated_at[group_id] = now
            if previous is None or status.position_ms is None:
                continue
            old = previous.playback.get(group_id)
            old_at = previous.playback_updated_at.get(group_id)
            expected = previous.position_ms(group_id, now)
            if (
                old is not None
                and old_at is not None
                and expected is not None
                and old.state is status.state
                and old.item_id == status.item_id
                and abs(status.position_ms - expected) <= POSITION_TOLERANCE_MS
            ):
                playback[group_id] = replace(status, position_ms=old.position_ms)
                updated_at[group_id] = old_at
        return playback, updated_at

    def _remove_stale_devices(self, player_ids: Iterable[str]) -> None:
        """Remove our devices of players the account no longer has.

        Where a device can belong to several config entries, the speaker's
        device may also be the local Sonos integration's (or a router's): only
        our entry leaves it, and Home Assistant deletes the device when no
        entry is left. Where every device has one config entry, it is ours.
        """
        current = set(player_ids)
        entry_id = self.config_entry.entry_id
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            ids = {value for domain, value in device.identifiers if domain == DOMAIN}
            if ids and not ids & current:
                LOGGER.info("Removing %s, which Sonos no longer lists", device.name)
                if _SHARED_DEVICES:
                    registry.async_update_device(
                        device.id, remove_config_entry_id=entry_id
                    )
                else:
                    registry.async_remove_device(device.id)

    async def _gather[T](self, calls: Iterable[Awaitable[T]]) -> list[T]:
        """Await calls with bounded parallelism; cancel them all at the first failure.

        A refresh that hits a 429 or an outage must not go on sending the
        rest of its requests.
        """

        async def limited(call: Awaitable[T]) -> T:
            try:
                async with self._request_slots:
                    return await call
            finally:
                if isinstance(call, Coroutine):
                    # Cancelled while waiting for a slot: never started.
                    call.close()

        return await _all(limited(call) for call in calls)

    async def _async_fetch_home_theater(
        self, player_ids: list[str]
    ) -> dict[str, HomeTheaterOptions]:
        """Read home theater options; a player Sonos refuses them for is skipped.

        Their read is not in Sonos' published reference, so a refusal must
        not fail the refresh: that player then has no such settings.
        """

        async def fetch(player_id: str) -> HomeTheaterOptions | None:
            try:
                return await self.client.get_home_theater_options(player_id)
            except SonosRequestError as err:
                LOGGER.info(
                    "Sonos gives no home theater options for %s (%s)", player_id, err
                )
                self._no_home_theater_options.add(player_id)
                return None

        return await self._gather_present(fetch, player_ids)

    async def _gather_present[T](
        self, fetch: Callable[[str], Awaitable[T | None]], ids: list[str]
    ) -> dict[str, T]:
        """Fetch one value per id, leaving out targets that vanished meanwhile.

        A fetch may also answer None itself for a target to leave out.
        """

        async def fetch_present(target_id: str) -> T | None:
            try:
                return await fetch(target_id)
            except SonosTargetGoneError:
                LOGGER.debug("%s disappeared during the refresh", target_id)
                return None

        values = await self._gather(fetch_present(target_id) for target_id in ids)
        return {
            target_id: value
            for target_id, value in zip(ids, values, strict=True)
            if value is not None
        }

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
        topology: Groups = await self.client.get_groups(household_id)
        self.async_show(self.data.with_household_topology(household_id, topology))
        return self._current_group(player_id)

    def _current_group(self, player_id: str) -> Group:
        if (group := self.data.group_of(player_id)) is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="player_unavailable",
                translation_placeholders={"player_id": player_id},
            )
        return group
