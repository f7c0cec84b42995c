"""aiohttp application of the simulated Sonos cloud: OAuth, Control API, test hooks.

One catch-all route feeds a small dispatcher so that recording, fault injection,
authentication and rate limiting apply uniformly to every request. Control API
commands live in a route table (``add_route``) so later namespaces plug in.

Choices where the reference leaves room (all unverified against the real cloud):
unknown household ids answer 403 ERROR_NO_PERMISSION when well-formed
(``Sonos_<alnum>.<alnum>``), else 404 ERROR_RESOURCE_NOT_FOUND; faults are
checked before authentication and rate limiting; rejected requests don't count
towards the quota; a missing code/refresh token is ``invalid_request``.
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
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from multidict import CIMultiDict

from .model import (
    DEMO_TRACKS,
    PAUSED,
    PLAYING,
    Group,
    Household,
    ModelError,
    Player,
    SonosModel,
    Track,
    random_alnum,
)

CONTROL_BASE = "/control/api/v1"
AUTHORIZE_PATH = "/login/v3/oauth"
TOKEN_PATH = "/login/v3/oauth/access"
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
_SERVICE = {"_objectType": "service", "name": "Sonos Simulator", "id": "local-library"}


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
    ) -> None:
        """Configure the account; households are added afterwards."""
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
        self.model = SonosModel()
        self.requests: list[RecordedRequest] = []
        self._faults: list[list[Any]] = []  # [fault, hits left or None]
        self._codes: dict[str, _AuthCode] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, str] = {}  # token -> client id
        self._hits: dict[str, deque[float]] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register_routes()
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

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

        def record(status: int) -> None:
            self.requests.append(
                RecordedRequest(
                    request.method,
                    path,
                    dict(request.query),
                    dict(request.headers),
                    None if body is _INVALID_JSON else body,
                    form,
                    status,
                    api,
                )
            )

        if fault := self._take_fault(request.method, path):
            response = self._fault_response(fault, path, api)
            record(response.status)
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
        record(response.status)
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
            status=status, body=json.dumps(body).encode(), headers=merged
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
            try:
                result = handler(call)
                if inspect.isawaitable(result):
                    result = await result
            except ModelError as err:
                error = {"_objectType": err.object_type, "errorCode": err.error_code}
                raise ApiError(499, error) from err
            return self._respond(200, {} if result is None else result, None, "control")
        raise ApiError(404, {"errorCode": "ERROR_RESOURCE_NOT_FOUND"})

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
                    raise global_error(404, "ERROR_GROUP_CHANGED")
                raise ApiError(410, {"errorCode": "ERROR_RESOURCE_GONE"})
            call.targets["group"] = model.groups[group_id]
        if (player_id := params.get("player")) is not None:
            if player_id not in model.players:
                raise ApiError(410, {"errorCode": "ERROR_RESOURCE_GONE"})
            call.targets["player"] = model.players[player_id]

    # -- Control API handlers -----------------------------------------------

    def _register_routes(self) -> None:
        model = self.model

        def on_group(action: Callable[[str], None]) -> Handler:
            return lambda call: action(call.group.id)

        def skip(step: int) -> Handler:
            return on_group(lambda group_id: model.skip(group_id, step))

        group, player = "/groups/{group}", "/players/{player}"
        for method, template, handler in (
            ("GET", "/households", self._households),
            ("GET", "/households/{household}/groups", self._groups),
            ("GET", f"{group}/playback", self._playback_status),
            ("POST", f"{group}/playback/play", on_group(model.play)),
            ("POST", f"{group}/playback/pause", on_group(model.pause)),
            ("POST", f"{group}/playback/togglePlayPause", on_group(model.toggle)),
            ("POST", f"{group}/playback/skipToNextTrack", skip(1)),
            ("POST", f"{group}/playback/skipToPreviousTrack", skip(-1)),
            ("GET", f"{group}/playbackMetadata", self._metadata_status),
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
        household_id = call.household.id
        with_devices = call.query.get("includeDeviceInfo", "").lower() == "true"
        groups = [
            g for g in self.model.groups.values() if g.household_id == household_id
        ]
        players = [
            p for p in self.model.players.values() if p.household_id == household_id
        ]
        return {
            "_objectType": "groups",
            "groups": [self._group_json(g) for g in groups],
            "players": [self._player_json(p, with_devices) for p in players],
            "partial": self.model.partial,
        }

    def _group_json(self, group: Group) -> dict[str, Any]:
        name = self.model.players[group.coordinator_id].name
        if len(group.player_ids) > 1:
            name = f"{name} + {len(group.player_ids) - 1}"
        return {
            "_objectType": "group",
            "id": group.id,
            "name": name,
            "coordinatorId": group.coordinator_id,
            "playbackState": group.playback_state,
            "playerIds": list(group.player_ids),
            "areaIds": [],
        }

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
        group = call.group
        loaded = group.has_content
        actions = (
            *("canSkip", "canSkipBack", "canSeek", "canPause", "canStop"),
            *("canRepeat", "canRepeatOne", "canCrossfade", "canShuffle"),
            *("canPlay", "canSkipToPrevious"),
        )
        status: dict[str, Any] = {
            "_objectType": "playbackStatus",
            "playbackState": group.playback_state,
            "isDucking": False,
            "positionMillis": self.model.position_millis(group) if loaded else 0,
            "playModes": {"_objectType": "playMode", **group.play_modes},
            "availablePlaybackActions": {
                "_objectType": "playbackAction",
                **dict.fromkeys(actions, loaded),
            },
            "sourceIsLanSwappable": False,
        }
        if loaded:
            status |= {
                "queueVersion": group.queue_version,
                "itemId": group.item_id,
                "previousItemId": str(group.previous_item_index + 1),
                "previousPositionMillis": group.previous_position_millis,
            }
        return status

    @staticmethod
    def _track_json(track: Track, number: int) -> dict[str, Any]:
        return {
            "_objectType": "track",
            "type": "track",
            "name": track.title,
            "artist": {"_objectType": "artist", "name": track.artist},
            "album": {"_objectType": "album", "name": track.album},
            "imageUrl": track.image_url,
            "images": [{"_objectType": "image", "url": track.image_url}],
            "id": {
                "_objectType": "universalMusicObjectId",
                "serviceId": "local-library",
                "objectId": f"sim:track:{number}",
                "accountId": "sn_0",
            },
            "service": _SERVICE,
            "durationMillis": track.duration_millis,
            "trackNumber": number,
            "explicit": False,
        }

    def _metadata_status(self, call: ControlCall) -> HandlerResult:
        group = call.group
        if not group.has_content:
            return {"_objectType": "metadataStatus"}
        index, tracks = group.item_index, group.tracks
        following = (index + 1) % len(tracks)
        return {
            "_objectType": "metadataStatus",
            "container": {
                "_objectType": "container",
                "name": "Simulator Mix",
                "type": "trackList",
                "service": _SERVICE,
                "imageUrl": tracks[0].image_url,
            },
            "currentItem": {
                "_objectType": "queueItem",
                "id": group.item_id,
                "track": self._track_json(tracks[index], index + 1),
                "deleted": False,
                "policies": {"canSkip": True, "canSeek": True},
            },
            "nextItem": {
                "_objectType": "queueItem",
                "id": str(following + 1),
                "track": self._track_json(tracks[following], following + 1),
            },
        }

    def _group_volume(self, call: ControlCall) -> HandlerResult:
        volume, muted = self.model.group_volume(call.group.id)
        fixed = self.model.group_fixed(call.group.id)
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
        player = call.player
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
            param(call.body, "volume", int)  # raises ERROR_MISSING_PARAMETERS
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
