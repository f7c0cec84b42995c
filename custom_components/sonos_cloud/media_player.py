"""Media player platform: one entity per Sonos player (room)."""

from typing import override

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    MediaPlayerDeviceClass,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import PlaybackState, Player
from .coordinator import SonosCloudConfigEntry, SonosCloudCoordinator
from .entity import SonosCloudEntity
from .snapshot import SonosCloudData

# Every command is one request and the coordinator serialises nothing.
PARALLEL_UPDATES = 0

STATES = {
    PlaybackState.IDLE: MediaPlayerState.IDLE,
    PlaybackState.BUFFERING: MediaPlayerState.BUFFERING,
    PlaybackState.PAUSED: MediaPlayerState.PAUSED,
    PlaybackState.PLAYING: MediaPlayerState.PLAYING,
}

TRANSPORT_FEATURES = (
    MediaPlayerEntityFeature.PLAY
    | MediaPlayerEntityFeature.PAUSE
    | MediaPlayerEntityFeature.NEXT_TRACK
    | MediaPlayerEntityFeature.PREVIOUS_TRACK
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
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new_players() -> None:
        new = coordinator.data.players.keys() - known
        known.update(new)
        async_add_entities(
            SonosCloudMediaPlayer(coordinator, coordinator.data.players[player_id])
            for player_id in sorted(new)
        )

    add_new_players()
    entry.async_on_unload(coordinator.async_add_listener(add_new_players))


def _playing(data: SonosCloudData, group_id: str) -> SonosCloudData:
    return data.with_playback_state(group_id, PlaybackState.PLAYING)


def _paused(data: SonosCloudData, group_id: str) -> SonosCloudData:
    return data.with_playback_state(group_id, PlaybackState.PAUSED)


class SonosCloudMediaPlayer(SonosCloudEntity, MediaPlayerEntity):
    """A Sonos room: transport acts on its group, volume on the player."""

    _attr_name = None
    _attr_device_class = MediaPlayerDeviceClass.SPEAKER

    def __init__(self, coordinator: SonosCloudCoordinator, player: Player) -> None:
        """Use the player id as unique id, as the older integration did."""
        super().__init__(coordinator, player)
        self._attr_unique_id = player.id

    @property
    @override
    def supported_features(self) -> MediaPlayerEntityFeature:
        """Offer volume control unless the player's volume is fixed."""
        volume = self.coordinator.data.player_volumes.get(self.player_id)
        if volume is not None and volume.fixed:
            return TRANSPORT_FEATURES
        return TRANSPORT_FEATURES | VOLUME_FEATURES

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
        volume = self.coordinator.data.player_volumes.get(self.player_id)
        return volume.volume / 100 if volume is not None else None

    @property
    @override
    def is_volume_muted(self) -> bool | None:
        """Return whether the player is muted."""
        volume = self.coordinator.data.player_volumes.get(self.player_id)
        return volume.muted if volume is not None else None

    @override
    async def async_media_play(self) -> None:
        """Start or resume the group's playback."""
        await self._async_group_command(self.coordinator.client.play, _playing)

    @override
    async def async_media_pause(self) -> None:
        """Pause the group's playback."""
        await self._async_group_command(self.coordinator.client.pause, _paused)

    @override
    async def async_media_next_track(self) -> None:
        """Skip to the next track."""
        await self._async_group_command(self.coordinator.client.skip_to_next_track)

    @override
    async def async_media_previous_track(self) -> None:
        """Go back to the previous track."""
        await self._async_group_command(self.coordinator.client.skip_to_previous_track)

    @override
    async def async_set_volume_level(self, volume: float) -> None:
        """Set the player's volume."""
        level = round(volume * 100)
        await self._async_player_command(
            lambda player_id: self.coordinator.client.set_player_volume(
                player_id, level
            ),
            lambda data, player_id: data.with_player_volume(player_id, volume=level),
        )

    @override
    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute the player."""
        await self._async_player_command(
            lambda player_id: self.coordinator.client.set_player_mute(player_id, mute),
            lambda data, player_id: data.with_player_volume(player_id, muted=mute),
        )
