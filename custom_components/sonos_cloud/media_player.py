"""Media player platform: one entity per Sonos player (room)."""

from datetime import datetime
from typing import Any, override

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_ENQUEUE,
    ATTR_MEDIA_EXTRA,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    BrowseMedia,
    MediaPlayerDeviceClass,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
    RepeatMode,
    SearchMedia,
    SearchMediaQuery,
    async_process_play_media_url,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .announcements import Clip
from .api import (
    ContentKind,
    Favorite,
    Group,
    Metadata,
    PlaybackState,
    Player,
    Playlist,
    PlayModes,
    SonosValueTooLongError,
    Volume,
    namespaces as ns,
)
from .browse_media import async_browse, is_library_folder, search
from .const import CONF_VOLUME_STEP, DOMAIN, VOLUME_STEP_PERCENT
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import (
    ExpectedChange,
    SonosCloudEntity,
    Target,
    async_add_player_entities,
)
from .library import HouseholdLibrary
from .media import (
    APP_ID,
    CHIME,
    ContentId,
    LibraryKind,
    check_clip_url,
    clip_priority,
    clip_volume,
    parse_content_id,
    queue_action,
    shown,
)
from .sources import (
    LINE_IN,
    TV,
    current_source,
    favorite_named,
    inputs,
    source_list,
)
from .state import SonosCloudData

# Every command is one request; Home Assistant need not serialise them.
PARALLEL_UPDATES = 0

STATES = {
    PlaybackState.IDLE: MediaPlayerState.IDLE,
    PlaybackState.BUFFERING: MediaPlayerState.BUFFERING,
    PlaybackState.PAUSED: MediaPlayerState.PAUSED,
    PlaybackState.PLAYING: MediaPlayerState.PLAYING,
}

BASE_FEATURES = (
    MediaPlayerEntityFeature.PLAY
    | MediaPlayerEntityFeature.PAUSE
    | MediaPlayerEntityFeature.GROUPING
    | MediaPlayerEntityFeature.PLAY_MEDIA
    | MediaPlayerEntityFeature.MEDIA_ENQUEUE
    | MediaPlayerEntityFeature.BROWSE_MEDIA
    | MediaPlayerEntityFeature.SEARCH_MEDIA
    | MediaPlayerEntityFeature.SELECT_SOURCE
)
VOLUME_FEATURES = (
    MediaPlayerEntityFeature.VOLUME_SET
    | MediaPlayerEntityFeature.VOLUME_MUTE
    | MediaPlayerEntityFeature.VOLUME_STEP
)
# Offered while Sonos has not said what the content allows.
DEFAULT_CONTENT_FEATURES = (
    MediaPlayerEntityFeature.NEXT_TRACK | MediaPlayerEntityFeature.PREVIOUS_TRACK
)

CONTENT_TYPES = {
    ContentKind.TRACKS: MediaType.MUSIC,
    ContentKind.STATION: MediaType.CHANNEL,
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a media player for every player, including ones that appear later."""
    async_add_player_entities(entry, async_add_entities, SonosCloudMediaPlayer)


def _with_state(state: PlaybackState) -> ExpectedChange:
    """Return the expected change of a command that sets the playback state."""

    def change(data: SonosCloudData, group_id: str) -> SonosCloudData:
        return data.with_playback(group_id, dt_util.utcnow(), state=state)

    return change


def _loading(
    name: str | None, image_url: str | None, kind: ContentKind = ContentKind.NONE
) -> ExpectedChange:
    """Return the change of loading content: playing, and its name at once.

    Sonos reports the real metadata a moment later; until then the room
    shows what was chosen instead of an empty title.
    """

    def change(data: SonosCloudData, group_id: str) -> SonosCloudData:
        data = data.with_playback(
            group_id, dt_util.utcnow(), state=PlaybackState.PLAYING
        )
        if name is None:
            return data
        metadata = Metadata(
            kind=kind, container_name=name, container_image_url=image_url
        )
        return data.with_value(ns.METADATA, group_id, metadata)

    return change


class SonosCloudMediaPlayer(SonosCloudEntity, MediaPlayerEntity):
    """A Sonos room: transport acts on its group, volume on the player."""

    _attr_name = None
    _attr_device_class = MediaPlayerDeviceClass.SPEAKER

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Use the player id as unique id, as the older integration did."""
        super().__init__(coordinator, player)
        self._attr_unique_id = player.id

    # Live data of the player's group

    @property
    def _metadata(self) -> Metadata:
        group = self.sonos_group
        metadata = self.coordinator.data.get(ns.METADATA, group.id if group else None)
        return metadata or Metadata()

    @property
    def _volume(self) -> Volume | None:
        return self.coordinator.data.get(ns.PLAYER_VOLUME, self.player_id)

    @property
    def _play_modes(self) -> PlayModes | None:
        status = self.playback_status
        return status.play_modes if status else None

    # State

    @property
    @override
    def supported_features(self) -> MediaPlayerEntityFeature:
        """Offer what the content and the player allow right now."""
        features = BASE_FEATURES
        player = self.coordinator.data.players.get(self.player_id)
        if player is not None and player.has_audio_clip:
            features |= MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        status = self.playback_status
        if status is None or status.actions is None:
            features |= DEFAULT_CONTENT_FEATURES
        else:
            actions = status.actions
            for allowed, feature in (
                (actions.can_skip, MediaPlayerEntityFeature.NEXT_TRACK),
                (actions.can_skip_back, MediaPlayerEntityFeature.PREVIOUS_TRACK),
                (actions.can_seek, MediaPlayerEntityFeature.SEEK),
                (actions.can_shuffle, MediaPlayerEntityFeature.SHUFFLE_SET),
                (actions.can_repeat, MediaPlayerEntityFeature.REPEAT_SET),
            ):
                if allowed:
                    features |= feature
        volume = self._volume
        if volume is None or not volume.fixed:
            features |= VOLUME_FEATURES
        return features

    @property
    @override
    def state(self) -> MediaPlayerState | None:
        """Return the playback state of the player's group."""
        if (group := self.sonos_group) is None:
            return None
        playback_state = self.coordinator.data.playback_state(group.id)
        return STATES.get(playback_state) if playback_state is not None else None

    @property
    @override
    def volume_level(self) -> float | None:
        """Return the player's own volume, 0.0 to 1.0."""
        volume = self._volume
        return volume.volume / 100 if volume is not None else None

    @property
    @override
    def is_volume_muted(self) -> bool | None:
        """Return whether the player is muted."""
        volume = self._volume
        return volume.muted if volume is not None else None

    @property
    @override
    def shuffle(self) -> bool | None:
        """Return whether the group shuffles."""
        modes = self._play_modes
        return modes.shuffle if modes else None

    @property
    @override
    def repeat(self) -> RepeatMode | None:
        """Return the repeat mode; repeating one track wins over repeating all."""
        if (modes := self._play_modes) is None:
            return None
        if modes.repeat_one:
            return RepeatMode.ONE
        return RepeatMode.ALL if modes.repeat else RepeatMode.OFF

    @property
    @override
    def group_members(self) -> list[str] | None:
        """Return the entity ids of the group, its coordinator first."""
        if (group := self.sonos_group) is None:
            return None
        registry = er.async_get(self.hass)
        ordered = [group.coordinator_id] + [
            player_id
            for player_id in group.player_ids
            if player_id != group.coordinator_id
        ]
        return [
            entity_id
            for player_id in ordered
            if (
                entity_id := registry.async_get_entity_id(
                    MEDIA_PLAYER_DOMAIN, DOMAIN, player_id
                )
            )
        ]

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Expose the group volume, which has no slot in the media player model."""
        group = self.sonos_group
        volume = self.coordinator.data.get(ns.GROUP_VOLUME, group.id if group else None)
        if volume is None:
            return None
        return {
            "group_volume_level": volume.volume / 100,
            "group_is_volume_muted": volume.muted,
        }

    # Now playing

    @property
    @override
    def media_content_type(self) -> MediaType | None:
        """Return music for tracks and channel for radio."""
        return CONTENT_TYPES.get(self._metadata.kind)

    @property
    @override
    def media_title(self) -> str | None:
        """Return the track, or what a station or input is called."""
        metadata = self._metadata
        if metadata.kind is ContentKind.STATION:
            return metadata.stream_info or metadata.title or metadata.container_name
        return metadata.title or metadata.container_name

    @property
    @override
    def media_artist(self) -> str | None:
        """Return the artist of the track."""
        return self._metadata.artist

    @property
    @override
    def media_album_name(self) -> str | None:
        """Return the album of the track."""
        return self._metadata.album

    @property
    @override
    def media_album_artist(self) -> str | None:
        """Return the album artist of the track."""
        return self._metadata.album_artist

    @property
    @override
    def media_channel(self) -> str | None:
        """Return the station name while radio plays."""
        metadata = self._metadata
        return metadata.container_name if metadata.kind is ContentKind.STATION else None

    @property
    @override
    def media_playlist(self) -> str | None:
        """Return the playlist name while a playlist plays."""
        metadata = self._metadata
        return (
            metadata.container_name if metadata.container_type == "playlist" else None
        )

    @property
    @override
    def source(self) -> str | None:
        """Return the favorite or input playing, when it is known."""
        return current_source(self._metadata, self._library)

    @property
    @override
    def source_list(self) -> list[str]:
        """Return the household's favorites and the room's inputs."""
        player = self.coordinator.data.players.get(self.player_id)
        return source_list(player, self._library) if player is not None else []

    @property
    def _library(self) -> HouseholdLibrary | None:
        household_id = self.coordinator.data.player_households.get(self.player_id)
        return self.coordinator.library.cached(household_id) if household_id else None

    @override
    def _state_inputs(self) -> tuple[object, ...]:
        """Add the cached favorites: they are the sources, a new list shows."""
        return (*super()._state_inputs(), self._library)

    @override
    async def async_select_source(self, source: str) -> None:
        """Play a favorite, the room's line-in or its TV input: one request."""
        client = self.coordinator.client
        room_inputs = inputs(self.player)
        if source == LINE_IN and source in room_inputs:
            await self.async_command(
                lambda group_id: client.load_line_in(
                    group_id, device_id=self.player_id
                ),
                _loading(LINE_IN, None, ContentKind.LINE_IN),
            )
            return
        if source == TV and source in room_inputs:
            tv = _loading(TV, None, ContentKind.TV)
            await self.async_command(
                client.load_home_theater_playback,
                lambda data, player_id: (
                    tv(data, group.id)
                    if (group := data.group_of(player_id)) is not None
                    else data
                ),
                target=Target.PLAYER,
            )
            return
        favorite = favorite_named(self.player, self._library, source)
        await self.async_command(
            lambda group_id: client.load_favorite(group_id, favorite.id),
            _loading(favorite.name, favorite.image_url),
        )

    @property
    @override
    def media_image_url(self) -> str | None:
        """Return the track's artwork, else the container's."""
        metadata = self._metadata
        return metadata.track_image_url or metadata.container_image_url

    @property
    @override
    def media_image_remotely_accessible(self) -> bool:
        """Let browsers load HTTPS artwork; proxy plain HTTP (often a player URL)."""
        url = self.media_image_url
        return url is not None and url.startswith("https://")

    @property
    @override
    def media_duration(self) -> int | None:
        """Return the track length in whole seconds."""
        duration = self._metadata.duration_ms
        return round(duration / 1000) if duration is not None else None

    @property
    @override
    def media_position(self) -> int | None:
        """Return the position in whole seconds when it was last read."""
        status = self.playback_status
        if (
            status is None
            or status.position_ms is None
            or self._metadata.kind in (ContentKind.NONE, ContentKind.STATION)
        ):
            # Nothing loaded, or live radio: a position means nothing.
            return None
        return round(status.position_ms / 1000)

    @property
    @override
    def media_position_updated_at(self) -> datetime | None:
        """Return when the position was read, so the frontend can move it on."""
        group = self.sonos_group
        if group is None or self.media_position is None:
            return None
        return self.coordinator.data.playback_updated_at.get(group.id)

    # Transport

    @override
    async def async_media_play(self) -> None:
        """Start or resume the group's playback."""
        await self.async_command(
            self.coordinator.client.play, _with_state(PlaybackState.PLAYING)
        )

    @override
    async def async_media_pause(self) -> None:
        """Pause the group's playback."""
        await self.async_command(
            self.coordinator.client.pause, _with_state(PlaybackState.PAUSED)
        )

    @override
    async def async_media_next_track(self) -> None:
        """Skip to the next track."""
        await self.async_command(self.coordinator.client.skip_to_next_track)

    @override
    async def async_media_previous_track(self) -> None:
        """Go back to the previous track."""
        await self.async_command(self.coordinator.client.skip_to_previous_track)

    @override
    async def async_media_seek(self, position: float) -> None:
        """Jump to a position, in seconds, of the current track."""
        duration = self.media_duration
        if position < 0 or (duration is not None and position > duration):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="seek_out_of_range",
                translation_placeholders={
                    "position": f"{position:g}",
                    "duration": f"{duration:g}" if duration is not None else "?",
                },
            )
        position_ms = round(position * 1000)
        await self.async_command(
            lambda group_id: self.coordinator.client.seek(group_id, position_ms),
            lambda data, group_id: data.with_playback(
                group_id, dt_util.utcnow(), position_ms=position_ms
            ),
        )

    @override
    async def async_set_shuffle(self, shuffle: bool) -> None:
        """Turn shuffle on or off."""
        await self.async_set_play_modes(shuffle=shuffle)

    @override
    async def async_set_repeat(self, repeat: RepeatMode) -> None:
        """Repeat nothing, the whole queue or one track."""
        await self.async_set_play_modes(
            repeat=repeat is RepeatMode.ALL, repeat_one=repeat is RepeatMode.ONE
        )

    # Volume

    @override
    async def async_set_volume_level(self, volume: float) -> None:
        """Set the player's volume."""
        level = round(volume * 100)

        def expected(data: SonosCloudData, player_id: str) -> SonosCloudData:
            return data.with_player_volume(player_id, volume=level)

        if self.repeats_last_command(expected, self.player_id):
            return
        await self.async_command(
            lambda player_id: self.coordinator.client.set_player_volume(
                player_id, level
            ),
            expected,
            target=Target.PLAYER,
        )

    @property
    def _volume_step_percent(self) -> int:
        options = self.coordinator.config_entry.options
        return int(options.get(CONF_VOLUME_STEP, VOLUME_STEP_PERCENT))

    @property
    @override
    def volume_step(self) -> float:
        """Return the step of volume up/down, from the options."""
        return self._volume_step_percent / 100

    @override
    async def async_volume_up(self) -> None:
        """Raise the volume by one step in a single relative request."""
        await self._async_step_volume(self._volume_step_percent)

    @override
    async def async_volume_down(self) -> None:
        """Lower the volume by one step in a single relative request."""
        await self._async_step_volume(-self._volume_step_percent)

    async def _async_step_volume(self, delta: int) -> None:
        current = self._volume.volume if self._volume is not None else 0
        expected = min(100, max(0, current + delta))
        await self.async_command(
            lambda player_id: self.coordinator.client.set_player_relative_volume(
                player_id, delta
            ),
            lambda data, player_id: data.with_player_volume(
                player_id, volume=expected, muted=False
            ),
            target=Target.PLAYER,
        )

    @override
    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute the player."""
        await self.async_command(
            lambda player_id: self.coordinator.client.set_player_mute(player_id, mute),
            lambda data, player_id: data.with_player_volume(player_id, muted=mute),
            target=Target.PLAYER,
        )

    async def async_set_group_volume(self, volume_level: float) -> None:
        """Set the volume of the whole group (service ``set_group_volume``)."""
        level = round(volume_level * 100)
        await self.async_command(
            lambda group_id: self.coordinator.client.set_group_volume(group_id, level),
            lambda data, group_id: data.with_group_volume(
                group_id, volume=level, muted=False
            ),
        )

    async def async_set_group_mute(self, is_volume_muted: bool) -> None:
        """Mute or unmute the whole group (service ``set_group_mute``)."""
        await self.async_command(
            lambda group_id: self.coordinator.client.set_group_mute(
                group_id, is_volume_muted
            ),
            lambda data, group_id: data.with_group_volume(
                group_id, muted=is_volume_muted
            ),
        )

    # Grouping

    @override
    async def async_join_players(self, group_members: list[str]) -> None:
        """Bring other rooms into this room's group, in one request."""
        current = self.sonos_group
        members = set(current.player_ids) if current else set()
        to_add = [
            player_id
            for player_id in self._player_ids_of(group_members)
            if player_id not in members
        ]
        if not to_add:
            return
        client = self.coordinator.client

        async def join(group_id: str) -> tuple[str, Group]:
            return group_id, await client.modify_group_members(group_id, add=to_add)

        group_id, group = await self.async_command(join)
        self.coordinator.async_publish(
            self.coordinator.data.with_group(group, carry_from=group_id)
        )

    @override
    async def async_unjoin_player(self) -> None:
        """Take this room out of its group, in one request."""
        current = self.sonos_group
        if current is None or current.player_ids == (self.player_id,):
            return
        group = await self.async_command(
            lambda household_id: self.coordinator.client.create_group(
                household_id, [self.player_id]
            ),
            target=Target.HOUSEHOLD,
        )
        self.coordinator.async_publish(self.coordinator.data.with_group(group))

    def _player_ids_of(self, entity_ids: list[str]) -> list[str]:
        """Map entity ids to player ids of this household, refusing anything else."""
        registry = er.async_get(self.hass)
        data = self.coordinator.data
        household_id = data.player_households.get(self.player_id)
        player_ids = []
        for entity_id in entity_ids:
            entry = registry.async_get(entity_id)
            if (
                entry is None
                or entry.platform != DOMAIN
                or entry.domain != MEDIA_PLAYER_DOMAIN
                or data.player_households.get(entry.unique_id) != household_id
            ):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="cannot_join",
                    translation_placeholders={"entity_id": entity_id},
                )
            player_ids.append(entry.unique_id)
        return player_ids

    # Media

    @override
    async def async_browse_media(
        self,
        media_content_type: MediaType | str | None = None,
        media_content_id: str | None = None,
    ) -> BrowseMedia:
        """Browse Sonos favorites, playlists and Home Assistant media sources."""
        library = (
            await self._async_library() if is_library_folder(media_content_id) else None
        )
        return await async_browse(self.hass, library, media_content_id)

    @override
    async def async_search_media(self, query: SearchMediaQuery) -> SearchMedia:
        """Find Sonos favorites and playlists by name."""
        return search(await self._async_library(), query.search_query)

    async def _async_library(self) -> HouseholdLibrary:
        return await self.async_command(
            self.coordinator.library.async_get, target=Target.HOUSEHOLD
        )

    @override
    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play a favorite, a playlist or a URL, or announce over the music."""
        if not media_id.strip():
            # Home Assistant's URL helper fails on an empty id with an IndexError.
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="empty_media_id"
            )
        extra: dict[str, Any] = kwargs.get(ATTR_MEDIA_EXTRA) or {}
        if kwargs.get(ATTR_MEDIA_ANNOUNCE):
            await self._async_announce(media_id, extra)
            return
        try:
            content = parse_content_id(media_id)
        except ValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_media_id",
                translation_placeholders={"media_id": shown(media_id)},
            ) from err
        if content is not None:
            await self._async_load(content, kwargs.get(ATTR_MEDIA_ENQUEUE))
            return
        url = await self._async_media_url(media_id)
        title = extra.get("title")
        client = self.coordinator.client

        async def play_stream(group_id: str) -> None:
            await client.play_stream_url(
                group_id,
                url,
                app_id=APP_ID,
                app_context="stream",
                station_name=title if isinstance(title, str) else None,
            )

        await self.async_command(play_stream, _with_state(PlaybackState.PLAYING))

    async def _async_load(self, content: ContentId, enqueue: Any) -> None:
        action, play = queue_action(enqueue)
        client = self.coordinator.client
        load = (
            client.load_favorite
            if content.kind is LibraryKind.FAVORITE
            else client.load_playlist
        )
        name, image = self._library_item(content)
        await self.async_command(
            lambda group_id: load(group_id, content.item_id, action=action, play=play),
            _loading(name, image) if play else None,
        )

    def _library_item(self, content: ContentId) -> tuple[str | None, str | None]:
        """Return the name and image of a favorite or playlist, if cached."""
        library = self._library
        items: list[Favorite] | list[Playlist] = []
        if library is not None:
            items = (
                library.favorites
                if content.kind is LibraryKind.FAVORITE
                else library.playlists
            )
        for item in items:
            if item.id == content.item_id:
                return item.name, getattr(item, "image_url", None)
        return None, None

    async def _async_media_url(self, media_id: str) -> str:
        """Resolve a media source id and make the URL absolute for the speaker."""
        if media_source.is_media_source_id(media_id):
            item = await media_source.async_resolve_media(
                self.hass, media_id, self.entity_id
            )
            media_id = item.url
        url = async_process_play_media_url(self.hass, media_id)
        if not url.startswith(("http://", "https://")):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_media_id",
                translation_placeholders={"media_id": shown(media_id)},
            )
        return url

    async def _async_announce(self, media_id: str, extra: dict[str, Any]) -> None:
        """Check what to announce here; the announcements module plays it."""
        player = self.player
        if not player.has_audio_clip:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="announce_not_supported",
                translation_placeholders={"name": player.name},
            )
        try:
            volume = clip_volume(extra.get("volume"))
            priority = clip_priority(extra.get("priority"))
            url = None
            if media_id.upper() != CHIME:
                url = await self._async_media_url(media_id)
                check_clip_url(url)
        except SonosValueTooLongError as err:
            raise self._command_error(err) from err
        except ValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_announcement",
                translation_placeholders={"error": str(err)},
            ) from err
        clip = Clip(url, priority, volume)
        await self.coordinator.announcements.async_announce(self.player_id, clip, extra)

    async def async_cancel_announcement(self) -> None:
        """Stop the announcement this integration started on the room."""
        await self.coordinator.announcements.async_cancel(self.player_id)
