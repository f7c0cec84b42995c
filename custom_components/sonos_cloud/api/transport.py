"""How every request reaches the Control API: tokens, limits, errors.

Every request of a client passes ``Transport.request``: it asks the token
provider for a bearer token (again, naming the refused token, after a 401),
waits for the key's ``RequestPacer`` (``pacer.py``: a rate and a number of
requests in flight, shared by every client of the key, commands first), and
turns error answers into the ``SonosError`` the caller must act on.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Coroutine, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
import json
import logging
import re
import time
from typing import Any, Protocol

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
)
from .pacer import RequestPacer
from .parse import JsonObject

CONTROL_API_URL = "https://api.ws.sonos.com/control/api/v1"
DEFAULT_TIMEOUT = 10.0
# A command answered 429 is sent once more when Sonos asks to wait this long at
# most (seconds).
SHORT_RETRY_AFTER = 2.0
# The longest Retry-After believed, in seconds; a longer one is shortened.
MAX_RETRY_AFTER = 3600.0
_DELAY_SECONDS = re.compile(r"[0-9]+", re.ASCII)

# Named as before the split, so log settings keep working.
# Requests remembered for requests_last_minute: more than a minute at the pace.
SENT_REMEMBERED = 4096

_LOGGER = logging.getLogger(__name__.rpartition(".")[0] + ".client")


class AccessTokenProvider(Protocol):
    """Return a valid access token.

    ``rejected_token`` is the token the API just refused; a provider should
    refresh unless it already holds a newer one.
    """

    async def __call__(self, rejected_token: str | None = None) -> str:
        """Return the access token to send."""
        ...


class Transport:
    """Send requests with an injected aiohttp session and token provider."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessTokenProvider,
        *,
        base_url: str,
        timeout: float,
        user_agent: str | None,
        pacer: RequestPacer,
    ) -> None:
        """Keep the session, token provider, pacer and where the API lives."""
        self._session = session
        self._access_token = access_token
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._user_agent = user_agent
        self._pacer = pacer
        # When recent requests went out, for the requests-per-minute figure.
        self._sent: deque[float] = deque(maxlen=SENT_REMEMBERED)

    def requests_last_minute(self) -> int:
        """Return how many requests went out in the last 60 seconds."""
        since = time.monotonic() - 60
        while self._sent and self._sent[0] <= since:
            self._sent.popleft()
        return len(self._sent)

    async def request(
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
        return as_object(data)

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
        # Reads, removals and subscriptions (a renewal) are safe to send twice:
        # one that met a kept-alive connection the server dropped goes again.
        if method != "POST" or path.endswith("/subscription"):
            try:
                return await self._send_once(method, path, headers, payload, params)
            except SonosConnectionError as err:
                if not isinstance(err.__cause__, _DROPPED):
                    raise
                _LOGGER.debug("%s %s: %s; sending again", method, path, err.__cause__)
        return await self._send_once(method, path, headers, payload, params)

    async def _send_once(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        payload: str | None,
        params: dict[str, str] | None,
    ) -> tuple[int, dict[str, str], str]:
        self._sent.append(time.monotonic())
        try:
            async with (
                self._pacer.slot(),
                self._session.request(
                    method,
                    self._base_url + path,
                    headers=headers,
                    data=payload,
                    params=params,
                    timeout=self._timeout,
                ) as response,
            ):
                text = await response.text()
                _LOGGER.debug("%s %s -> %s", method, path, response.status)
                return response.status, dict(response.headers), text
        except TimeoutError as err:
            raise SonosConnectionError(f"{method} {path} timed out") from err
        except aiohttp.ClientError as err:
            raise SonosConnectionError(
                f"{method} {path} failed: {type(err).__name__}"
            ) from err


# A connection that ended under a request, before any answer.
_DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


def as_object(data: Any) -> JsonObject:
    """Check that an answer is a JSON object, the only kind the API sends."""
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


async def gather_all[T](calls: Iterable[Awaitable[T]]) -> list[T]:
    """Await calls together; at the first failure cancel the rest and raise it.

    A refresh that hits a 429 or an outage must not go on sending the rest
    of its requests; a call cancelled before it started is closed unawaited.
    """
    pending = list(calls)
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(call)) for call in pending]
    except ExceptionGroup as errors:
        raise _first_error(errors) from None
    return [task.result() for task in tasks]


async def _awaited[T](call: Awaitable[T]) -> T:
    try:
        return await call
    finally:
        if isinstance(call, Coroutine):
            call.close()  # cancelled before it ran: never started


def _first_error(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    """Return the first leaf exception of a (nested) exception group."""
    first = errors.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
