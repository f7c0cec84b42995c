"""What a room's group plays now, read out as the media player model wants it.

Pure reads of one snapshot, so the media player's properties stay one line
each and every rule (what a station is called, when a position means nothing)
is in one place.
"""

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.media_player import (
    MediaPlayerEntityFeature,
    MediaType,
    RepeatMode,
)

from .api import ContentKind, Group, Metadata, PlaybackStatus, namespaces as ns
from .state import SonosCloudData

CONTENT_TYPES = {
    ContentKind.TRACKS: MediaType.MUSIC,
    ContentKind.STATION: MediaType.CHANNEL,
}

# Offered while Sonos has not said what the content allows.
DEFAULT_CONTENT_FEATURES = (
    MediaPlayerEntityFeature.NEXT_TRACK | MediaPlayerEntityFeature.PREVIOUS_TRACK
)


@dataclass(frozen=True, slots=True)
class NowPlaying:
    """The metadata and playback status of one group, as last read."""

    metadata: Metadata
    status: PlaybackStatus | None = None
    # When the status was read, so the frontend can move the position on.
    read_at: datetime | None = None

    @classmethod
    def of_group(cls, data: SonosCloudData, group: Group | None) -> NowPlaying:
        """Read what a group plays; nothing while the room is in no group."""
        if group is None:
            return cls(Metadata())
        return cls(
            data.get(ns.METADATA, group.id) or Metadata(),
            data.get(ns.PLAYBACK, group.id),
            data.playback_updated_at.get(group.id),
        )

    @property
    def content_features(self) -> MediaPlayerEntityFeature:
        """Return what the content allows: radio, for example, cannot skip."""
        status = self.status
        if status is None or status.actions is None:
            return DEFAULT_CONTENT_FEATURES
        actions = status.actions
        features = MediaPlayerEntityFeature(0)
        for allowed, feature in (
            (actions.can_skip, MediaPlayerEntityFeature.NEXT_TRACK),
            (actions.can_skip_back, MediaPlayerEntityFeature.PREVIOUS_TRACK),
            (actions.can_seek, MediaPlayerEntityFeature.SEEK),
            (actions.can_shuffle, MediaPlayerEntityFeature.SHUFFLE_SET),
            (actions.can_repeat, MediaPlayerEntityFeature.REPEAT_SET),
        ):
            if allowed:
                features |= feature
        return features

    @property
    def shuffle(self) -> bool | None:
        """Return whether the group shuffles."""
        modes = self.status.play_modes if self.status else None
        return modes.shuffle if modes else None

    @property
    def repeat(self) -> RepeatMode | None:
        """Return the repeat mode; repeating one track wins over repeating all."""
        if (modes := self.status.play_modes if self.status else None) is None:
            return None
        if modes.repeat_one:
            return RepeatMode.ONE
        return RepeatMode.ALL if modes.repeat else RepeatMode.OFF

    @property
    def content_type(self) -> MediaType | None:
        """Return music for tracks and channel for radio."""
        return CONTENT_TYPES.get(self.metadata.kind)

    @property
    def title(self) -> str | None:
        """Return the track, or what a station or input is called."""
        metadata = self.metadata
        if metadata.kind is ContentKind.STATION:
            return metadata.stream_info or metadata.title or metadata.container_name
        return metadata.title or metadata.container_name

    @property
    def channel(self) -> str | None:
        """Return the station name while radio plays."""
        metadata = self.metadata
        return metadata.container_name if metadata.kind is ContentKind.STATION else None

    @property
    def playlist(self) -> str | None:
        """Return the playlist name while a playlist plays."""
        metadata = self.metadata
        return (
            metadata.container_name if metadata.container_type == "playlist" else None
        )

    @property
    def image_url(self) -> str | None:
        """Return the track's artwork, else the container's."""
        return self.metadata.track_image_url or self.metadata.container_image_url

    @property
    def image_remotely_accessible(self) -> bool:
        """Let browsers load HTTPS artwork; proxy plain HTTP (often a player URL)."""
        url = self.image_url
        return url is not None and url.startswith("https://")

    @property
    def duration(self) -> int | None:
        """Return the track length in whole seconds."""
        duration = self.metadata.duration_ms
        return round(duration / 1000) if duration is not None else None

    @property
    def position(self) -> int | None:
        """Return the position in whole seconds when it was last read."""
        status = self.status
        if (
            status is None
            or status.position_ms is None
            or self.metadata.kind in (ContentKind.NONE, ContentKind.STATION)
        ):
            # Nothing loaded, or live radio: a position means nothing.
            return None
        return round(status.position_ms / 1000)

    @property
    def position_updated_at(self) -> datetime | None:
        """Return when the position was read, while there is one."""
        return self.read_at if self.position is not None else None
