"""Announcements: clips played over the music, their outcomes, default volumes.

Sonos plays an audio clip on one speaker; a room's announcement goes to its
player and, when asked, to the rest of its group or its bonded speakers. The
clips this integration started are remembered so they can be cancelled, and
their end is told to automations as a ``sonos_cloud_announcement`` event.
"""

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .api import (
    AudioClip,
    ClipPriority,
    SonosError,
    SonosTargetGoneError,
)
from .const import DOMAIN, EVENT_ANNOUNCEMENT, LOGGER
from .errors import command_error
from .media import APP_ID
from .room_events import ANNOUNCEMENT_OUTCOMES, RoomEvent, async_send_room_event

if TYPE_CHECKING:
    from .coordinator import SonosCloudCoordinator

ANNOUNCEMENT_NAME = "Home Assistant"


@dataclass(frozen=True, slots=True)
class Clip:
    """What to announce: a stream URL (None for the Sonos chime) and how."""

    url: str | None
    priority: ClipPriority
    volume: int | None


class Announcements:
    """Start and cancel announcements; remember each room's default volume."""

    def __init__(self, hass: HomeAssistant, coordinator: SonosCloudCoordinator) -> None:
        """Start with no clip playing and every room at its own volume."""
        self._hass = hass
        self._coordinator = coordinator
        # The last clip started on each speaker, so it can be cancelled.
        self._active: dict[str, str] = {}
        # Default announcement volume per player; 0 = the room's own volume.
        self._volumes: dict[str, int] = {}

    def default_volume(self, player_id: str) -> int:
        """Return the room's announcement volume, 0 for its own volume."""
        return self._volumes.get(player_id, 0)

    def set_default_volume(self, player_id: str, volume: int) -> None:
        """Use this volume for the room's announcements that name none."""
        self._volumes[player_id] = volume

    def playing_on(self, speaker_id: str) -> str | None:
        """Return the id of our clip still playing on a speaker, if any."""
        return self._active.get(speaker_id)

    async def async_announce(
        self, player_id: str, clip: Clip, extra: dict[str, Any]
    ) -> None:
        """Play a clip on the room (and, as ``extra`` asks, its group or bonds).

        All clips start together; one speaker failing does not stop the
        others, and the error names those that failed.
        """
        targets = self._targets(player_id, extra)
        volume = clip.volume or self._volumes.get(player_id) or None
        LOGGER.debug("Announcing %s on %s", clip.url or "the chime", targets)
        client = self._coordinator.client
        results = await asyncio.gather(
            *(
                client.load_audio_clip(
                    target,
                    name=ANNOUNCEMENT_NAME,
                    app_id=APP_ID,
                    stream_url=clip.url,
                    priority=clip.priority,
                    volume=volume,
                )
                for target in targets
            ),
            return_exceptions=True,
        )
        failures = [
            (target, error)
            for target, result in zip(targets, results, strict=True)
            if (error := self._outcome(target, result)) is not None
        ]
        if len(targets) == 1 and failures:
            raise failures[0][1]
        if failures:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="announcement_partly_failed",
                translation_placeholders={
                    "failed": ", ".join(
                        f"{self._room_name(target)} ({err})" for target, err in failures
                    ),
                    "total": str(len(targets)),
                },
            )

    def _outcome(
        self, target: str, result: AudioClip | BaseException
    ) -> HomeAssistantError | None:
        """Remember a started clip; explain one that failed or was refused."""
        if isinstance(result, SonosError):
            return self._error(target, result)
        if isinstance(result, BaseException):
            raise result
        if result.status is not None and result.status.refused:
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="announcement_refused",
                translation_placeholders={
                    "name": self._room_name(target),
                    "status": result.status,
                },
            )
        self._active[target] = result.id
        return None

    async def async_cancel(self, player_id: str) -> None:
        """Stop the announcements we started on the room's group."""
        data = self._coordinator.data
        group = data.group_of(player_id)
        rooms = group.player_ids if group is not None else (player_id,)
        speakers = sorted(
            device
            for room in rooms
            if room in data.players
            for device in data.players[room].device_ids
        )
        clips = {
            target: clip_id
            for target in speakers
            if (clip_id := self._active.pop(target, None))
        }
        if not clips:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_announcement",
                translation_placeholders={"name": self._room_name(player_id)},
            )
        for target, clip_id in clips.items():
            try:
                await self._coordinator.client.cancel_audio_clip(target, clip_id)
            except SonosTargetGoneError:
                LOGGER.debug("Announcement %s on %s had finished", clip_id, target)
            except SonosError as err:
                raise self._error(target, err) from err

    @callback
    def async_handle_event(self, target: str, clips: tuple[AudioClip, ...]) -> None:
        """Fire ``sonos_cloud_announcement`` when one of our clips ends."""
        for clip in clips:
            if clip.id != self._active.get(target):
                continue
            if clip.status is None or not clip.status.final:
                continue
            del self._active[target]
            self._hass.bus.async_fire(
                EVENT_ANNOUNCEMENT,
                {
                    "entity_id": er.async_get(self._hass).async_get_entity_id(
                        "media_player", DOMAIN, self._room_of(target)
                    ),
                    "player_id": target,
                    "clip_id": clip.id,
                    "status": clip.status.value,
                    "error_code": clip.error_code,
                },
            )
            if (outcome := ANNOUNCEMENT_OUTCOMES.get(clip.status)) is not None:
                async_send_room_event(
                    self._hass,
                    self._coordinator.config_entry.entry_id,
                    "announcement",
                    RoomEvent(
                        self._room_of(target), outcome, {"error_code": clip.error_code}
                    ),
                )

    def _targets(self, player_id: str, extra: dict[str, Any]) -> list[str]:
        """Return the speakers to send the clip to, each once.

        ``play_on_group`` adds every room of the room's group that can play
        clips; ``play_on_bonded`` every speaker of a stereo pair or home theater.
        """
        data = self._coordinator.data
        rooms = [data.players[player_id]]
        group = data.group_of(player_id)
        if extra.get("play_on_group") is True and group is not None:
            rooms += [
                data.players[other]
                for other in group.player_ids
                if other != player_id
                and other in data.players
                and data.players[other].has_audio_clip
            ]
        if extra.get("play_on_bonded") is True:
            return [device for room in rooms for device in room.device_ids]
        return [room.id for room in rooms]

    def _room_of(self, speaker_id: str) -> str:
        """Return the player (room) a speaker belongs to."""
        return next(
            (
                player.id
                for player in self._coordinator.data.players.values()
                if speaker_id in player.device_ids
            ),
            speaker_id,
        )

    def _room_name(self, speaker_id: str) -> str:
        player = self._coordinator.data.players.get(self._room_of(speaker_id))
        return player.name if player is not None else speaker_id

    def _error(self, target: str, err: SonosError) -> HomeAssistantError:
        return command_error(
            self._hass, self._coordinator.config_entry, self._room_name(target), err
        )
