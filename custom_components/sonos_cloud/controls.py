"""A room's controls that are more than a bare request: seek and volume.

Each is still one request with the change it is expected to show at once;
what is here is the rule around it: a seek within the track, a volume step
from the options, a slider value the frontend sends twice sent once, and the
group's volume, which has no slot in the media player model (services).
"""

from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import namespaces as ns
from .const import CONF_VOLUME_STEP, DOMAIN, VOLUME_STEP_PERCENT
from .entity import SonosCloudEntity, Target
from .state import SonosCloudData


async def async_seek(
    room: SonosCloudEntity, position: float, duration: int | None
) -> None:
    """Jump to a position, in seconds, of the current track of ``duration``."""
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
    await room.async_command(
        lambda group_id: room.coordinator.client.seek(group_id, position_ms),
        lambda data, group_id: data.with_playback(
            group_id, dt_util.utcnow(), position_ms=position_ms
        ),
    )


def volume_step_percent(room: SonosCloudEntity) -> int:
    """Return the step of volume up/down in percent, from the options."""
    options = room.coordinator.config_entry.options
    return int(options.get(CONF_VOLUME_STEP, VOLUME_STEP_PERCENT))


async def async_set_player_volume(room: SonosCloudEntity, volume: float) -> None:
    """Set the player's volume (0.0 to 1.0), unless our last command asked for it."""
    level = round(volume * 100)

    def expected(data: SonosCloudData, player_id: str) -> SonosCloudData:
        return data.with_player_volume(player_id, volume=level)

    if room.repeats_last_command(expected, room.player_id):
        return
    await room.async_command(
        lambda player_id: room.coordinator.client.set_player_volume(player_id, level),
        expected,
        target=Target.PLAYER,
    )


async def async_step_player_volume(room: SonosCloudEntity, steps: int) -> None:
    """Raise (or lower, ``steps`` < 0) the volume in a single relative request."""
    delta = steps * volume_step_percent(room)
    volume = room.coordinator.data.get(ns.PLAYER_VOLUME, room.player_id)
    current = volume.volume if volume is not None else 0
    expected = min(100, max(0, current + delta))
    await room.async_command(
        lambda player_id: room.coordinator.client.set_player_relative_volume(
            player_id, delta
        ),
        lambda data, player_id: data.with_player_volume(
            player_id, volume=expected, muted=False
        ),
        target=Target.PLAYER,
    )


async def async_mute_player(room: SonosCloudEntity, mute: bool) -> None:
    """Mute or unmute the player."""
    await room.async_command(
        lambda player_id: room.coordinator.client.set_player_mute(player_id, mute),
        lambda data, player_id: data.with_player_volume(player_id, muted=mute),
        target=Target.PLAYER,
    )


async def async_set_group_volume(room: SonosCloudEntity, volume: float) -> None:
    """Set the volume of the room's whole group (0.0 to 1.0)."""
    level = round(volume * 100)
    await room.async_command(
        lambda group_id: room.coordinator.client.set_group_volume(group_id, level),
        lambda data, group_id: data.with_group_volume(
            group_id, volume=level, muted=False
        ),
    )


async def async_mute_group(room: SonosCloudEntity, mute: bool) -> None:
    """Mute or unmute the room's whole group."""
    await room.async_command(
        lambda group_id: room.coordinator.client.set_group_mute(group_id, mute),
        lambda data, group_id: data.with_group_volume(group_id, muted=mute),
    )
