"""Async client for the Sonos Control API (cloud).

One method per Control API command. The client owns no credentials: it asks an
injected token provider for a bearer token before each request, and asks again,
naming the refused token, when the API answers 401. That keeps refreshes
single-flight in the caller and lets two requests that hit an expired token at
the same moment share one refresh.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
import json
import logging
import re
import time
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from .errors import (
    SonosAuthError,
    SonosConnectionError,
    SonosError,
    SonosInvalidResponseError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosServerError,
    SonosTargetGoneError,
    SonosValueTooLongError,
)
from .models import (
    AudioClip,
    ClipPriority,
    Favorite,
    Group,
    Groups,
    HomeTheaterOptions,
    Household,
    JsonObject,
    Metadata,
    PlaybackStatus,
    Playlist,
    QueueAction,
    Volume,
)

CONTROL_API_URL = "https://api.ws.sonos.com/control/api/v1"
DEFAULT_TIMEOUT = 10.0
# Sonos throttles a key above 100 requests in one second (spike arrest), shared
# by everything using the key; stay well below it.
DEFAULT_MAX_REQUESTS_PER_SECOND = 40.0
# A command answered 429 is sent once more when Sonos asks to wait this long at
# most (seconds).
SHORT_RETRY_AFTER = 2.0
# The longest Retry-After believed, in seconds; a longer one is shortened.
MAX_RETRY_AFTER = 3600.0
_DELAY_SECONDS = re.compile(r"[0-9]+", re.ASCII)

# Longest values the Control API contract accepts (characters).
MAX_ITEM_ID = 36  # favoriteId, playlistId
MAX_APP_ID = 127  # appId, appContext
MAX_STREAM_URL = 1024
MAX_STATION_NAME = 100  # stationMetadata is a container: its name
MAX_CLIP_NAME = 64
MAX_POSITION_MS = 2**31 - 1  # int32

_LOGGER = logging.getLogger(__name__)


class AccessTokenProvider(Protocol):
    """Return a valid access token.

    ``rejected_token`` is the token the API just refused; a provider should
    refresh unless it already holds a newer one.
    """

    async def __call__(self, rejected_token: str | None = None) -> str:
        """Return the access token to send."""
        ...


class SonosCloudClient:
    """Talk to the Sonos Control API with an injected aiohttp session."""

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
        self._session = session
        self._access_token = access_token
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._user_agent = user_agent
        self._pacer = pacer or RequestPacer()

    # Households and groups

    async def get_households(self) -> list[Household]:
        """List the households the account may control."""
        data = await self._request("GET", "/households")
        items = data.get("households", [])
        if not isinstance(items, list):
            raise SonosInvalidResponseError("Expected a list of households")
        return [Household.from_json(_as_object(item)) for item in items]

    async def get_groups(self, household_id: str) -> Groups:
        """Return the groups and players of a household, with device details."""
        data = await self._request(
            "GET",
            f"/households/{_segment(household_id)}/groups",
            params={"includeDeviceInfo": "true"},
        )
        return Groups.from_json(data)

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

    # Playback (group targets)

    async def get_playback_status(self, group_id: str) -> PlaybackStatus:
        """Return the playback state of a group."""
        data = await self._request("GET", f"/groups/{_segment(group_id)}/playback")
        return PlaybackStatus.from_json(data)

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

    async def get_metadata_status(self, group_id: str) -> Metadata:
        """Return what the group plays now."""
        data = await self._request(
            "GET", f"/groups/{_segment(group_id)}/playbackMetadata"
        )
        return Metadata.from_json(data)

    # Favorites and playlists

    async def get_favorites(
        self, household_id: str
    ) -> tuple[str | None, list[Favorite]]:
        """Return the favorites list version and its items."""
        return await self._get_versioned_list(
            f"/households/{_segment(household_id)}/favorites",
            "items",
            Favorite.from_json,
        )

    async def get_playlists(
        self, household_id: str
    ) -> tuple[str | None, list[Playlist]]:
        """Return the playlists list version and its items."""
        return await self._get_versioned_list(
            f"/households/{_segment(household_id)}/playlists",
            "playlists",
            Playlist.from_json,
        )

    async def _get_versioned_list[T](
        self, path: str, key: str, parse: Callable[[JsonObject], T]
    ) -> tuple[str | None, list[T]]:
        data = await self._request("GET", path)
        items = data.get(key, [])
        if not isinstance(items, list):
            raise SonosInvalidResponseError(f"Expected a list under '{key}'")
        version = data.get("version")
        return (
            version if isinstance(version, str) else None,
            [parse(_as_object(item)) for item in items],
        )

    async def load_favorite(
        self,
        group_id: str,
        favorite_id: str,
        *,
        action: QueueAction = QueueAction.REPLACE,
        play: bool = True,
    ) -> None:
        """Load a favorite into the group, playing it unless ``play`` is false."""
        await self._group_command(
            group_id,
            "favorites",
            {
                "favoriteId": _checked_length("favoriteId", favorite_id, MAX_ITEM_ID),
                "action": action,
                "playOnCompletion": play,
            },
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
        await self._group_command(
            group_id,
            "playlists",
            {
                "playlistId": _checked_length("playlistId", playlist_id, MAX_ITEM_ID),
                "action": action,
                "playOnCompletion": play,
            },
        )

    async def create_session(self, group_id: str, app_id: str, app_context: str) -> str:
        """Start a playback session on the group and return its id."""
        body = {
            "appId": _checked_length("appId", app_id, MAX_APP_ID),
            "appContext": _checked_length("appContext", app_context, MAX_APP_ID),
        }
        data = await self._request(
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
        await self._request(
            "POST",
            f"/sessions/{_segment(session_id)}/playbackSession/loadStreamUrl",
            body,
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

    # Group volume

    async def get_group_volume(self, group_id: str) -> Volume:
        """Return the volume of a group."""
        data = await self._request("GET", f"/groups/{_segment(group_id)}/groupVolume")
        return Volume.from_json(data)

    async def set_group_volume(self, group_id: str, volume: int) -> None:
        """Set the volume of a group (0-100); Sonos also unmutes it."""
        await self._group_command(
            group_id, "groupVolume", {"volume": _checked_volume(volume)}
        )

    async def set_group_mute(self, group_id: str, muted: bool) -> None:
        """Mute or unmute every player of a group."""
        await self._group_command(group_id, "groupVolume/mute", {"muted": muted})

    # Player volume

    async def get_player_volume(self, player_id: str) -> Volume:
        """Return the volume of a player."""
        data = await self._request(
            "GET", f"/players/{_segment(player_id)}/playerVolume"
        )
        return Volume.from_json(data)

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

    # Home theater (players with the HT_PLAYBACK capability)

    async def get_home_theater_options(self, player_id: str) -> HomeTheaterOptions:
        """Return night sound and speech enhancement of a home theater player."""
        data = await self._request(
            "GET", f"/players/{_segment(player_id)}/homeTheater/options"
        )
        return HomeTheaterOptions.from_json(data)

    async def set_home_theater_options(
        self,
        player_id: str,
        *,
        night_mode: bool | None = None,
        enhance_dialog: bool | None = None,
    ) -> HomeTheaterOptions:
        """Change some home theater options; return all of them as now set."""
        body = {
            key: value
            for key, value in (
                ("nightMode", night_mode),
                ("enhanceDialog", enhance_dialog),
            )
            if value is not None
        }
        if not body:
            raise ValueError("No home theater option to set")
        data = await self._request(
            "POST", f"/players/{_segment(player_id)}/homeTheater/options", body
        )
        return HomeTheaterOptions.from_json(data)

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

    async def _request(
        self,
        method: str,
        path: str,
        body: JsonObject | None = None,
        params: dict[str, str] | None = None,
    ) -> JsonObject:
        """Send a request, refreshing the token once on 401, and parse the answer."""
        token = await self._access_token()
        status, headers, text = await self._send(method, path, token, body, params)
        if status == HTTPStatus.UNAUTHORIZED:
            _LOGGER.debug("Access token refused for %s %s, refreshing", method, path)
            token = await self._access_token(token)
            status, headers, text = await self._send(method, path, token, body, params)
        wait = _retry_after(headers)
        if (
            status == HTTPStatus.TOO_MANY_REQUESTS
            and method != "GET"
            and wait is not None
            and wait <= SHORT_RETRY_AFTER
        ):
            # A user's pause should not fail on a spike of other requests; a
            # longer wait is the caller's to explain, reads wait for the next
            # refresh. A hair over the wait: the loop may wake a tick early.
            _LOGGER.debug("%s %s rate limited; again in %s s", method, path, wait)
            await asyncio.sleep(wait + 0.05)
            status, headers, text = await self._send(method, path, token, body, params)
        if status >= 300:
            raise _error_from_response(method, path, status, headers, text)
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except ValueError as err:
            raise SonosInvalidResponseError(
                f"{method} {path} returned a body that is not JSON", status=status
            ) from err
        return _as_object(data)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        body: JsonObject | None,
        params: dict[str, str] | None,
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Authorization": f"Bearer {token}"}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        if method == "POST":
            headers["Content-Type"] = "application/json"
        payload = (
            json.dumps(body if body is not None else {}) if method == "POST" else None
        )
        await self._pacer.wait()
        try:
            async with self._session.request(
                method,
                self._base_url + path,
                headers=headers,
                data=payload,
                params=params,
                timeout=self._timeout,
            ) as response:
                text = await response.text()
                _LOGGER.debug("%s %s -> %s", method, path, response.status)
                return response.status, dict(response.headers), text
        except TimeoutError as err:
            raise SonosConnectionError(f"{method} {path} timed out") from err
        except aiohttp.ClientError as err:
            raise SonosConnectionError(
                f"{method} {path} failed: {type(err).__name__}"
            ) from err


class RequestPacer:
    """Token bucket: bursts up to one second's worth, then a steady rate."""

    def __init__(self, per_second: float = DEFAULT_MAX_REQUESTS_PER_SECOND) -> None:
        """Start with a full second's worth of requests."""
        self._rate = per_second
        self._tokens = per_second
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next request may go out."""
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(
                self._rate, self._tokens + (now - self._updated) * self._rate
            )
            self._updated = now
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self._rate)
                self._tokens = 1
                self._updated = time.monotonic()
            self._tokens -= 1


def household_target(household_id: str) -> str:
    """Return the subscription target path of a household."""
    return f"households/{_segment(household_id)}"


def group_target(group_id: str) -> str:
    """Return the subscription target path of a group."""
    return f"groups/{_segment(group_id)}"


def player_target(player_id: str) -> str:
    """Return the subscription target path of a player."""
    return f"players/{_segment(player_id)}"


def _segment(value: str) -> str:
    """Quote an id for use as one path segment; ids are opaque strings."""
    return quote(value, safe=":")


def _checked_length(field: str, value: str, limit: int) -> str:
    """Reject a value longer than the API accepts, before spending a request."""
    if len(value) > limit:
        raise SonosValueTooLongError(field, len(value), limit)
    return value


def _checked_volume(volume: int) -> int:
    """Reject volumes the API would refuse, before spending a request."""
    if (
        isinstance(volume, bool)
        or not isinstance(volume, int)
        or not 0 <= volume <= 100
    ):
        raise ValueError(f"Volume must be an integer from 0 to 100, got {volume!r}")
    return volume


def _checked_delta(delta: int) -> int:
    """Reject relative volume changes the API would refuse."""
    if (
        isinstance(delta, bool)
        or not isinstance(delta, int)
        or not -100 <= delta <= 100
    ):
        raise ValueError(
            f"Volume change must be an integer from -100 to 100, got {delta!r}"
        )
    return delta


def _group_info(data: JsonObject) -> Group:
    """Read the group from a ``groupInfo`` answer of a grouping command."""
    group = data.get("group")
    if not isinstance(group, dict):
        raise SonosInvalidResponseError("Grouping answer has no group")
    return Group.from_json(group)


def _as_object(data: Any) -> JsonObject:
    if not isinstance(data, dict):
        raise SonosInvalidResponseError("Expected a JSON object")
    return data


def _retry_after(headers: dict[str, str]) -> float | None:
    """Read ``Retry-After`` as seconds from now, within 0 to an hour.

    RFC 9110 allows delay-seconds (digits) or an HTTP-date; anything else
    (signs, exponents, ``inf``, ``nan``) is ignored rather than trusted.
    """
    value = headers.get("Retry-After", "").strip()
    if _DELAY_SECONDS.fullmatch(value):
        # Hundreds of digits are still "a long time", not an OverflowError.
        seconds = float(value) if len(value) <= 9 else MAX_RETRY_AFTER
    else:
        try:
            until = parsedate_to_datetime(value)
        except TypeError, ValueError, OverflowError:
            return None
        if until.tzinfo is None:  # asctime form: HTTP-dates are in UTC
            until = until.replace(tzinfo=UTC)
        seconds = (until - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _error_fields(text: str) -> tuple[str | None, str | None]:
    """Pull ``errorCode`` and ``reason`` out of any of the API's error bodies."""
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    code = data.get("errorCode") or data.get("error")
    reason = data.get("reason") or data.get("error_description")
    fault = data.get("fault")
    if isinstance(fault, dict):
        detail = fault.get("detail")
        if isinstance(detail, dict):
            code = detail.get("errorcode")
        reason = fault.get("faultstring")
    return (
        code if isinstance(code, str) else None,
        reason if isinstance(reason, str) else None,
    )


def _error_from_response(
    method: str, path: str, status: int, headers: dict[str, str], text: str
) -> SonosError:
    """Turn an error response into the matching exception."""
    code, reason = _error_fields(text)
    message = f"{method} {path} failed with HTTP {status}" + (
        f" ({code})" if code else ""
    )
    kwargs: dict[str, Any] = {"status": status, "error_code": code, "reason": reason}
    if status == HTTPStatus.UNAUTHORIZED:
        return SonosAuthError(message, **kwargs)
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
        return SonosTargetGoneError(message, **kwargs)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return SonosRateLimitedError(
            message, retry_after=_retry_after(headers), **kwargs
        )
    if status >= 500:
        return SonosServerError(message, **kwargs)
    if status >= 400:
        return SonosRequestError(message, **kwargs)
    return SonosInvalidResponseError(message, **kwargs)


__all__ = [
    "CONTROL_API_URL",
    "MAX_STREAM_URL",
    "AccessTokenProvider",
    "RequestPacer",
    "SonosCloudClient",
    "group_target",
    "household_target",
    "player_target",
]
