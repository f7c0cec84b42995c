"""aiohttp application of the simulated Sonos cloud: OAuth, Control API, test hooks.

One catch-all route feeds a small dispatcher so that recording, fault injection,
authentication and rate limiting apply uniformly to every request. Control API
commands live in a route table (``add_route``) so later namespaces plug in.

Choices where the reference leaves room (all unverified against the real cloud):
unknown household ids answer 403 ERROR_NO_PERMISSION when well-formed
(``Sonos_<alnum>.<alnum>``), else 404 ERROR_RESOURCE_NOT_FOUND; faults are
checked before authentication and rate limiting; rejected requests don't count
towards the quota; a missing code/refresh token is ``invalid_request``.
Error codes picked for the media namespaces: unknown favorite/playlist ids
400 ERROR_INVALID_OBJECT_ID; audioClip without AUDIO_CLIP 499 ERROR_NOT_CAPABLE;
cancelling an unknown/finished clip 404 ERROR_AUDIO_CLIP_ID_NOT_FOUND;
homeTheater without HT_PLAYBACK 404 ERROR_UNSUPPORTED_NAMESPACE; unknown or
evicted sessions 410 ERROR_RESOURCE_GONE; tvPowerState without HT_POWER_STATE
404 ERROR_UNSUPPORTED_COMMAND. Transport and grouping: an itemId that is not
current, an unknown deviceId or musicContextGroupId 400 ERROR_INVALID_OBJECT_ID;
an unknown playModes key or a non-bool one, or a group left without players,
400 ERROR_INVALID_PARAMETER; lineIn on a player without LINE_IN 499
ERROR_NOT_CAPABLE (seek and playMode refusals come from ``model.py``).
Webhooks: see ``events.py`` (no ``playbackSession`` subscriptions).
"""

import asyncio
import base64
import binascii
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import html
import inspect
import json
import math
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web
from multidict import CIMultiDict

from tests.contract.checker import ContractChecker

from .events import (
    CLEANUP_DELAY,
    SUBSCRIPTION_TTL,
    Delivery,
    EventFaults,
    EventSender,
    Key,
    Subscriptions,
    check_callback_url,
)
from .model import (
    DEMO_TRACKS,
    IMAGE_ROOT,
    MODE_ACTIONS,
    MORE_TRACKS,
    PAUSED,
    PLAYING,
    RADIO_SERVICE,
    STATION,
    TRACKS,
    AudioClip,
    Content,
    Favorite,
    Group,
    Household,
    ModelError,
    Player,
    Playlist,
    Service,
    SonosModel,
    Track,
    random_alnum,
)

CONTROL_BASE = "/control/api/v1"
AUTHORIZE_PATH = "/login/v3/oauth"
TOKEN_PATH = "/login/v3/oauth/access"
# Not part of Sonos' API: how another process (the end-to-end tests, a
# developer with curl) sees what the simulator was asked, and sets the key's
# Event Callback URL as one does in Sonos' developer portal.
INSPECT_REQUESTS_PATH = "/simulator/requests"
INSPECT_CALLBACK_PATH = "/simulator/callback-url"
SCOPE = "playback-control-all"
CODE_TTL = 600.0
OWNER_LUID = "770011223"

DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_HOUSEHOLD_ID = "Sonos_DemoHousehold0000000000000.Demo00000000000000001"
LIVING_ROOM = "RINCON_38420B1A2C3D01400"
KITCHEN = "RINCON_48A6B8F0E1D201400"
BEDROOM = "RINCON_7828CA0F9A8801400"

_INVALID_JSON = object()  # request body that failed to parse
_HOUSEHOLD_ID_RE = re.compile(r"Sonos_[A-Za-z0-9]+\.[A-Za-z0-9]+")
_INT32 = (-(2**31), 2**31 - 1)  # the contract's ``int32``
# Request bodies are checked against Sonos' contract before any handler runs.
_CONTRACT = ContractChecker.load()
QUEUE_ACTIONS = ("REPLACE", "APPEND", "INSERT", "INSERT_NEXT")
CLIP_STATES = ("ACTIVE", "DONE", "DISMISSED", "INACTIVE", "INTERRUPTED", "ERROR")
MUSIC_SERVICE = Service("Simulated Music", "9")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator saw it, plus the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    form: dict[str, str]
    status: int
    api: str = "control"  # "control", "oauth" or "other"
    reply: Any = None  # the JSON answered, if any
    injected: bool = False  # answered by an injected ``Fault``


@dataclass
class Fault:
    """Answer matching requests with this instead of the real handler."""

    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    raw_body: str | None = None
    delay: float = 0
    content_type: str | None = None  # raw_body only; default guessed from text


class ApiError(Exception):
    """Raised by handlers to answer with an error status and JSON body."""

    def __init__(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        """Keep what the response will carry."""
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def global_error(status: int, code: str, reason: str | None = None) -> ApiError:
    """Build a ``globalError``, the Control API's generic error envelope."""
    body = {"_objectType": "globalError", "errorCode": code}
    if reason:
        body["reason"] = reason
    return ApiError(status, body)


@dataclass
class ControlCall:
    """What a Control API handler gets: resolved targets plus the request."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    client_id: str
    targets: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def household(self) -> Household:
        """Household named by ``{household}`` in the route template."""
        return self.targets["household"]

    @property
    def group(self) -> Group:
        """Group named by ``{group}`` in the route template."""
        return self.targets["group"]

    @property
    def player(self) -> Player:
        """Player named by ``{player}`` in the route template."""
        return self.targets["player"]

    @property
    def session(self) -> Any:
        """Session named by ``{session}`` (its group is ``call.group``)."""
        return self.targets["session"]


type HandlerResult = dict[str, Any] | None
type Handler = Callable[[ControlCall], HandlerResult | Awaitable[HandlerResult]]


@dataclass
class _AuthCode:
    client_id: str
    redirect_uri: str
    expires_at: float


@dataclass
class _AccessToken:
    client_id: str
    expires_at: float


def param(
    body: dict[str, Any],
    name: str,
    kind: type,
    *,
    required: bool = True,
    low: int = 0,
    high: int = 100,
) -> Any:
    """Validate one body field strictly: real JSON ints/booleans only."""
    if name not in body:
        if required:
            raise global_error(
                400, "ERROR_MISSING_PARAMETERS", f"Missing required value:[1].{name}"
            )
        return None
    value = body[name]
    if type(value) is not kind:
        raise global_error(
            400, "ERROR_INVALID_PARAMETER", f"{name} must be {kind.__name__}"
        )
    if kind is int and not low <= value <= high:
        raise global_error(
            400, "ERROR_INVALID_PARAMETER", f"{name} must be in {low}..{high}"
        )
    return value


def choice(
    body: dict[str, Any], name: str, options: tuple[str, ...], default: str | None
) -> str | None:
    """Validate an optional enum field; None/absent gives ``default``."""
    value = param(body, name, str, required=False)
    if value is None:
        return default
    if value not in options:
        raise global_error(
            400, "ERROR_INVALID_PARAMETER", f"{name} must be one of {options}"
        )
    return value


def text(
    body: dict[str, Any], name: str, max_length: int, *, required: bool = True
) -> str | None:
    """Validate a string field: non-empty and at most ``max_length`` characters."""
    value = param(body, name, str, required=required)
    if value is not None and not 0 < len(value) <= max_length:
        raise global_error(
            400, "ERROR_INVALID_PARAMETER", f"{name} must be 1..{max_length} chars"
        )
    return value


def http_url(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    """Validate an http(s) URL of at most 1024 characters."""
    value = text(body, name, 1024, required=required)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", f"{name} must be an http(s) URL"
            )
    return value


def _reply_json(response: web.Response) -> Any:
    """Return the JSON body of a response; None without one (or another kind)."""
    if not isinstance(response.body, bytes) or not response.body.strip():
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _token(length: tuple[int, int]) -> str:
    return random_alnum(length[0] + secrets.randbelow(length[1] - length[0] + 1))


class SonosCloudSimulator:
    """A stateful, in-process Sonos cloud for tests and local demos."""

    def __init__(
        self,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        *,
        access_token_ttl: int = 86400,
        rotate_refresh_tokens: bool = False,
        auto_approve: bool = True,
        unauthorized_body: str = "fault",
        stale_group_status: int = 410,
        quota_per_minute: int = 1000,
        spike_per_second: int = 100,
        integration_name: str = "Home Assistant",
        callback_url: str | None = None,
        event_retries: int = 3,
        event_retry_delay: float = 1.0,
        event_timeout: float = 5.0,
        subscription_ttl: float = SUBSCRIPTION_TTL,
        subscription_cleanup_delay: float = CLEANUP_DELAY,
    ) -> None:
        """Configure the account; households are added afterwards.

        ``callback_url`` is the key's Event Callback URL (loopback only);
        without it subscribing answers 403, as for a key without one.
        """
        if unauthorized_body not in ("fault", "access_denied"):
            raise ValueError(unauthorized_body)
        if stale_group_status not in (404, 410):
            raise ValueError(stale_group_status)
        self.client_id, self.client_secret = client_id, client_secret
        self.access_token_ttl = access_token_ttl
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.auto_approve = auto_approve
        self.unauthorized_body = unauthorized_body
        self.stale_group_status = stale_group_status
        self.quota_per_minute, self.spike_per_second = (
            quota_per_minute,
            spike_per_second,
        )
        self.integration_name = integration_name
        # Where artwork URLs point; None keeps the unresolvable test host.
        self.image_root: str | None = None
        self.model = SonosModel()
        self.requests: list[RecordedRequest] = []
        # Called with every recorded request (after its answer) and with every
        # event body sent: (namespace, type, body). The contract check uses them.
        self.request_listeners: list[Callable[[RecordedRequest], None]] = []
        self.event_listeners: list[Callable[[str, str, Any], None]] = []
        self._faults: list[list[Any]] = []  # [fault, hits left or None]
        self._codes: dict[str, _AuthCode] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, str] = {}  # token -> client id
        self._hits: dict[str, deque[float]] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._subscriptions = Subscriptions(
            subscription_ttl, subscription_cleanup_delay
        )
        self._events = EventSender(
            client_id,
            client_secret,
            retries=event_retries,
            retry_delay=event_retry_delay,
            timeout=event_timeout,
        )
        self.callback_url = callback_url
        self.model.listeners.append(self._on_change)
        self._register_routes()
        self.app = web.Application()
        self.app.router.add_get("/images/{name:.+}", self._image)
        self.app.router.add_get(INSPECT_REQUESTS_PATH, self._inspect_requests)
        self.app.router.add_put(INSPECT_CALLBACK_PATH, self._inspect_callback_url)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.app.on_cleanup.append(self._shutdown_events)

    # -- events -------------------------------------------------------------

    @property
    def callback_url(self) -> str | None:
        """Event Callback URL of the key; None (default) makes subscribe 403."""
        return self._events.url

    @callback_url.setter
    def callback_url(self, url: str | None) -> None:
        self._events.url = check_callback_url(url)

    @property
    def event_retry_delay(self) -> float:
        """Seconds between delivery attempts (tests usually set 0)."""
        return self._events.retry_delay

    @event_retry_delay.setter
    def event_retry_delay(self, delay: float) -> None:
        self._events.retry_delay = delay

    @property
    def subscriptions(self) -> set[Key]:
        """Active subscriptions as (namespace, target type, target id)."""
        return self._subscriptions.active()

    def subscription_expires_at(
        self, namespace: str, target_type: str, target_id: str
    ) -> float | None:
        """``time.monotonic()`` value a subscription runs out at, or None."""
        return self._subscriptions.expires_at((namespace, target_type, target_id))

    @property
    def deliveries(self) -> list[Delivery]:
        """Every POST attempt to the callback URL, in the order they finished."""
        return self._events.deliveries

    @property
    def event_faults(self) -> EventFaults:
        """Counters to duplicate, reorder or mis-sign the next events."""
        return self._events.faults

    async def drain_events(self) -> None:
        """Wait until every pending event was delivered (or dropped)."""
        await self._events.drain()

    def emit_playback_error(
        self,
        group_id: str,
        error_code: str = "ERROR_PLAYBACK_FAILED",
        reason: str | None = "ERROR_CANT_REACH_SERVER",
        *,
        stop: bool = True,
    ) -> None:
        """Report a ``playbackError`` event; ``stop`` drops the group to IDLE."""
        group = self.model.groups[group_id]
        key = ("playback", "groupId", group_id)
        household_id = self._subscriptions.household_of(key)
        if household_id is not None:
            body: dict[str, Any] = {
                "_objectType": "playbackError",
                "errorCode": error_code,
            }
            if reason:
                body["reason"] = reason
            if group.has_content:
                body |= {"itemId": group.item_id, "queueVersion": group.queue_version}
            self._send_event(household_id, "playback", "playbackError", key, body)
        if stop:
            self.model.set_playback_state(group_id, "PLAYBACK_STATE_IDLE")

    async def _shutdown_events(self, _app: web.Application) -> None:
        await self._events.close()

    def _target_exists(self, target_type: str, target_id: str) -> bool:
        tables: dict[str, Any] = {
            "householdId": self.model.households,
            "groupId": self.model.groups,
            "playerId": self.model.players,
        }
        return target_id in tables[target_type]

    def _on_change(self, namespace: str, target_type: str, target_id: str) -> None:
        """Model listener: send the new state to whoever subscribed to it."""
        if namespace == "groups":
            self._subscriptions.targets_gone(self._target_exists)
        self._emit((namespace, target_type, target_id))

    def _emit(self, key: Key) -> None:
        household_id = self._subscriptions.household_of(key)
        if household_id is None or not self._target_exists(key[1], key[2]):
            return
        event_type, body = self._event_body(key)
        self._send_event(household_id, key[0], event_type, key, body)

    def _send_event(
        self, household_id: str, namespace: str, event_type: str, key: Key, body: Any
    ) -> None:
        body = self._local(body)
        for listener in self.event_listeners:
            listener(namespace, event_type, body)
        self._events.send(household_id, namespace, event_type, key[1:], body)

    def _event_body(self, key: Key) -> tuple[str, dict[str, Any]]:
        """Event type and body: what the matching GET would answer now."""
        namespace, _, target_id = key
        groups, players = self.model.groups, self.model.players
        if namespace in ("favorites", "playlists"):
            household = self.model.households[target_id]
            version = getattr(household, f"{namespace}_version")
            return "versionChanged", {"version": str(version)}
        renderers: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
            "groups": ("groups", lambda: self._groups_body(target_id, state=False)),
            "playback": (
                "playbackStatus",
                lambda: self._playback_body(groups[target_id]),
            ),
            "playbackMetadata": (
                "metadataStatus",
                lambda: self._metadata_body(groups[target_id]),
            ),
            "groupVolume": ("groupVolume", lambda: self._group_volume_body(target_id)),
            "playerVolume": (
                "playerVolume",
                lambda: self._player_volume_body(players[target_id]),
            ),
            "audioClip": ("audioClipStatus", lambda: self._clip_status(target_id)),
        }
        event_type, render = renderers[namespace]
        return event_type, render()

    def _subscription_routes(self) -> None:
        """POST/DELETE ``{target}/{namespace}/subscription`` for each namespace."""
        for template, target_type, names in (
            ("/households/{household}", "householdId", ("groups", "favorites")),
            ("/households/{household}", "householdId", ("playlists",)),
            (
                "/groups/{group}",
                "groupId",
                ("playback", "playbackMetadata", "groupVolume"),
            ),
            ("/players/{player}", "playerId", ("playerVolume", "audioClip")),
        ):
            for namespace in names:
                path = f"{template}/{namespace}/subscription"
                self.add_route("POST", path, self._subscriber(namespace, target_type))
                self.add_route(
                    "DELETE", path, self._unsubscriber(namespace, target_type)
                )

    @staticmethod
    def _target_of(call: ControlCall, target_type: str) -> tuple[str, str]:
        """(target id, household id) of a subscription request."""
        if target_type == "householdId":
            return call.household.id, call.household.id
        if target_type == "groupId":
            return call.group.id, call.group.household_id
        return call.player.id, call.player.household_id

    def _subscriber(self, namespace: str, target_type: str) -> Handler:
        def subscribe(call: ControlCall) -> HandlerResult:
            if self.callback_url is None:
                raise ApiError(
                    403,
                    {
                        "errorCode": "ERROR_NO_PERMISSION",
                        "reason": "No callback URL registered for this key",
                    },
                )
            target_id, household_id = self._target_of(call, target_type)
            key = (namespace, target_type, target_id)
            self._subscriptions.subscribe(key, household_id)
            self._emit(key)  # the current state, once
            return None

        return subscribe

    def _unsubscriber(self, namespace: str, target_type: str) -> Handler:
        def unsubscribe(call: ControlCall) -> HandlerResult:
            target_id, _ = self._target_of(call, target_type)
            self._subscriptions.unsubscribe((namespace, target_type, target_id))
            return None

        return unsubscribe

    # -- test hooks ---------------------------------------------------------

    def add_household(self, household_id: str | None = None) -> str:
        """Add an empty household to the account."""
        return self.model.add_household(household_id)

    def add_player(self, household_id: str, name: str, **kwargs: Any) -> str:
        """Add a player alone in a new idle group (see ``SonosModel.add_player``)."""
        return self.model.add_player(household_id, name, **kwargs)

    def add_demo_household(self) -> str:
        """Three rooms with deterministic ids: playing, paused and empty."""
        household_id = self.add_household(DEMO_HOUSEHOLD_ID)
        self.add_player(
            household_id,
            "Living Room",
            player_id=LIVING_ROOM,
            model="Sonos Arc",
            capabilities=[
                *("CLOUD", "PLAYBACK", "HT_PLAYBACK", "HT_POWER_STATE"),
                *("AIRPLAY", "VOICE", "AUDIO_CLIP"),
            ],
            device_ids=[
                LIVING_ROOM,
                "RINCON_38420B1A2C3E01400",
                "RINCON_38420B1A2C3F01400",
            ],
            volume=25,
        )
        self.add_player(household_id, "Kitchen", player_id=KITCHEN, volume=18)
        self.add_player(
            household_id,
            "Bedroom",
            player_id=BEDROOM,
            model="Sonos Five",
            capabilities=["CLOUD", "PLAYBACK", "AIRPLAY", "LINE_IN"],
            volume=30,
        )
        self.model.players[LIVING_ROOM].icon = "den"
        for player_id, state in ((LIVING_ROOM, PLAYING), (KITCHEN, PAUSED)):
            self.model.load_tracks(self.group_id_of(player_id), DEMO_TRACKS)
            self.set_playback_state(self.group_id_of(player_id), state)
        self.add_favorite("Morning Mix", household_id=household_id)
        self.add_favorite("Simulated FM", "station", household_id=household_id)
        self.add_favorite(
            "Kitchen Classics",
            household_id=household_id,
            with_service=False,
            tracks=DEMO_TRACKS[:2],
        )
        self.add_playlist("Dinner", DEMO_TRACKS, household_id=household_id)
        self.add_playlist("Workout", MORE_TRACKS[1:], household_id=household_id)
        return household_id

    def remove_player(self, player_id: str) -> None:
        """Make the player disappear (unplugged); its group is re-formed."""
        self.model.remove_player(player_id)

    def group_id_of(self, player_id: str) -> str:
        """Return the current id of the group containing the player."""
        return self.model.group_of(player_id).id

    def set_playback_state(self, group_id: str, state: str) -> None:
        """External playback change, as if made in the Sonos app."""
        self.model.set_playback_state(group_id, state)

    def set_player_volume(
        self, player_id: str, volume: int, muted: bool | None = None
    ) -> None:
        """External volume change, as if made on the speaker."""
        self.model.set_player_volume(player_id, volume, muted)

    def external_regroup(self, player_ids: list[str]) -> str:
        """External regroup; all affected group ids become invalid."""
        return self.model.regroup(player_ids)

    def load_tracks(
        self,
        group_id: str,
        tracks: tuple[Track, ...] = DEMO_TRACKS,
        *,
        play: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Load a track list (can skip/seek/shuffle/repeat); keeps the state."""
        self.model.load_tracks(group_id, tracks, play=play, **kwargs)

    def load_radio(
        self,
        group_id: str,
        name: str = "Simulated FM",
        *,
        stream_info: str | None = "Juno & the Tidewater - Slow River Radio",
        play: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Tune to a live station: no skip/seek/modes, pause goes IDLE."""
        self.model.load_station(
            group_id, name, stream_info=stream_info, play=play, **kwargs
        )

    def load_line_in(
        self, group_id: str, *, play: bool | None = None, **kwargs: Any
    ) -> None:
        """Switch to the coordinator's line-in (container type ``linein``)."""
        self.model.load_line_in(group_id, play=play, **kwargs)

    def unload(self, group_id: str) -> None:
        """Leave the group with nothing loaded."""
        self.model.unload(group_id)

    def _household_id(self, household_id: str | None) -> str:
        return household_id or next(iter(self.model.households))

    def add_favorite(
        self,
        name: str,
        kind: str = "tracks",
        *,
        household_id: str | None = None,
        with_service: bool = True,
        tracks: tuple[Track, ...] = MORE_TRACKS,
    ) -> str:
        """Add a favorite ("tracks" or "station") and bump the favorites version.

        The household defaults to the first one; returns the new favorite id.
        """
        if kind not in (TRACKS, STATION):
            raise ValueError(kind)
        slug = "".join(c if c.isalnum() else "-" for c in name.lower())
        if kind == STATION:
            favorite = Favorite(
                "",
                name,
                STATION,
                "Radio Station",
                RADIO_SERVICE if with_service else None,
                f"{IMAGE_ROOT}/stations/{slug}.png",
                "STREAM",
            )
        else:
            favorite = Favorite(
                "",
                name,
                TRACKS,
                "Playlist",
                MUSIC_SERVICE if with_service else None,
                f"{IMAGE_ROOT}/favorites/{slug}.jpg",
                "PLAYLIST",
                tracks,
            )
        if not with_service:
            favorite.description = favorite.resource_type = None
        return self.model.add_favorite(self._household_id(household_id), favorite)

    def remove_favorite(
        self, favorite_id: str, *, household_id: str | None = None
    ) -> None:
        """Delete a favorite and bump the favorites version."""
        self.model.remove_favorite(self._household_id(household_id), favorite_id)

    def add_playlist(
        self,
        name: str,
        tracks: tuple[Track, ...] = DEMO_TRACKS,
        *,
        household_id: str | None = None,
    ) -> str:
        """Add a Sonos playlist and bump the playlists version; returns its id."""
        return self.model.add_playlist(self._household_id(household_id), name, tracks)

    def remove_playlist(
        self, playlist_id: str, *, household_id: str | None = None
    ) -> None:
        """Delete a Sonos playlist and bump the playlists version."""
        self.model.remove_playlist(self._household_id(household_id), playlist_id)

    def finish_clip(
        self,
        player_id: str,
        clip_id: str,
        status: str = "DONE",
        error_code: str | None = None,
    ) -> None:
        """End an audio clip as if it played out (or failed with ``ERROR``)."""
        if status not in CLIP_STATES:
            raise ValueError(status)
        self.model.finish_clip(player_id, clip_id, status, error_code)

    def issue_tokens(self) -> dict[str, Any]:
        """Mint a valid token pair without the browser dance."""
        return self._mint(self.client_id)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 (expired)."""
        for token in self._access_tokens.values():
            token.expires_at = -math.inf

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far now answers invalid_grant."""
        self._refresh_tokens.clear()

    def control_requests(self) -> list[RecordedRequest]:
        """Return the requests under the Control API base, in order."""
        return [r for r in self.requests if r.api == "control"]

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self.requests.clear()

    def inject(self, fault: Fault) -> None:
        """Answer matching requests with ``fault`` (first injected wins)."""
        self._faults.append([fault, fault.times or None])

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    def add_route(self, method: str, template: str, handler: Handler) -> None:
        """Register a Control API route so later namespaces plug in.

        ``{household}``, ``{group}`` and ``{player}`` in the template are
        resolved to model objects; other ``{names}`` are passed raw.
        """
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile(pattern), handler))

    # -- dispatcher ---------------------------------------------------------

    @staticmethod
    def _classify(path: str) -> tuple[str, str]:
        """Return (api, path): control paths become relative to the base."""
        if path == CONTROL_BASE or path.startswith(f"{CONTROL_BASE}/"):
            return "control", path.removeprefix(CONTROL_BASE) or "/"
        return ("oauth" if path in (AUTHORIZE_PATH, TOKEN_PATH) else "other"), path

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        """Record, inject faults, then route to OAuth or the Control API."""
        text = (await request.read()).decode("utf-8", "replace")
        api, path = self._classify(request.path)
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = _INVALID_JSON
        form: dict[str, str] = {}
        if request.content_type == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(text, keep_blank_values=True))

        def record(status: int, reply: Any = None, *, injected: bool = False) -> None:
            recorded = RecordedRequest(
                request.method,
                path,
                dict(request.query),
                dict(request.headers),
                None if body is _INVALID_JSON else body,
                form,
                status,
                api,
                reply,
                injected,
            )
            self.requests.append(recorded)
            for listener in self.request_listeners:
                listener(recorded)

        if fault := self._take_fault(request.method, path):
            response = self._fault_response(fault, path, api)
            record(response.status, _reply_json(response), injected=True)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return response
        try:
            response = await self._route(request, api, path, body, form)
        except ApiError as err:
            response = self._respond(err.status, err.body, err.headers, api)
        except Exception:
            record(500)
            raise
        record(response.status, _reply_json(response))
        return response

    async def _route(
        self, request: web.Request, api: str, path: str, body: Any, form: dict[str, str]
    ) -> web.Response:
        if api == "control":
            return await self._control(request, path, body)
        if request.method == "GET" and path == AUTHORIZE_PATH:
            return self._authorize(request)
        if request.method == "POST" and path == TOKEN_PATH:
            return self._token(request, form)
        raise ApiError(404, {"errorCode": "ERROR_RESOURCE_NOT_FOUND"})

    def _localize(self, text: str) -> str:
        """Point artwork at this server when ``image_root`` is set (the demo).

        Tests keep the never-resolving ``images.invalid`` host; the demo serves
        artwork itself so a browser never makes Home Assistant look anything
        up beyond loopback.
        """
        if self.image_root is None:
            return text
        return text.replace(IMAGE_ROOT, self.image_root)

    def _local(self, body: Any) -> Any:
        return json.loads(self._localize(json.dumps(body))) if self.image_root else body

    # -- inspection (a test's or developer's view from another process) ------

    async def _inspect_requests(self, request: web.Request) -> web.Response:
        """List the recorded requests from index ``since`` on, without headers.

        Headers are left out: they carry the tokens. These calls are not
        recorded themselves.
        """
        try:
            since = max(int(request.query.get("since", "0")), 0)
        except ValueError:
            return web.json_response({"error": "since must be a number"}, status=400)
        recorded = [
            {
                "method": r.method,
                "path": r.path,
                "api": r.api,
                "status": r.status,
                "query": r.query,
                "json": r.json,
            }
            for r in self.requests[since:]
        ]
        return web.json_response({"total": len(self.requests), "requests": recorded})

    async def _inspect_callback_url(self, request: web.Request) -> web.Response:
        """Set the key's Event Callback URL, as in Sonos' developer portal."""
        try:
            body = await request.json()
            self.callback_url = body["url"]
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"url": self.callback_url})

    async def _image(self, request: web.Request) -> web.Response:
        """Draw a square cover: the name's first letter on a colour."""
        name = request.match_info["name"]
        hue = sum(name.encode()) % 360
        letter = html.escape((name.rsplit("/", 1)[-1][:1] or "?").upper())
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
            f'<rect width="300" height="300" fill="hsl({hue},45%,40%)"/>'
            '<text x="150" y="195" font-size="160" text-anchor="middle" '
            f'fill="white" font-family="sans-serif">{letter}</text></svg>'
        )
        return web.Response(text=svg, content_type="image/svg+xml")

    def _respond(
        self, status: int, body: Any, headers: dict[str, str] | None, api: str
    ) -> web.Response:
        """JSON response; Control API ones name their type in ``X-Sonos-Type``."""
        merged = CIMultiDict({"Content-Type": "application/json"})
        if api == "control" and isinstance(body, dict):
            if "_objectType" in body:
                merged["X-Sonos-Type"] = body["_objectType"]
            elif status == 200 and not body:
                merged["X-Sonos-Type"] = "none"
        merged.update(headers or {})
        return web.Response(
            status=status,
            body=self._localize(json.dumps(body)).encode(),
            headers=merged,
        )

    # -- faults -------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for entry in self._faults:
            fault: Fault = entry[0]
            if fault.method not in ("*", method.upper()):
                continue
            if not re.fullmatch(fault.path, path):
                continue
            if entry[1] is not None:
                entry[1] -= 1
                if entry[1] <= 0:
                    self._faults.remove(entry)
            return fault
        return None

    def _fault_response(self, fault: Fault, path: str, api: str) -> web.Response:
        """Answer a fault; only a defaulted body brings default headers along."""
        headers = CIMultiDict[str]()
        if fault.raw_body is not None:
            raw = fault.raw_body
            guess = "text/html" if raw.lstrip().startswith("<") else "application/json"
            headers["Content-Type"] = fault.content_type or guess
            headers.update(fault.headers)
            return web.Response(status=fault.status, body=raw.encode(), headers=headers)
        body = fault.body
        if body is None:
            body = self._default_error_body(fault.status, path, api)
            if fault.status == 429:
                headers.update(self._limit_headers(self.quota_per_minute, 0, 1))
        headers.update(fault.headers)
        return self._respond(fault.status, body, dict(headers), api)

    def _default_error_body(self, status: int, path: str, api: str) -> Any:
        """Pick a realistic body for an injected status (reference section 6.2)."""
        if status < 300:
            return {}
        if status == 429:
            return {"errorCode": "TOO_MANY_REQUESTS"}
        if api == "oauth":
            oauth = {400: "invalid_request", 401: "invalid_client"}
            return {"error": oauth.get(status, "server_error")}
        gateway = {
            401: self._unauthorized(expired=False),
            404: {"errorCode": "ERROR_RESOURCE_NOT_FOUND"},
            410: {"errorCode": "ERROR_RESOURCE_GONE"},
            503: {"errorCode": "ERROR_SERVICE_UNAVAILABLE"},
            504: {"errorCode": "ERROR_GATEWAY_TIMEOUT"},
        }
        if status in gateway:
            return gateway[status]
        if status == 499 and re.search(r"/playback(/|$)", path):
            return {
                "_objectType": "playbackError",
                "errorCode": "ERROR_PLAYBACK_FAILED",
            }
        codes = {
            400: "ERROR_INVALID_PARAMETER",
            403: "ERROR_NO_PERMISSION",
            499: "ERROR_COMMAND_FAILED",
        }
        code = codes.get(status, "ERROR_INTERNAL" if status >= 500 else "ERROR_NYI")
        return {"_objectType": "globalError", "errorCode": code}

    # -- OAuth --------------------------------------------------------------

    def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or SCOPE not in query.get("scope", "").split()
            or not redirect_uri
        ):
            raise ApiError(400, {"error": "invalid_request"})
        state = {"state": query["state"]} if "state" in query else {}
        joiner = "&" if "?" in redirect_uri else "?"
        if query.get("deny") == "1":
            error = urlencode({**state, "error": "access_denied"})
            return web.Response(
                status=302, headers={"Location": redirect_uri + joiner + error}
            )
        if not (self.auto_approve or query.get("approve") == "1"):
            return self._consent_page(query)
        code = _token((8, 16))
        self._codes[code] = _AuthCode(
            self.client_id, redirect_uri, time.monotonic() + CODE_TTL
        )
        location = redirect_uri + joiner + urlencode({**state, "code": code})
        return web.Response(status=302, headers={"Location": location})

    def _consent_page(self, query: Any) -> web.Response:
        """Mimic the "Allow ... to control your Sonos system" screen."""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
            if k not in ("approve", "deny")
        )
        name = html.escape(self.integration_name)
        page = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>Sonos simulator - sign in</title></head><body>"
            f"<h1>Allow {name} to control your Sonos system</h1>"
            f"<form method='get' action='{AUTHORIZE_PATH}'>{hidden}"
            "<button name='approve' value='1'>Allow</button> "
            "<button name='deny' value='1'>Deny</button></form></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    def _basic_client(self, header: str | None) -> str:
        """Client id from ``Authorization: Basic``; 401 unless id/secret match."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "basic" or not value.strip():
            raise ApiError(401, {"error": "invalid_client"})
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except binascii.Error, UnicodeDecodeError:
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            raise ApiError(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Authentication required",
                },
            )
        return client_id

    def _token(self, request: web.Request, form: dict[str, str]) -> web.Response:
        client_id = self._basic_client(request.headers.get("Authorization"))
        params = {**form, **request.query}
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            if not params.get("code"):
                raise ApiError(400, {"error": "invalid_request"})
            code = self._codes.pop(params["code"], None)
            if (
                code is None
                or code.expires_at <= time.monotonic()
                or code.client_id != client_id
                or code.redirect_uri != params.get("redirect_uri")
            ):
                raise ApiError(400, {"error": "invalid_grant"})
            tokens = self._mint(client_id)
        elif grant_type == "refresh_token":
            refresh_token = params.get("refresh_token")
            if not refresh_token:
                raise ApiError(400, {"error": "invalid_request"})
            if self._refresh_tokens.get(refresh_token) != client_id:
                raise ApiError(400, {"error": "invalid_grant"})
            if self.rotate_refresh_tokens:
                del self._refresh_tokens[refresh_token]
                tokens = self._mint(client_id)
            else:
                tokens = self._mint(client_id, refresh_token)
        else:
            raise ApiError(400, {"error": "invalid_request"})
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        return self._respond(200, tokens, headers, "oauth")

    def _mint(self, client_id: str, refresh_token: str | None = None) -> dict[str, Any]:
        access_token = _token((28, 32))
        self._access_tokens[access_token] = _AccessToken(
            client_id, time.monotonic() + self.access_token_ttl
        )
        if refresh_token is None:
            refresh_token = _token((28, 32))
            self._refresh_tokens[refresh_token] = client_id
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
            "refresh_token": refresh_token,
            "scope": SCOPE,
        }

    # -- Control API plumbing -----------------------------------------------

    def _unauthorized(self, *, expired: bool) -> dict[str, Any]:
        if self.unauthorized_body == "access_denied":
            return {"error": "access_denied", "error_description": "Invalid Token"}
        if expired:
            text, code = "Access Token expired", "access_token_expired"
        else:
            text, code = "Invalid Access Token", "invalid_access_token"
        errorcode = f"keymanagement.service.{code}"
        return {"fault": {"faultstring": text, "detail": {"errorcode": errorcode}}}

    def _authenticate(self, header: str | None) -> str:
        """Client id behind a valid bearer token; 401 (gateway body) otherwise."""
        scheme, _, value = (header or "").partition(" ")
        token = self._access_tokens.get(value.strip())
        if scheme.lower() != "bearer" or token is None:
            raise ApiError(401, self._unauthorized(expired=False))
        if time.monotonic() >= token.expires_at:
            raise ApiError(401, self._unauthorized(expired=True))
        return token.client_id

    @staticmethod
    def _limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "Retry-After": str(reset),
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset),
        }

    def _rate_limit(self, client_id: str) -> None:
        """Rolling-minute quota and per-second spike arrest, per client id."""
        now = time.monotonic()
        hits = self._hits.setdefault(client_id, deque())
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.quota_per_minute:
            reset = max(1, math.ceil(hits[0] + 60 - now))
            headers = self._limit_headers(self.quota_per_minute, 0, reset)
            raise ApiError(429, {"errorCode": "TOO_MANY_REQUESTS"}, headers)
        last_second = 0
        for hit in reversed(hits):
            if hit <= now - 1:
                break
            last_second += 1
        if last_second >= self.spike_per_second:
            headers = self._limit_headers(self.spike_per_second, 0, 1)
            raise ApiError(429, {"errorCode": "TOO_MANY_REQUESTS"}, headers)
        hits.append(now)

    async def _control(
        self, request: web.Request, path: str, body: Any
    ) -> web.Response:
        client_id = self._authenticate(request.headers.get("Authorization"))
        self._rate_limit(client_id)
        self.model.tick()
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None or method != request.method:
                continue
            params, query = match.groupdict(), dict(request.query)
            call = ControlCall(request.method, path, params, query, client_id)
            self._resolve(call)
            if body is not None and not isinstance(body, dict):
                raise global_error(400, "ERROR_INVALID_SYNTAX")
            call.body = body or {}
            self._check_body(call)
            try:
                result = handler(call)
                if inspect.isawaitable(result):
                    result = await result
            except ModelError as err:
                error = {"_objectType": err.object_type, "errorCode": err.error_code}
                raise ApiError(499, error) from err
            return self._respond(200, {} if result is None else result, None, "control")
        raise ApiError(404, {"errorCode": "ERROR_RESOURCE_NOT_FOUND"})

    @staticmethod
    def _check_body(call: ControlCall) -> None:
        """Refuse a body the contract forbids (lengths, types, enums, ranges).

        A missing required field is left to the handler, which names it the
        way the cloud does (``ERROR_MISSING_PARAMETERS``).
        """
        operation = _CONTRACT.operation(call.method, call.path)
        if operation is None or "requestBody" not in operation.facts:
            return
        schema = operation.facts["requestBody"]["schema"]
        problems = [
            problem
            for problem in _CONTRACT.validator.validate(call.body, schema)
            if not problem.startswith("body: missing required")
        ]
        if problems:
            raise global_error(400, "ERROR_INVALID_PARAMETER", problems[0][:256])

    def _resolve(self, call: ControlCall) -> None:
        """Turn path ids into model objects, answering like the cloud if gone."""
        model, params = self.model, call.params
        if (household_id := params.get("household")) is not None:
            if household_id not in model.households:
                if _HOUSEHOLD_ID_RE.fullmatch(household_id):
                    raise global_error(403, "ERROR_NO_PERMISSION")
                raise global_error(404, "ERROR_RESOURCE_NOT_FOUND")
            call.targets["household"] = model.households[household_id]
        if (group_id := params.get("group")) is not None:
            if group_id not in model.groups:
                if self.stale_group_status == 404:
                    # The contract's 404 body of group commands.
                    raise ApiError(
                        404,
                        {
                            "_objectType": "groupCoordinatorChanged",
                            "errorCode": "ERROR_GROUP_CHANGED",
                            "groupStatus": "GROUP_STATUS_GONE",
                        },
                    )
                raise ApiError(410, {"errorCode": "ERROR_RESOURCE_GONE"})
            call.targets["group"] = model.groups[group_id]
        if (player_id := params.get("player")) is not None:
            player = model.players.get(player_id)
            if player is None and "/audioClip" in call.path:
                # Every device of a bonded set (stereo pair, surrounds) takes
                # audio clips of its own; the primary player answers for it.
                player = next(
                    (p for p in model.players.values() if player_id in p.device_ids),
                    None,
                )
            if player is None:
                raise ApiError(410, {"errorCode": "ERROR_RESOURCE_GONE"})
            call.targets["player"] = player
        if (session_id := params.get("session")) is not None:
            if (group := model.session_group(session_id)) is None:
                raise ApiError(410, {"errorCode": "ERROR_RESOURCE_GONE"})
            call.targets["session"] = model.sessions[session_id]
            call.targets["group"] = group

    # -- Control API handlers -----------------------------------------------

    def _register_routes(self) -> None:
        model = self.model
        self._subscription_routes()  # before ``audioClip/{clip}`` catches them

        def on_group(action: Callable[[str], None]) -> Handler:
            return lambda call: action(call.group.id)

        def skip(step: int) -> Handler:
            return on_group(lambda group_id: model.skip(group_id, step))

        group, player = "/groups/{group}", "/players/{player}"
        session = "/sessions/{session}"
        for method, template, handler in (
            ("GET", "/households", self._households),
            ("GET", "/households/{household}/groups", self._groups),
            ("GET", f"{group}/playback", self._playback_status),
            ("POST", f"{group}/playback/play", on_group(model.play)),
            ("POST", f"{group}/playback/pause", on_group(model.pause)),
            ("POST", f"{group}/playback/togglePlayPause", on_group(model.toggle)),
            ("POST", f"{group}/playback/skipToNextTrack", skip(1)),
            ("POST", f"{group}/playback/skipToPreviousTrack", skip(-1)),
            ("POST", f"{group}/playback/seek", self._seek),
            ("POST", f"{group}/playback/seekRelative", self._seek_relative),
            ("POST", f"{group}/playback/playMode", self._set_play_modes),
            ("POST", f"{group}/playback/lineIn", self._load_line_in),
            ("GET", f"{group}/playbackMetadata", self._metadata_status),
            ("POST", "/households/{household}/groups/createGroup", self._create_group),
            ("POST", f"{group}/groups/modifyGroupMembers", self._modify_members),
            ("POST", f"{group}/groups/setGroupMembers", self._set_members),
            ("GET", "/households/{household}/favorites", self._favorites),
            ("POST", f"{group}/favorites", self._load_favorite),
            ("GET", "/households/{household}/playlists", self._playlists),
            ("GET", "/households/{household}/playlists/{playlist}", self._playlist),
            ("POST", f"{group}/playlists", self._load_playlist),
            ("POST", f"{player}/audioClip", self._load_clip),
            ("DELETE", f"{player}/audioClip/{{clip}}", self._cancel_clip),
            ("POST", f"{group}/playbackSession", self._create_session),
            ("POST", f"{group}/playbackSession/joinOrCreate", self._join_or_create),
            ("DELETE", f"{session}/playbackSession", self._leave_session),
            ("POST", f"{session}/playbackSession/loadStreamUrl", self._load_stream),
            ("GET", f"{player}/homeTheater/options", self._ht_options),
            ("POST", f"{player}/homeTheater/options", self._set_ht_options),
            ("POST", f"{player}/homeTheater", self._load_home_theater),
            ("POST", f"{player}/homeTheater/tvPowerState", self._tv_power),
            ("GET", f"{group}/groupVolume", self._group_volume),
            ("POST", f"{group}/groupVolume", self._set_group_volume),
            ("POST", f"{group}/groupVolume/relative", self._group_relative),
            ("POST", f"{group}/groupVolume/mute", self._group_mute),
            ("GET", f"{player}/playerVolume", self._player_volume),
            ("POST", f"{player}/playerVolume", self._set_player_volume),
            ("POST", f"{player}/playerVolume/relative", self._player_relative),
            ("POST", f"{player}/playerVolume/mute", self._player_mute),
        ):
            self.add_route(method, template, handler)

    def _households(self, call: ControlCall) -> HandlerResult:
        households = [
            {"id": h.id, "name": h.name, "ownerLuid": OWNER_LUID}
            for h in self.model.households.values()
        ]
        return {"_objectType": "households", "households": households}

    def _groups(self, call: ControlCall) -> HandlerResult:
        with_devices = call.query.get("includeDeviceInfo", "").lower() == "true"
        return self._groups_body(call.household.id, with_devices=with_devices)

    def _groups_body(
        self, household_id: str, *, with_devices: bool = False, state: bool = True
    ) -> dict[str, Any]:
        """Render ``groups``; events leave out each group's ``playbackState``."""
        groups = [
            g for g in self.model.groups.values() if g.household_id == household_id
        ]
        players = [
            p for p in self.model.players.values() if p.household_id == household_id
        ]
        return {
            "_objectType": "groups",
            "groups": [self._group_json(g, state=state) for g in groups],
            "players": [self._player_json(p, with_devices) for p in players],
            "partial": self.model.partial,
        }

    def _group_json(self, group: Group, *, state: bool = True) -> dict[str, Any]:
        name = self.model.players[group.coordinator_id].name
        if len(group.player_ids) > 1:
            name = f"{name} + {len(group.player_ids) - 1}"
        data = {
            "_objectType": "group",
            "id": group.id,
            "name": name,
            "coordinatorId": group.coordinator_id,
            "playbackState": group.playback_state,
            "playerIds": list(group.player_ids),
            "areaIds": [],
        }
        if not state:
            del data["playbackState"]
        return data

    def _player_json(self, player: Player, with_devices: bool) -> dict[str, Any]:
        octet = int(player.id[-7:-5], 16)
        data: dict[str, Any] = {
            "_objectType": "player",
            "id": player.id,
            "name": player.name,
            "websocketUrl": f"wss://192.0.2.{octet}:1443/websocket/api",
            "softwareVersion": player.software_version,
            "apiVersion": "1.42.0",
            "minApiVersion": "1.1.0",
            "isUnregistered": False,
            "capabilities": list(player.capabilities),
            "deviceIds": list(player.device_ids),
            "icon": player.icon,
        }
        if with_devices:
            data["devices"] = [
                {
                    "_objectType": "device",
                    "id": device_id,
                    "primaryDeviceId": player.id,
                    "serialNumber": f"{device_id[7:19]}:{index + 1}",
                    "modelDisplayName": player.model,
                    "softwareVersion": player.software_version,
                    "name": player.name,
                    "capabilities": list(player.capabilities),
                }
                for index, device_id in enumerate(player.device_ids)
            ]
        return data

    def _playback_status(self, call: ControlCall) -> HandlerResult:
        return self._playback_body(call.group)

    def _playback_body(self, group: Group) -> dict[str, Any]:
        loaded = group.has_content
        status: dict[str, Any] = {
            "_objectType": "playbackStatus",
            "playbackState": group.playback_state,
            "isDucking": False,
            "positionMillis": self.model.position_millis(group) if loaded else 0,
            "playModes": {"_objectType": "playMode", **group.play_modes},
            "availablePlaybackActions": {
                "_objectType": "playbackAction",
                **self.model.available_actions(group),
            },
            "sourceIsLanSwappable": False,
        }
        if loaded:
            status |= {
                "queueVersion": group.queue_version,
                "itemId": group.item_id,
                "previousItemId": group.previous_item_id,
                "previousPositionMillis": group.previous_position_millis,
            }
        return status

    @staticmethod
    def _service_json(service: Service | None) -> dict[str, Any]:
        if service is None:
            return {}
        return {
            "service": {
                "_objectType": "service",
                "name": service.name,
                "id": service.id,
            }
        }

    @classmethod
    def _object_id(cls, object_id: str, service: Service | None) -> dict[str, Any]:
        return {
            "_objectType": "universalMusicObjectId",
            "serviceId": service.id if service else "local-library",
            "objectId": object_id,
            "accountId": "sn_0",
        }

    @classmethod
    def _track_json(
        cls, track: Track, number: int, service: Service | None
    ) -> dict[str, Any]:
        return {
            "_objectType": "track",
            "type": "track",
            "name": track.title,
            "artist": {"_objectType": "artist", "name": track.artist},
            "album": {"_objectType": "album", "name": track.album},
            "imageUrl": track.image_url,
            "images": [{"_objectType": "image", "url": track.image_url}],
            "id": cls._object_id(f"sim:track:{number}", service),
            **cls._service_json(service),
            "durationMillis": track.duration_millis,
            "trackNumber": number,
            "explicit": False,
        }

    def _metadata_status(self, call: ControlCall) -> HandlerResult:
        return self._metadata_body(call.group)

    def _metadata_body(self, group: Group) -> dict[str, Any]:
        """``metadataStatus`` for each kind of content (reference section 4.5)."""
        content = group.content
        if content is None:
            return {"_objectType": "metadataStatus"}
        body: dict[str, Any] = {
            "_objectType": "metadataStatus",
            "container": {
                "_objectType": "container",
                "name": content.name,
                "type": content.container_type,
                "id": self._object_id(content.object_id, content.service),
                **self._service_json(content.service),
                "imageUrl": content.image_url,
                "images": [{"_objectType": "image", "url": content.image_url}],
            },
        }
        if content.session_id is not None and content.session_id == group.session_id:
            session = self.model.sessions.get(content.session_id)
            body["playbackSession"] = {
                "clientId": session.app_id if session else "unknown",
                "isSuspended": False,
                "accountId": "sn_0",
            }
        if content.kind == TRACKS:
            body |= self._queue_metadata(group, content)
        elif content.kind != "linein":
            body |= self._station_metadata(group, content)
        return body

    def _queue_metadata(self, group: Group, content: Content) -> dict[str, Any]:
        index, tracks = group.item_index, group.tracks
        following = (index + 1) % len(tracks)
        return {
            "currentItem": {
                "_objectType": "queueItem",
                "id": group.item_id,
                "track": self._track_json(tracks[index], index + 1, content.service),
                "deleted": False,
                "policies": {"canSkip": True, "canSeek": True},
            },
            "nextItem": {
                "_objectType": "queueItem",
                "id": str(following + 1),
                "track": self._track_json(
                    tracks[following], following + 1, content.service
                ),
            },
        }

    def _station_metadata(self, group: Group, content: Content) -> dict[str, Any]:
        track = {
            "_objectType": "track",
            "type": "track",
            "name": content.name,
            "imageUrl": content.image_url,
            "images": [{"_objectType": "image", "url": content.image_url}],
            "id": self._object_id(content.object_id, content.service),
            **self._service_json(content.service),
        }
        if content.stream_url and content.session_id is not None:
            track["mediaUrl"] = content.stream_url
        body: dict[str, Any] = {
            "currentItem": {
                "_objectType": "queueItem",
                "id": group.item_id,
                "track": track,
                "deleted": False,
                "policies": {"canSkip": False, "canSeek": False},
            }
        }
        if content.stream_info:
            body["streamInfo"] = content.stream_info
        return body

    # -- playback commands ---------------------------------------------------

    def _check_item(self, call: ControlCall) -> None:
        item_id = param(call.body, "itemId", str, required=False)
        if item_id is not None and item_id != call.group.item_id:
            raise global_error(
                400, "ERROR_INVALID_OBJECT_ID", f"itemId {item_id} is not current"
            )

    def _seek(self, call: ControlCall) -> HandlerResult:
        position = param(call.body, "positionMillis", int, high=_INT32[1])
        self._check_item(call)
        self.model.seek(call.group.id, position, relative=False)

    def _seek_relative(self, call: ControlCall) -> HandlerResult:
        delta = param(call.body, "deltaMillis", int, low=_INT32[0], high=_INT32[1])
        self._check_item(call)
        self.model.seek(call.group.id, delta, relative=True)

    @staticmethod
    def _play_modes(body: dict[str, Any], *, required: bool = True) -> Any:
        """Validate a ``playModes`` object: known keys, real booleans."""
        name = "playModes"
        modes = param(body, name, dict, required=required)
        for key, value in (modes or {}).items():
            if key not in MODE_ACTIONS or type(value) is not bool:
                raise global_error(
                    400, "ERROR_INVALID_PARAMETER", f"{name}.{key} must be a known bool"
                )
        return modes

    def _set_play_modes(self, call: ControlCall) -> HandlerResult:
        self.model.set_play_modes(call.group.id, self._play_modes(call.body))

    def _load_line_in(self, call: ControlCall) -> HandlerResult:
        group = call.group
        device_id = param(call.body, "deviceId", str, required=False)
        play = param(call.body, "playOnCompletion", bool, required=False)
        player = self.model.players.get(device_id or group.coordinator_id)
        if player is None or player.household_id != group.household_id:
            raise global_error(
                400, "ERROR_INVALID_OBJECT_ID", f"unknown deviceId {device_id}"
            )
        if "LINE_IN" not in player.capabilities:
            raise ModelError("ERROR_NOT_CAPABLE")
        self.model.load_line_in(group.id, device_id=player.id, play=bool(play))

    # -- groups commands ------------------------------------------------------

    def _player_list(
        self, call: ControlCall, name: str, household_id: str
    ) -> list[str]:
        """Validate a list of player ids; unknown ones answer ``playerSetError``."""
        player_ids = param(call.body, name, list)
        if not all(isinstance(p, str) for p in player_ids):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", f"{name} must be strings"
            )
        unknown = [
            p
            for p in player_ids
            if p not in self.model.players
            or self.model.players[p].household_id != household_id
        ]
        if unknown:
            raise ApiError(
                400,
                {
                    "_objectType": "playerSetError",
                    "errorCode": "ERROR_INVALID_PARAMETER",
                    "reason": "invalid player id",
                    "playerIds": unknown,
                },
            )
        return list(dict.fromkeys(player_ids))

    @staticmethod
    def _not_empty(player_ids: list[str]) -> None:
        if not player_ids:
            raise global_error(400, "ERROR_INVALID_PARAMETER", "no players in group")

    def _group_info(self, group: Group) -> HandlerResult:
        return {
            "_objectType": "groupInfo",
            "group": self._group_json(group, state=False),
        }

    def _create_group(self, call: ControlCall) -> HandlerResult:
        household_id = call.household.id
        player_ids = self._player_list(call, "playerIds", household_id)
        self._not_empty(player_ids)
        context_id = param(call.body, "musicContextGroupId", str, required=False)
        context = None
        if context_id is not None:
            context = self.model.groups.get(context_id)
            if context is None or context.household_id != household_id:
                raise global_error(
                    400, "ERROR_INVALID_OBJECT_ID", f"unknown group {context_id}"
                )
        group = self.model.form_group(
            player_ids, coordinator_id=player_ids[0], context=context
        )
        return self._group_info(group)

    def _modify_members(self, call: ControlCall) -> HandlerResult:
        target = call.group
        to_add = self._player_list(call, "playerIdsToAdd", target.household_id)
        to_remove = param(call.body, "playerIdsToRemove", list)
        if not all(isinstance(p, str) for p in to_remove):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "playerIdsToRemove must be strings"
            )
        members = [p for p in [*target.player_ids, *to_add] if p not in to_remove]
        members = list(dict.fromkeys(members))
        self._not_empty(members)
        coordinator = target.coordinator_id
        if coordinator not in members:
            coordinator = members[0]
        group = self.model.form_group(
            members, coordinator_id=coordinator, context=target, released=target
        )
        return self._group_info(group)

    def _set_members(self, call: ControlCall) -> HandlerResult:
        target = call.group
        player_ids = self._player_list(call, "playerIds", target.household_id)
        self._not_empty(player_ids)
        group = self.model.form_group(
            player_ids, coordinator_id=player_ids[0], context=target, released=target
        )
        return self._group_info(group)

    def _group_volume(self, call: ControlCall) -> HandlerResult:
        return self._group_volume_body(call.group.id)

    def _group_volume_body(self, group_id: str) -> dict[str, Any]:
        volume, muted = self.model.group_volume(group_id)
        fixed = self.model.group_fixed(group_id)
        return {
            "_objectType": "groupVolume",
            "volume": volume,
            "muted": muted,
            "fixed": fixed,
        }

    def _set_group_volume(self, call: ControlCall) -> HandlerResult:
        self.model.set_group_volume(call.group.id, param(call.body, "volume", int))

    def _group_relative(self, call: ControlCall) -> HandlerResult:
        delta = param(call.body, "volumeDelta", int, low=-100)
        self.model.adjust_group_volume(call.group.id, delta)

    def _group_mute(self, call: ControlCall) -> HandlerResult:
        self.model.set_group_mute(call.group.id, param(call.body, "muted", bool))

    def _player_volume(self, call: ControlCall) -> HandlerResult:
        return self._player_volume_body(call.player)

    @staticmethod
    def _player_volume_body(player: Player) -> dict[str, Any]:
        return {
            "_objectType": "playerVolume",
            "volume": player.volume,
            "muted": player.muted,
            "fixed": player.fixed_volume,
        }

    def _set_player_volume(self, call: ControlCall) -> HandlerResult:
        player = call.player
        volume = param(call.body, "volume", int, required=False)
        muted = param(call.body, "muted", bool, required=False)
        if volume is None and muted is None:
            return None  # the contract requires neither: nothing to change
        if volume is not None and player.fixed_volume:
            raise ModelError("ERROR_COMMAND_FAILED")
        self.model.set_player_volume(player.id, volume, muted)

    def _player_relative(self, call: ControlCall) -> HandlerResult:
        player = call.player
        delta = param(call.body, "volumeDelta", int, required=False, low=-100)
        muted = param(call.body, "muted", bool, required=False)
        if delta is None and muted is None:
            param(call.body, "volumeDelta", int, low=-100)  # raises missing
        if delta is not None and player.fixed_volume:
            raise ModelError("ERROR_COMMAND_FAILED")
        volume = None if delta is None else player.volume + delta
        self.model.set_player_volume(player.id, volume, bool(muted))

    def _player_mute(self, call: ControlCall) -> HandlerResult:
        self.model.set_player_volume(
            call.player.id, muted=param(call.body, "muted", bool)
        )

    # -- favorites and playlists -------------------------------------------

    def _favorites(self, call: ControlCall) -> HandlerResult:
        household = call.household
        return {
            "_objectType": "favoritesList",
            "version": str(household.favorites_version),
            "items": [self._favorite_json(f) for f in household.favorites],
        }

    def _favorite_json(self, favorite: Favorite) -> dict[str, Any]:
        data: dict[str, Any] = {
            "_objectType": "favorite",
            "id": favorite.id,
            "name": favorite.name,
        }
        if favorite.description:
            data["description"] = favorite.description
        if favorite.image_url:
            data["imageUrl"] = favorite.image_url
            data["images"] = [{"_objectType": "image", "url": favorite.image_url}]
        data |= self._service_json(favorite.service)
        if favorite.resource_type and favorite.service:
            data["resource"] = {
                "_objectType": "resource",
                "type": favorite.resource_type,
                "id": self._object_id(f"sim:favorite:{favorite.id}", favorite.service),
            }
        return data

    def _load_options(self, call: ControlCall) -> dict[str, Any]:
        """Validate the common ``action``/``playModes``/``playOnCompletion``."""
        return {
            "action": choice(call.body, "action", QUEUE_ACTIONS, "APPEND"),
            "play_modes": self._play_modes(call.body, required=False),
            "play": bool(param(call.body, "playOnCompletion", bool, required=False)),
        }

    def _load_favorite(self, call: ControlCall) -> HandlerResult:
        favorite_id = param(call.body, "favoriteId", str)
        options = self._load_options(call)
        household = self.model.households[call.group.household_id]
        for favorite in household.favorites:
            if favorite.id == favorite_id:
                self.model.load_favorite(call.group.id, favorite, **options)
                return None
        raise global_error(
            400, "ERROR_INVALID_OBJECT_ID", f"unknown favoriteId {favorite_id}"
        )

    def _playlists(self, call: ControlCall) -> HandlerResult:
        household = call.household
        return {
            "_objectType": "playlistsList",
            "version": str(household.playlists_version),
            "playlists": [
                {
                    "_objectType": "playlist",
                    "id": p.id,
                    "name": p.name,
                    "type": "playlist",
                    "trackCount": len(p.tracks),
                }
                for p in household.playlists
            ],
        }

    @staticmethod
    def _find_playlist(household: Household, playlist_id: str) -> Playlist:
        for playlist in household.playlists:
            if playlist.id == playlist_id:
                return playlist
        raise global_error(
            400, "ERROR_INVALID_OBJECT_ID", f"unknown playlistId {playlist_id}"
        )

    def _playlist(self, call: ControlCall) -> HandlerResult:
        playlist = self._find_playlist(call.household, call.params["playlist"])
        return {
            "_objectType": "playlistSummary",
            "id": playlist.id,
            "name": playlist.name,
            "type": "playlist",
            "tracks": [
                {
                    "_objectType": "playlistTrack",
                    "name": t.title,
                    "artist": t.artist,
                    "album": t.album,
                }
                for t in playlist.tracks[:100]
            ],
        }

    def _load_playlist(self, call: ControlCall) -> HandlerResult:
        playlist_id = param(call.body, "playlistId", str)
        options = self._load_options(call)
        household = self.model.households[call.group.household_id]
        playlist = self._find_playlist(household, playlist_id)
        self.model.load_playlist(call.group.id, playlist, **options)

    # -- audio clips ------------------------------------------------------------

    @staticmethod
    def _clip_json(clip: AudioClip) -> dict[str, Any]:
        data = {
            "_objectType": "audioClip",
            "id": clip.id,
            "name": clip.name,
            "appId": clip.app_id,
            "priority": clip.priority,
            "clipType": clip.clip_type,
            "status": clip.status,
        }
        if clip.error_code:
            data["errorCode"] = clip.error_code
        return data

    def _clip_status(self, player_id: str) -> dict[str, Any]:
        """``audioClipStatus``: the player's latest clips (at most 3)."""
        clips = self.model.clips.get(player_id, [])[-3:]
        return {
            "_objectType": "audioClipStatus",
            "audioClips": [self._clip_json(c) for c in clips],
        }

    def _load_clip(self, call: ControlCall) -> HandlerResult:
        body, player = call.body, call.player
        name = text(body, "name", 64)
        app_id = text(body, "appId", 127)
        stream_url = http_url(body, "streamUrl", required=False)
        default_type = "CUSTOM" if stream_url else "CHIME"
        clip_type = choice(
            body, "clipType", ("CHIME", "CUSTOM", "VOICE_ASSISTANT"), default_type
        )
        if clip_type == "CUSTOM" and stream_url is None:
            param(body, "streamUrl", str)  # raises ERROR_MISSING_PARAMETERS
        authorization = text(body, "httpAuthorization", 512, required=False)
        if authorization is not None and not (stream_url or "").startswith("https:"):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "httpAuthorization needs https"
            )
        priority = choice(body, "priority", ("LOW", "HIGH"), "LOW")
        volume = param(body, "volume", int, required=False)
        led = choice(
            body, "clipLEDBehavior", ("WHITE_LED_QUICK_BREATHING", "NONE"), None
        )
        if "AUDIO_CLIP" not in player.capabilities:
            raise ModelError("ERROR_NOT_CAPABLE")
        clip = self.model.load_clip(
            AudioClip(
                id="",
                player_id=call.params["player"],
                name=str(name),
                app_id=str(app_id),
                clip_type=str(clip_type),
                priority=str(priority),
                stream_url=stream_url,
                http_authorization=authorization,
                volume=volume,
                led_behavior=led,
            )
        )
        return self._clip_json(clip)

    def _cancel_clip(self, call: ControlCall) -> HandlerResult:
        clip = self.model.find_clip(call.params["player"], call.params["clip"])
        if clip is None or clip.status != "ACTIVE":
            raise ApiError(
                404,
                {
                    "_objectType": "globalError",
                    "errorCode": "ERROR_AUDIO_CLIP_ID_NOT_FOUND",
                    "reason": f"no active audio clip {call.params['clip']}",
                },
            )
        # Found under the id it was started on (a satellite's own, for one).
        self.model.finish_clip(clip.player_id, clip.id, "DISMISSED")

    # -- playback sessions --------------------------------------------------------

    def _session_body(self, call: ControlCall) -> tuple[str, str, Any, str]:
        app_id = text(call.body, "appId", 127)
        app_context = text(call.body, "appContext", 127)
        if len(f"{app_id}{app_context}".encode()) >= 255:
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "appId + appContext too long"
            )
        account_id = param(call.body, "accountId", str, required=False)
        custom_data = param(call.body, "customData", str, required=False) or ""
        return str(app_id), str(app_context), account_id, custom_data[:1023]

    @staticmethod
    def _session_status(session: Any, *, created: bool) -> dict[str, Any]:
        return {
            "_objectType": "sessionStatus",
            "sessionId": session.id,
            "sessionState": "SESSION_STATE_CONNECTED",
            "sessionCreated": created,
            "customData": session.custom_data,
        }

    def _create_session(self, call: ControlCall) -> HandlerResult:
        session = self.model.create_session(call.group.id, *self._session_body(call))
        return self._session_status(session, created=True)

    def _join_or_create(self, call: ControlCall) -> HandlerResult:
        app_id, app_context, account_id, custom_data = self._session_body(call)
        current = self.model.sessions.get(call.group.session_id or "")
        if current and (current.app_id, current.app_context) == (app_id, app_context):
            return self._session_status(current, created=False)
        session = self.model.create_session(
            call.group.id, app_id, app_context, account_id, custom_data
        )
        return self._session_status(session, created=True)

    def _leave_session(self, call: ControlCall) -> HandlerResult:
        self.model.end_session(call.session.id)

    def _load_stream(self, call: ControlCall) -> HandlerResult:
        stream_url = str(http_url(call.body, "streamUrl", required=True))
        play = bool(param(call.body, "playOnCompletion", bool, required=False))
        param(call.body, "itemId", str, required=False)
        metadata = param(call.body, "stationMetadata", dict, required=False) or {}
        name = text(metadata, "name", 100, required=False) or stream_url
        self.model.load_station(
            call.group.id,
            name,
            stream_url=stream_url,
            service=None,
            session_id=call.session.id,
            play=play,
        )

    # -- home theater ---------------------------------------------------------------

    @staticmethod
    def _home_theater_player(call: ControlCall) -> Player:
        if "HT_PLAYBACK" not in call.player.capabilities:
            raise global_error(
                404, "ERROR_UNSUPPORTED_NAMESPACE", "player has no home theater"
            )
        return call.player

    def _ht_options(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        return {
            "_objectType": "homeTheaterOptions",
            "nightMode": player.night_mode,
            "enhanceDialog": player.enhance_dialog,
        }

    def _set_ht_options(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        self.model.set_home_theater_options(
            player.id,
            param(call.body, "nightMode", bool, required=False),
            param(call.body, "enhanceDialog", bool, required=False),
        )
        return self._ht_options(call)

    def _load_home_theater(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        group = self.model.group_of(player.id)
        self.model.load_line_in(
            group.id, device_id=player.id, home_theater=True, play=True
        )

    def _tv_power(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        state = choice(call.body, "tvPowerState", ("ON", "STANDBY"), None)
        if state is None:
            param(call.body, "tvPowerState", str)  # raises missing
        if "HT_POWER_STATE" not in player.capabilities:
            raise global_error(
                404, "ERROR_UNSUPPORTED_COMMAND", "player cannot switch the TV"
            )
        player.tv_power_state = str(state)
