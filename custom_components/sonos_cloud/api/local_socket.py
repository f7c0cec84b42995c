"""One connection to one player's local websocket.

The player's certificate is self-signed, so it is not verified; its SHA-256
fingerprint is kept instead (``fingerprint``) so that the caller can pin it.
The account's OAuth token is sent only when the player refused a command
without it (``ERROR_NOT_AUTHORIZED``), only over this TLS socket, and never
when ``token_allowed`` is False (the caller withholds it from a certificate
that changed). Once a player wanted it, every later command carries it.
"""

import asyncio
from collections.abc import Callable, Mapping
import hashlib
import logging
import ssl
from typing import Any
import uuid

import aiohttp

from .client import AccessTokenProvider
from .errors import SonosConnectionError, SonosError
from .events import SonosEvent
from .local import (
    LOCAL_PROTOCOL,
    MAX_MESSAGE_BYTES,
    NOT_AUTHORIZED,
    SonosLocalAuthError,
    command_error,
    command_message,
    local_websocket_url,
    parse_local_event,
    parse_message,
)

_LOGGER = logging.getLogger(__name__)
_CLOSING = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
)

HEARTBEAT = 55.0
"""Seconds of silence after which the player is pinged."""
PONG_TIMEOUT = 10.0
"""Seconds a pinged player has to answer before the socket counts as lost."""
CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 10.0


def _tls_context() -> ssl.SSLContext:
    """TLS 1.2 or newer, without checking the player's self-signed certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _closed_because(message: aiohttp.WSMessage, code: int | None) -> str:
    """Say why a socket ended, for the one warning of an outage."""
    if message.type is aiohttp.WSMsgType.ERROR:
        return f"the player sent what is no websocket frame: {message.data}"
    if code is not None:
        return f"the player closed the socket (code {code})"
    return "the player closed the socket"


class SonosLocalSocket:
    """Commands and events over one player's websocket."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        access_token: AccessTokenProvider,
        on_event: Callable[[SonosEvent], None],
        *,
        send_token: bool = False,
    ) -> None:
        """Refuse a URL outside the home network before anything is sent.

        ``send_token``: the player wanted the token before, so send it at once.
        """
        if local_websocket_url(url) is None:
            raise ValueError("Not a websocket URL in a home network")
        self._session = session
        self.url = url
        self._api_key = api_key
        self._access_token = access_token
        self._on_event = on_event
        self.send_token = send_token
        self.token_allowed = True
        self.fingerprint: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._closed = asyncio.Event()
        # Set when the player said, outside any answer, that it wants the token.
        self.refused_unauthorized = False
        # Frames read, pongs included, and why the socket ended (for the log).
        self.received = 0
        self.close_reason = "the socket closed"
        # Pinged after a quiet HEARTBEAT, and nothing heard since.
        self.awaiting_pong = False

    @property
    def connected(self) -> bool:
        """Whether the socket is open."""
        return self._ws is not None and not self._ws.closed

    async def async_connect(self) -> None:
        """Open the socket and start reading; raise ``SonosConnectionError``."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                self._ws = await self._session.ws_connect(
                    self.url,
                    protocols=(LOCAL_PROTOCOL,),
                    headers={"X-Sonos-Api-Key": self._api_key},
                    ssl=_tls_context(),
                    max_msg_size=MAX_MESSAGE_BYTES,
                    # Pings are ours (_read): aiohttp's heartbeat can leave a
                    # timer behind a closed socket.
                    autoping=False,
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise SonosConnectionError(
                f"Cannot connect to the player: {type(err).__name__}"
            ) from err
        ssl_object = self._ws.get_extra_info("ssl_object")
        certificate = (
            ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        )
        self.fingerprint = (
            hashlib.sha256(certificate).hexdigest() if certificate else None
        )
        self._reader = asyncio.create_task(self._read(self._ws))

    async def async_close(self) -> None:
        """Close the socket and stop reading."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        self._closed.set()

    async def async_wait_closed(self) -> None:
        """Return once the socket is closed, by either side."""
        await self._closed.wait()

    async def async_subscribe(self, namespace: str, targets: Mapping[str, str]) -> None:
        """Subscribe to a namespace of a target the player serves."""
        await self.async_command(namespace, "subscribe", targets)

    async def async_unsubscribe(
        self, namespace: str, targets: Mapping[str, str]
    ) -> None:
        """Stop a namespace's events."""
        await self.async_command(namespace, "unsubscribe", targets)

    async def async_command(
        self,
        namespace: str,
        command: str,
        targets: Mapping[str, str],
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send a command and return the body of its answer.

        Raises ``SonosLocalAuthError`` when the player refuses without the
        token and it may not be sent, or refuses it; other refusals are
        ``SonosLocalCommandError``; a lost socket ``SonosConnectionError``.
        """
        try:
            return await self._send(namespace, command, targets, body)
        except SonosLocalAuthError:
            if self.send_token or not self.token_allowed:
                raise
        _LOGGER.debug("The player at %s wants the account's token", self.url)
        self.send_token = True
        return await self._send(namespace, command, targets, body)

    async def _send(
        self,
        namespace: str,
        command: str,
        targets: Mapping[str, str],
        body: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        if (ws := self._ws) is None or ws.closed:
            raise SonosConnectionError("The player's socket is closed")
        send_token = self.send_token and self.token_allowed
        token = await self._access_token() if send_token else None
        cmd_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[cmd_id] = future
        try:
            await ws.send_str(
                command_message(
                    namespace, command, targets, cmd_id, token=token, body=body
                )
            )
            async with asyncio.timeout(COMMAND_TIMEOUT):
                return await future
        except TimeoutError as err:  # before OSError, its base class
            # A player that does not answer is lost, not one that refuses.
            self.close_reason = "the player did not answer a command"
            await ws.close()
            raise SonosConnectionError("The player did not answer") from err
        except (aiohttp.ClientError, OSError) as err:
            raise SonosConnectionError("The player's socket failed") from err
        finally:
            del self._pending[cmd_id]

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read until the socket closes; ping a player that has been quiet."""
        try:
            while not ws.closed:
                try:
                    message = await ws.receive(timeout=HEARTBEAT)
                except TimeoutError:
                    self.awaiting_pong = True
                    await ws.ping()
                    try:
                        message = await ws.receive(timeout=PONG_TIMEOUT)
                    except TimeoutError:
                        self.close_reason = "the player stopped answering pings"
                        break
                self.awaiting_pong = False
                self.received += 1
                if message.type is aiohttp.WSMsgType.PING:
                    await ws.pong(message.data)
                elif message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    if not self._handle(message.data):
                        break
                elif message.type in _CLOSING:
                    self.close_reason = _closed_because(message, ws.close_code)
                    break
        except (aiohttp.ClientError, OSError) as err:
            self.close_reason = f"the socket failed: {type(err).__name__}"
        finally:
            await ws.close()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(
                        SonosConnectionError("The player closed the socket")
                    )
            self._closed.set()

    def _handle(self, data: str | bytes) -> bool:
        """Handle one message; return False when the socket must close."""
        if (message := parse_message(data)) is None:
            _LOGGER.debug("Ignoring a message from %s that is not [{}, {}]", self.url)
            return True
        header, body = message
        cmd_id = header.get("cmdId")
        if "success" in header or header.get("type") == "globalError":
            future = self._pending.get(cmd_id) if isinstance(cmd_id, str) else None
            if header.get("success") is True:
                if future is not None and not future.done():
                    future.set_result(body)
                return True
            error: SonosError = command_error(header, body)
            if future is not None and not future.done():
                future.set_exception(error)
            elif error.error_code == NOT_AUTHORIZED:
                # Not an answer: the player no longer accepts this socket.
                self.close_reason = "the player wants the account's token"
                self.refused_unauthorized = True
                self.send_token = True
                return False
            else:
                _LOGGER.debug("Ignoring an error from %s: %s", self.url, error)
            return True
        if (event := parse_local_event(header, body)) is not None:
            self._on_event(event)
        return True
