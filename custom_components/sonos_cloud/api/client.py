"""Async client for the Sonos Control API (cloud): one method per command.

Every request goes through ``transport.py`` (tokens, 429 waits, errors, limiter).
"""

from typing import Any

import aiohttp

from .checks import (
    MAX_APP_ID,
    MAX_CLIP_NAME,
    MAX_POSITION_MS,
    MAX_STREAM_URL,
    checked_delta as _checked_delta,
    checked_length as _checked_length,
    checked_volume as _checked_volume,
)
from .content import ContentCommands
from .errors import SonosInvalidResponseError
from .models import (
    AudioClip,
    ClipPriority,
    Group,
    Household,
    JsonObject,
)
from .namespace import Namespace, segment as _segment
from .pacer import RequestPacer
from .transport import (
    CONTROL_API_URL,
    DEFAULT_TIMEOUT,
    AccessTokenProvider,
    Transport,
    as_object as _as_object,
)


class SonosCloudClient(ContentCommands):
    """Talk to the Sonos Control API with an injected aiohttp session.

    Loading content (favorites, playlists, inputs, streams) is in ``content.py``.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessTokenProvider,
        *,
        base_url: str = CONTROL_API_URL,
        timeout: float = DEFAULT_TIMEOUT,
        user_agent: str | None = None,
        pacer: RequestPacer | None = None,
    ) -> None:
        """Keep the session, token provider and where the API lives.

        Sonos limits requests per API key: clients of one key should share
        one ``pacer``, which then also outlives a client (a reload).
        """
        self.transport = Transport(
            session,
            access_token,
            base_url=base_url,
            timeout=timeout,
            user_agent=user_agent,
            pacer=pacer or RequestPacer(),
        )
        self._request = self.transport.request

    async def get[T](self, namespace: Namespace[T, Any], target_id: str) -> T:
        """Read a namespace's value for one target (a household, group, player)."""
        if namespace.path is None:
            raise ValueError(f"Sonos has no value to read for {namespace.name}")
        data = await self._request(
            "GET",
            f"/{namespace.target_path(target_id)}/{namespace.path}",
            params=dict(namespace.params) or None,
        )
        return namespace.parse(data)

    async def change[T](
        self, namespace: Namespace[T, Any], target_id: str, **values: bool
    ) -> T:
        """Set some fields of a settings namespace; return all as now set."""
        if not values:
            raise ValueError(f"No {namespace.label} option to set")
        unknown = values.keys() - namespace.settable.keys()
        if unknown or namespace.path is None:
            raise ValueError(f"{namespace.name} cannot set {sorted(unknown)}")
        data = await self._request(
            "POST",
            f"/{namespace.target_path(target_id)}/{namespace.path}",
            {namespace.settable[key]: value for key, value in values.items()},
        )
        return namespace.parse(data)

    # Households and groups

    async def get_households(self) -> list[Household]:
        """List the households the account may control."""
        data = await self._request("GET", "/households")
        items = data.get("households", [])
        if not isinstance(items, list):
            raise SonosInvalidResponseError("Expected a list of households")
        return [Household.from_json(_as_object(item)) for item in items]

    async def create_group(
        self,
        household_id: str,
        player_ids: list[str],
        music_context_group_id: str | None = None,
    ) -> Group:
        """Form a new group; with one player this takes it out of its group."""
        body: dict[str, object] = {"playerIds": player_ids}
        if music_context_group_id is not None:
            body["musicContextGroupId"] = music_context_group_id
        data = await self._request(
            "POST", f"/households/{_segment(household_id)}/groups/createGroup", body
        )
        return _group_info(data)

    async def modify_group_members(
        self,
        group_id: str,
        *,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> Group:
        """Add and remove players; the group usually gets a new id."""
        data = await self._request(
            "POST",
            f"/groups/{_segment(group_id)}/groups/modifyGroupMembers",
            {"playerIdsToAdd": add or [], "playerIdsToRemove": remove or []},
        )
        return _group_info(data)

    # Playback (group targets); loading content: ContentCommands

    async def play(self, group_id: str) -> None:
        """Start or resume playback of a group."""
        await self._group_command(group_id, "playback/play")

    async def pause(self, group_id: str) -> None:
        """Pause playback of a group."""
        await self._group_command(group_id, "playback/pause")

    async def skip_to_next_track(self, group_id: str) -> None:
        """Skip to the next track of a group."""
        await self._group_command(group_id, "playback/skipToNextTrack")

    async def skip_to_previous_track(self, group_id: str) -> None:
        """Skip to the previous track of a group."""
        await self._group_command(group_id, "playback/skipToPreviousTrack")

    async def seek(self, group_id: str, position_ms: int) -> None:
        """Jump to a position in the current track."""
        if not 0 <= position_ms <= MAX_POSITION_MS:
            raise ValueError(
                f"Position must be from 0 to {MAX_POSITION_MS} ms, got {position_ms}"
            )
        await self._group_command(
            group_id, "playback/seek", {"positionMillis": position_ms}
        )

    async def set_play_modes(
        self,
        group_id: str,
        *,
        shuffle: bool | None = None,
        repeat: bool | None = None,
        repeat_one: bool | None = None,
        crossfade: bool | None = None,
    ) -> None:
        """Change only the play modes given; the others stay as they are."""
        modes = {
            key: value
            for key, value in (
                ("shuffle", shuffle),
                ("repeat", repeat),
                ("repeatOne", repeat_one),
                ("crossfade", crossfade),
            )
            if value is not None
        }
        if not modes:
            raise ValueError("No play mode to set")
        await self._group_command(group_id, "playback/playMode", {"playModes": modes})

    # Group volume

    async def set_group_volume(self, group_id: str, volume: int) -> None:
        """Set the volume of a group (0-100); Sonos also unmutes it."""
        await self._group_command(
            group_id, "groupVolume", {"volume": _checked_volume(volume)}
        )

    async def set_group_mute(self, group_id: str, muted: bool) -> None:
        """Mute or unmute every player of a group."""
        await self._group_command(group_id, "groupVolume/mute", {"muted": muted})

    # Player volume

    async def set_player_volume(self, player_id: str, volume: int) -> None:
        """Set the volume of a player (0-100)."""
        await self._player_command(
            player_id, "playerVolume", {"volume": _checked_volume(volume)}
        )

    async def set_player_relative_volume(self, player_id: str, delta: int) -> None:
        """Change the player volume by a number of steps (-100 to 100)."""
        await self._player_command(
            player_id, "playerVolume/relative", {"volumeDelta": _checked_delta(delta)}
        )

    async def set_player_mute(self, player_id: str, muted: bool) -> None:
        """Mute or unmute a player."""
        await self._player_command(player_id, "playerVolume/mute", {"muted": muted})

    # Audio clips (announcements)

    async def load_audio_clip(
        self,
        player_id: str,
        *,
        name: str,
        app_id: str,
        stream_url: str | None = None,
        priority: ClipPriority = ClipPriority.LOW,
        volume: int | None = None,
    ) -> AudioClip:
        """Play a clip over the player's music; without a URL, the Sonos chime."""
        body: dict[str, object] = {
            "name": name[:MAX_CLIP_NAME],
            "appId": _checked_length("appId", app_id, MAX_APP_ID),
            "clipType": "CUSTOM" if stream_url else "CHIME",
            "priority": priority,
        }
        if stream_url:
            body["streamUrl"] = _checked_length("streamUrl", stream_url, MAX_STREAM_URL)
        if volume is not None:
            body["volume"] = _checked_volume(volume)
        data = await self._request(
            "POST", f"/players/{_segment(player_id)}/audioClip", body
        )
        return AudioClip.from_json(data)

    async def cancel_audio_clip(self, player_id: str, clip_id: str) -> None:
        """Stop a clip that is playing or waiting."""
        await self._request(
            "DELETE",
            f"/players/{_segment(player_id)}/audioClip/{_segment(clip_id)}",
        )

    # Event subscriptions

    async def subscribe(self, target: str, namespace: str) -> None:
        """Ask Sonos to POST changes of a namespace to the key's callback URL.

        ``target`` is the path of the target, e.g. ``households/<id>``,
        ``groups/<id>`` or ``players/<id>`` (see ``household_target`` and
        friends). Subscribing again renews the three-day subscription.
        """
        await self._request("POST", f"/{target}/{namespace}/subscription")

    async def unsubscribe(self, target: str, namespace: str) -> None:
        """Stop events of a namespace for a target."""
        await self._request("DELETE", f"/{target}/{namespace}/subscription")

    # Transport

    async def _group_command(
        self, group_id: str, command: str, body: JsonObject | None = None
    ) -> None:
        await self._request("POST", f"/groups/{_segment(group_id)}/{command}", body)

    async def _player_command(
        self, player_id: str, command: str, body: JsonObject | None = None
    ) -> None:
        await self._request("POST", f"/players/{_segment(player_id)}/{command}", body)


def _group_info(data: JsonObject) -> Group:
    """Read the group from a ``groupInfo`` answer of a grouping command."""
    group = data.get("group")
    if not isinstance(group, dict):
        raise SonosInvalidResponseError("Grouping answer has no group")
    return Group.from_json(group)


__all__ = [
    "CONTROL_API_URL",
    "MAX_STREAM_URL",
    "AccessTokenProvider",
    "RequestPacer",
    "SonosCloudClient",
]
