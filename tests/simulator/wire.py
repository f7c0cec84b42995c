"""Shared vocabulary of the simulator's modules: records, faults, errors, calls.

What a request looked like (``RecordedRequest``), what a test injects
(``Fault``), how a handler refuses (``ApiError``, ``global_error``), what a
handler gets (``ControlCall``) and the checks of request fields (``param``,
``choice``, ``text``, ``http_url``), plus the paths and demo constants.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.contract.checker import ContractChecker
from tests.simulator.model import Group, Household, Player, Service, random_alnum

CONTROL_BASE = "/control/api/v1"
AUTHORIZE_PATH = "/login/v3/oauth"
TOKEN_PATH = "/login/v3/oauth/access"
# Not part of Sonos' API: how another process (the end-to-end tests, a
# developer with curl) sees what the simulator was asked, and sets the key's
# Event Callback URL as one does in Sonos' developer portal.
INSPECT_REQUESTS_PATH = "/simulator/requests"
INSPECT_CALLBACK_PATH = "/simulator/callback-url"
# The Sonos app: any Control API path under this prefix, with no token, as
# another client of the household (recorded apart, as api "app").
APP_BASE = "/simulator/app"
APP_CLIENT_ID = "sonos-app"
SCOPE = "playback-control-all"
CODE_TTL = 600.0
OWNER_LUID = "770011223"

DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_HOUSEHOLD_ID = "Sonos_DemoHousehold0000000000000.Demo00000000000000001"
LIVING_ROOM = "RINCON_38420B1A2C3D01400"
KITCHEN = "RINCON_48A6B8F0E1D201400"
BEDROOM = "RINCON_7828CA0F9A8801400"

INVALID_JSON = object()  # request body that failed to parse
HOUSEHOLD_ID_RE = re.compile(r"Sonos_[A-Za-z0-9]+\.[A-Za-z0-9]+")
INT32 = (-(2**31), 2**31 - 1)  # the contract's ``int32``
# Request bodies are checked against Sonos' contract before any handler runs.
CONTRACT = ContractChecker.load()
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
    # Close the connection without answering, as a server does with a kept-alive
    # connection it dropped just as the client reused it.
    disconnect: bool = False


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
class AuthCode:
    """An authorization code the sign-in page handed out."""

    client_id: str
    redirect_uri: str
    expires_at: float


@dataclass
class AccessToken:
    """An access token and when it expires."""

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


def reply_json(response: web.Response) -> Any:
    """Return the JSON body of a response; None without one (or another kind)."""
    if not isinstance(response.body, bytes) or not response.body.strip():
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def random_token(length: tuple[int, int]) -> str:
    return random_alnum(length[0] + secrets.randbelow(length[1] - length[0] + 1))


type Route = tuple[str, str, Handler]
"""(method, path template, handler) of one Control API command."""
