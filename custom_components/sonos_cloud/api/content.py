"""Commands that load content into a group: favorites, playlists, inputs, streams.

Mixed into ``SonosCloudClient``, which keeps one method per command for its
callers; apart because loading has its own rules (queue actions, checked ids,
playback sessions for a stream URL).
"""

from .checks import (
    MAX_APP_ID,
    MAX_DEVICE_ID,
    MAX_ITEM_ID,
    MAX_STATION_NAME,
    MAX_STREAM_URL,
    checked_length as _checked_length,
)
from .errors import SonosInvalidResponseError
from .models import QueueAction
from .namespace import segment as _segment
from .transport import Transport


class ContentCommands:
    """Load favorites, playlists, Line-In, TV and stream URLs."""

    transport: Transport

    async def load_favorite(
        self,
        group_id: str,
        favorite_id: str,
        *,
        action: QueueAction = QueueAction.REPLACE,
        play: bool = True,
    ) -> None:
        """Load a favorite into the group, playing it unless ``play`` is false."""
        await self._load_item(
            group_id, "favorites", "favoriteId", favorite_id, action=action, play=play
        )

    async def load_playlist(
        self,
        group_id: str,
        playlist_id: str,
        *,
        action: QueueAction = QueueAction.REPLACE,
        play: bool = True,
    ) -> None:
        """Load a Sonos playlist into the group, playing it unless ``play`` is false."""
        await self._load_item(
            group_id, "playlists", "playlistId", playlist_id, action=action, play=play
        )

    async def load_line_in(self, group_id: str, device_id: str) -> None:
        """Play a player's line-in on the group."""
        device = _checked_length("deviceId", device_id, MAX_DEVICE_ID)
        body = {"deviceId": device, "playOnCompletion": True}
        await self._post(f"/groups/{_segment(group_id)}/playback/lineIn", body)

    async def load_home_theater_playback(self, player_id: str) -> None:
        """Switch a home theater player to its TV input (HDMI or optical)."""
        await self._post(f"/players/{_segment(player_id)}/homeTheater")

    async def create_session(self, group_id: str, app_id: str, app_context: str) -> str:
        """Start a playback session on the group and return its id."""
        body = {
            "appId": _checked_length("appId", app_id, MAX_APP_ID),
            "appContext": _checked_length("appContext", app_context, MAX_APP_ID),
        }
        data = await self.transport.request(
            "POST", f"/groups/{_segment(group_id)}/playbackSession", body
        )
        session_id = data.get("sessionId")
        if not isinstance(session_id, str) or not session_id:
            raise SonosInvalidResponseError("Session answer has no sessionId")
        return session_id

    async def load_stream_url(
        self, session_id: str, stream_url: str, *, station_name: str | None = None
    ) -> None:
        """Play a stream URL in a playback session.

        A station name longer than Sonos shows is cut to its first 100 characters.
        """
        body: dict[str, object] = {
            "streamUrl": _checked_length("streamUrl", stream_url, MAX_STREAM_URL),
            "playOnCompletion": True,
        }
        if station_name:
            body["stationMetadata"] = {"name": station_name[:MAX_STATION_NAME]}
        await self._post(
            f"/sessions/{_segment(session_id)}/playbackSession/loadStreamUrl", body
        )

    async def play_stream_url(
        self,
        group_id: str,
        stream_url: str,
        *,
        app_id: str,
        app_context: str,
        station_name: str | None = None,
    ) -> None:
        """Create a playback session and play a stream URL in it.

        Every value is checked before the first request, so a refused one
        leaves no session behind.
        """
        _checked_length("streamUrl", stream_url, MAX_STREAM_URL)
        _checked_length("appId", app_id, MAX_APP_ID)
        _checked_length("appContext", app_context, MAX_APP_ID)
        session_id = await self.create_session(group_id, app_id, app_context)
        await self.load_stream_url(session_id, stream_url, station_name=station_name)

    async def _load_item(
        self,
        group_id: str,
        path: str,
        id_field: str,
        item_id: str,
        *,
        action: QueueAction,
        play: bool,
    ) -> None:
        """Load a favorite or playlist: the same body but for the id's name."""
        body = {
            id_field: _checked_length(id_field, item_id, MAX_ITEM_ID),
            "action": action,
            "playOnCompletion": play,
        }
        await self._post(f"/groups/{_segment(group_id)}/{path}", body)

    async def _post(self, path: str, body: dict[str, object] | None = None) -> None:
        await self.transport.request("POST", path, body)
