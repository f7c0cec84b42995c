"""aiohttp application of the simulated Sonos cloud: OAuth, Control API, test hooks.

One catch-all route feeds a small dispatcher so that recording, fault injection,
authentication, rate limiting and the contract's body check apply uniformly to
every request. ``SonosCloudSimulator`` is put together from one mixin per
concern: the Control API namespaces and OAuth (``routes/``), events and their
subscriptions (``routes/subscriptions.py``), test hooks (``hooks.py``), faults
and rate limits (``faults.py``), the inspection endpoints
(``inspection.py``); each namespace lists its routes, which
``_register_routes`` adds to the table (``add_route``).

Choices where the reference leaves room (all unverified against the real cloud):
unknown household ids answer 403 ERROR_NO_PERMISSION when well-formed
(``Sonos_<alnum>.<alnum>``), else 404 ERROR_RESOURCE_NOT_FOUND; a gone group 410
ERROR_RESOURCE_GONE (or the contract's 404 ``groupCoordinatorChanged`` body with
``stale_group_status=404``); a gone player or session 410 ERROR_RESOURCE_GONE.
The namespaces' own choices are in their modules. Webhooks: see ``events.py``.
"""

import asyncio
from collections import deque
from collections.abc import Callable
import inspect
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict

from tests.simulator.artwork import demo_covers
from tests.simulator.events import (
    CLEANUP_DELAY,
    SUBSCRIPTION_TTL,
    EventSender,
    Subscriptions,
)
from tests.simulator.faults import FaultsAndLimits
from tests.simulator.hooks import TestHooks
from tests.simulator.inspection import Inspection
from tests.simulator.model import IMAGE_ROOT, ModelError, SonosModel
from tests.simulator.routes.audio_clip import AudioClipRoutes
from tests.simulator.routes.favorites import FavoritesRoutes
from tests.simulator.routes.groups import GroupingRoutes
from tests.simulator.routes.home_theater import HomeTheaterRoutes
from tests.simulator.routes.households import HouseholdRoutes
from tests.simulator.routes.metadata import MetadataRoutes
from tests.simulator.routes.oauth import OAuthRoutes
from tests.simulator.routes.playback import PlaybackRoutes
from tests.simulator.routes.sessions import SessionRoutes
from tests.simulator.routes.subscriptions import SubscriptionRoutes
from tests.simulator.routes.volume import VolumeRoutes
from tests.simulator.wire import (
    APP_BASE,
    APP_CLIENT_ID,
    AUTHORIZE_PATH,
    CONTRACT,
    CONTROL_BASE,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    HOUSEHOLD_ID_RE,
    INSPECT_CALLBACK_PATH,
    INSPECT_REQUESTS_PATH,
    INVALID_JSON,
    TOKEN_PATH,
    AccessToken,
    ApiError,
    AuthCode,
    ControlCall,
    Handler,
    RecordedRequest,
    global_error,
    reply_json,
)


class SonosCloudSimulator(
    SubscriptionRoutes,
    TestHooks,
    Inspection,
    FaultsAndLimits,
    OAuthRoutes,
    HouseholdRoutes,
    PlaybackRoutes,
    MetadataRoutes,
    GroupingRoutes,
    VolumeRoutes,
    FavoritesRoutes,
    AudioClipRoutes,
    SessionRoutes,
    HomeTheaterRoutes,
):
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
        # The demo's album covers, drawn once at start-up (artwork.py).
        self._covers = demo_covers()
        # Players' own websocket URLs (``local.LocalPlayers``); others get a
        # documentation address that nothing may contact.
        self.websocket_urls: dict[str, str] = {}
        self.model = SonosModel()
        self.requests: list[RecordedRequest] = []
        # Called with every recorded request (after its answer) and with every
        # event body sent: (namespace, type, body). The contract check uses them.
        self.request_listeners: list[Callable[[RecordedRequest], None]] = []
        self.event_listeners: list[Callable[[str, str, Any], None]] = []
        self._faults: list[list[Any]] = []  # [fault, hits left or None]
        self._codes: dict[str, AuthCode] = {}
        self._access_tokens: dict[str, AccessToken] = {}
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

    def add_route(self, method: str, template: str, handler: Handler) -> None:
        """Register a Control API route so later namespaces plug in.

        ``{household}``, ``{group}`` and ``{player}`` in the template are
        resolved to model objects; other ``{names}`` are passed raw.
        """
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile(pattern), handler))

    @staticmethod
    def _classify(path: str) -> tuple[str, str]:
        """Return (api, path): control paths become relative to the base."""
        if path == CONTROL_BASE or path.startswith(f"{CONTROL_BASE}/"):
            return "control", path.removeprefix(CONTROL_BASE) or "/"
        if path.startswith(f"{APP_BASE}/"):
            return "app", path.removeprefix(APP_BASE)
        return ("oauth" if path in (AUTHORIZE_PATH, TOKEN_PATH) else "other"), path

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        """Record, inject faults, then route to OAuth or the Control API."""
        text = (await request.read()).decode("utf-8", "replace")
        api, path = self._classify(request.path)
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = INVALID_JSON
        form: dict[str, str] = {}
        if request.content_type == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(text, keep_blank_values=True))

        def record(status: int, reply: Any = None, *, injected: bool = False) -> None:
            recorded = RecordedRequest(
                request.method,
                path,
                dict(request.query),
                dict(request.headers),
                None if body is INVALID_JSON else body,
                form,
                status,
                api,
                reply,
                injected,
            )
            self.requests.append(recorded)
            for listener in self.request_listeners:
                listener(recorded)

        if api != "app" and (fault := self._take_fault(request.method, path)):
            response = self._fault_response(fault, path, api)
            record(response.status, reply_json(response), injected=True)
            if fault.disconnect and request.transport is not None:
                request.transport.close()
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
        record(response.status, reply_json(response))
        return response

    async def _route(
        self, request: web.Request, api: str, path: str, body: Any, form: dict[str, str]
    ) -> web.Response:
        if api in ("control", "app"):
            return await self._control(request, path, body, app=api == "app")
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

    async def _control(
        self, request: web.Request, path: str, body: Any, *, app: bool = False
    ) -> web.Response:
        """Answer a Control API call; ``app``: the Sonos app's, without a token."""
        if app:
            client_id = APP_CLIENT_ID
        else:
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
        operation = CONTRACT.operation(call.method, call.path)
        if operation is None or "requestBody" not in operation.facts:
            return
        schema = operation.facts["requestBody"]["schema"]
        problems = [
            problem
            for problem in CONTRACT.validator.validate(call.body, schema)
            if not problem.startswith("body: missing required")
        ]
        if problems:
            raise global_error(400, "ERROR_INVALID_PARAMETER", problems[0][:256])

    def _resolve(self, call: ControlCall) -> None:
        """Turn path ids into model objects, answering like the cloud if gone."""
        model, params = self.model, call.params
        if (household_id := params.get("household")) is not None:
            if household_id not in model.households:
                if HOUSEHOLD_ID_RE.fullmatch(household_id):
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

    def _register_routes(self) -> None:
        self._subscription_routes()  # before ``audioClip/{clip}`` catches them
        for method, template, handler in (
            *self._household_routes(),
            *self._playback_routes(),
            *self._metadata_routes(),
            *self._grouping_routes(),
            *self._favorites_routes(),
            *self._audio_clip_routes(),
            *self._session_routes(),
            *self._home_theater_routes(),
            *self._volume_routes(),
        ):
            self.add_route(method, template, handler)
