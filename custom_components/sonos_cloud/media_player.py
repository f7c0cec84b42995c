"""Media player platform: one entity per Sonos player (room).

The entity is where Home Assistant calls; what it plays (``play_media.py``),
shows (``now_playing.py``) and how it groups (``grouping.py``) live apart.
"""

from datetime import datetime
from typing import Any, override

from homeassistant.components.media_player import (
    BrowseMedia,
    MediaPlayerDeviceClass,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
    RepeatMode,
    SearchMedia,
    SearchMediaQuery,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import PlaybackState, Player, Volume, namespaces as ns
from .browse_media import async_browse, is_library_folder, search
from .controls import (
    async_mute_group,
    async_mute_player,
    async_seek,
    async_set_group_volume,
    async_set_player_volume,
    async_step_player_volume,
    volume_step_percent,
)
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity, Target, async_add_player_entities
from .grouping import async_join, async_unjoin, member_entity_ids
from .library import HouseholdLibrary
from .now_playing import NowPlaying
from .play_media import (
    async_play_media,
    async_select_source,
    cached_library,
    with_state,
)
from .sources import current_source, source_list

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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosCloudConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a media player for every player, including ones that appear later."""
    async_add_player_entities(entry, async_add_entities, SonosCloudMediaPlayer)


class SonosCloudMediaPlayer(SonosCloudEntity, MediaPlayerEntity):
    """A Sonos room: transport acts on its group, volume on the player."""

    _attr_name = None
    _attr_device_class = MediaPlayerDeviceClass.SPEAKER

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Use the player id as unique id, as the older integration did."""
        super().__init__(coordinator, player)
        self._attr_unique_id = player.id

    @property
    def _now_playing(self) -> NowPlaying:
        return NowPlaying.of_group(self.coordinator.data, self.sonos_group)

    @property
    def _volume(self) -> Volume | None:
        return self.coordinator.data.get(ns.PLAYER_VOLUME, self.player_id)

    @override
    def _state_inputs(self) -> tuple[object, ...]:
        """Add the cached favorites: they are the sources, a new list shows."""
        return (*super()._state_inputs(), cached_library(self))

    # State

    @property
    @override
    def supported_features(self) -> MediaPlayerEntityFeature:
        """Offer what the content and the player allow right now."""
        features = BASE_FEATURES | self._now_playing.content_features
        player = self.coordinator.data.players.get(self.player_id)
        if player is not None and player.has_audio_clip:
            features |= MediaPlayerEntityFeature.MEDIA_ANNOUNCE
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
    def group_members(self) -> list[str] | None:
        """Return the entity ids of the group, its coordinator first."""
        group = self.sonos_group
        return member_entity_ids(self.hass, group) if group is not None else None

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

    @property
    @override
    def source(self) -> str | None:
        """Return the favorite or input playing, when it is known."""
        return current_source(self._now_playing.metadata, cached_library(self))

    @property
    @override
    def source_list(self) -> list[str]:
        """Return the household's favorites and the room's inputs."""
        player = self.coordinator.data.players.get(self.player_id)
        return source_list(player, cached_library(self)) if player is not None else []

    # Now playing: see now_playing.py

    @property
    @override
    def shuffle(self) -> bool | None:
        return self._now_playing.shuffle

    @property
    @override
    def repeat(self) -> RepeatMode | None:
        return self._now_playing.repeat

    @property
    @override
    def media_content_type(self) -> MediaType | None:
        return self._now_playing.content_type

    @property
    @override
    def media_title(self) -> str | None:
        return self._now_playing.title

    @property
    @override
    def media_artist(self) -> str | None:
        return self._now_playing.metadata.artist

    @property
    @override
    def media_album_name(self) -> str | None:
        return self._now_playing.metadata.album

    @property
    @override
    def media_album_artist(self) -> str | None:
        return self._now_playing.metadata.album_artist

    @property
    @override
    def media_channel(self) -> str | None:
        return self._now_playing.channel

    @property
    @override
    def media_playlist(self) -> str | None:
        return self._now_playing.playlist

    @property
    @override
    def media_image_url(self) -> str | None:
        return self._now_playing.image_url

    @property
    @override
    def media_image_remotely_accessible(self) -> bool:
        return self._now_playing.image_remotely_accessible

    @property
    @override
    def media_duration(self) -> int | None:
        return self._now_playing.duration

    @property
    @override
    def media_position(self) -> int | None:
        return self._now_playing.position

    @property
    @override
    def media_position_updated_at(self) -> datetime | None:
        return self._now_playing.position_updated_at

    # Transport

    @override
    async def async_media_play(self) -> None:
        """Start or resume the group's playback."""
        await self.async_command(
            self.coordinator.client.play, with_state(PlaybackState.PLAYING)
        )

    @override
    async def async_media_pause(self) -> None:
        """Pause the group's playback."""
        await self.async_command(
            self.coordinator.client.pause, with_state(PlaybackState.PAUSED)
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
        await async_seek(self, position, self.media_duration)

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

    # Volume: see controls.py

    @override
    async def async_set_volume_level(self, volume: float) -> None:
        """Set the player's volume."""
        await async_set_player_volume(self, volume)

    @property
    @override
    def volume_step(self) -> float:
        """Return the step of volume up/down, from the options."""
        return volume_step_percent(self) / 100

    @override
    async def async_volume_up(self) -> None:
        """Raise the volume by one step in a single relative request."""
        await async_step_player_volume(self, 1)

    @override
    async def async_volume_down(self) -> None:
        """Lower the volume by one step in a single relative request."""
        await async_step_player_volume(self, -1)

    @override
    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute the player."""
        await async_mute_player(self, mute)

    async def async_set_group_volume(self, volume_level: float) -> None:
        """Set the volume of the whole group (service ``set_group_volume``)."""
        await async_set_group_volume(self, volume_level)

    async def async_set_group_mute(self, is_volume_muted: bool) -> None:
        """Mute or unmute the whole group (service ``set_group_mute``)."""
        await async_mute_group(self, is_volume_muted)

    # Grouping: see grouping.py

    @override
    async def async_join_players(self, group_members: list[str]) -> None:
        """Bring other rooms into this room's group, in one request."""
        await async_join(self, group_members)

    @override
    async def async_unjoin_player(self) -> None:
        """Take this room out of its group, in one request."""
        await async_unjoin(self)

    # Media: see play_media.py and browse_media.py

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
    async def async_select_source(self, source: str) -> None:
        """Play a favorite, the room's line-in or its TV input: one request."""
        await async_select_source(self, source)

    @override
    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play a favorite, a playlist or a URL, or announce over the music."""
        await async_play_media(self, media_id, kwargs)

    async def async_cancel_announcement(self) -> None:
        """Stop the announcement this integration started on the room."""
        await self.coordinator.announcements.async_cancel(self.player_id)
