"""One player's local websocket, kept open, subscribed and reconnected.

A link connects, subscribes to what it is asked to serve (``wanted``) and
hands each event over; when the socket fails it waits (``BACKOFF``, on Home
Assistant's clock) and tries again, forever, until it is stopped. Each outage
logs one warning; the return one info line.

Certificates are checked against ``local_certificates.CertificatePins``: a
socket whose certificate changed still delivers events, but the account's
token is never sent to it. A player that wants the token then fails each
attempt and its state comes from the cloud.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .api import AccessTokenProvider, SonosConnectionError, SonosError, SonosEvent
from .api.local import COORDINATOR_CHANGED, TARGET_OF_NAMESPACE, SonosLocalAuthError
from .api.local_socket import SonosLocalSocket
from .const import LOGGER
from .local_certificates import CertificatePins

type LocalSubscription = tuple[str, str]
"""(namespace, target id)."""

BACKOFF = tuple(timedelta(seconds=s) for s in (5, 15, 30, 60, 120, 300))
"""Waits before each new attempt after a failure; the last one repeats."""


class LocalLink:
    """Keep one player's websocket open and subscribed."""

    def __init__(
        self,
        hass: HomeAssistant,
        player_id: str,
        url: str,
        *,
        connection: tuple[aiohttp.ClientSession, str, AccessTokenProvider],
        on_event: Callable[[SonosEvent], None],
        on_change: Callable[[], None],
        certificates: CertificatePins,
    ) -> None:
        """Prepare the link; ``async_run`` connects."""
        self._hass = hass
        self.player_id = player_id
        self.url = url
        self._session, self._api_key, self._tokens = connection
        self._on_event = on_event
        self._on_change = on_change
        self._certificates = certificates
        self.wanted: frozenset[LocalSubscription] = frozenset()
        self.subscribed: set[LocalSubscription] = set()
        self.socket: SonosLocalSocket | None = None
        self.failures = 0
        self.attempts = 0
        self.token_required = False
        # How long the link waits before its next attempt, after a failure.
        self.retry_wait: timedelta | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._wake = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether the socket is open and subscribed."""
        return self.socket is not None and self.socket.connected

    async def async_run(self) -> None:
        """Connect, serve until the socket closes, wait, and again, until closed."""
        while not self._stopped:
            try:
                await self._async_serve()
            except SonosError as err:
                self._failed(err)
            await self._async_back_off()

    async def async_close(self) -> None:
        """Close the socket, if open, and make no new attempt."""
        self._stopped = True
        self._wake.set()
        if self.socket is not None:
            await self.socket.async_close()

    async def _async_back_off(self) -> None:
        """Wait before the next attempt; not at all once the link is closed."""
        if self._stopped:
            return
        wait = BACKOFF[min(self.failures, len(BACKOFF)) - 1]
        self.retry_wait = wait
        self._wake.clear()

        @callback
        def wake(_now: datetime) -> None:
            self._wake.set()

        cancel = async_call_later(self._hass, wait, wake)
        try:
            await self._wake.wait()
        finally:
            cancel()

    async def _async_serve(self) -> None:
        self.attempts += 1
        sock = SonosLocalSocket(
            self._session,
            self.url,
            self._api_key,
            self._tokens,
            self._handle,
            send_token=(
                self.token_required and self._certificates.trusted(self.player_id)
            ),
        )
        await sock.async_connect()
        if self._stopped:  # closed while connecting
            await sock.async_close()
            return
        self._check_certificate(sock)
        self.socket = sock
        try:
            await self.async_sync()
            if self.failures:
                LOGGER.info("Local events of %s arrive again", self.player_id)
            self.failures = 0
            self._on_change()
            await sock.async_wait_closed()
        finally:
            self.token_required = self.token_required or sock.send_token
            self.subscribed.clear()
            self.socket = None
            await sock.async_close()
        if sock.refused_unauthorized:
            raise SonosLocalAuthError(sock.close_reason)
        raise SonosConnectionError(sock.close_reason)

    def _check_certificate(self, sock: SonosLocalSocket) -> None:
        sock.token_allowed = self._certificates.check(
            self.player_id, sock.fingerprint or ""
        )
        sock.send_token = sock.send_token and sock.token_allowed

    def _failed(self, err: SonosError) -> None:
        """Count a failure; warn once per outage (closing the link is none)."""
        if self._stopped:
            return
        self.failures += 1
        reason = str(err)
        if self.failures == 1:
            LOGGER.warning(
                "Local events of %s stopped (%s); using the cloud meanwhile",
                self.player_id,
                reason,
            )
        else:
            LOGGER.debug("Local events of %s: %s", self.player_id, reason)
        self._on_change()

    @callback
    def async_want(self, wanted: frozenset[LocalSubscription]) -> bool:
        """Set what to subscribe; return whether a sync is needed."""
        changed = wanted != self.wanted
        self.wanted = wanted
        return changed and self.connected

    async def async_sync(self) -> None:
        """Subscribe what is wanted, unsubscribe what no longer is.

        A refusal of one target leaves it to the cloud; a refusal of the
        token, or a lost socket, ends the connection.
        """
        async with self._lock:
            sock = self.socket
            if sock is None:
                return
            for namespace, target in sorted(self.subscribed - self.wanted):
                self.subscribed.discard((namespace, target))
                try:
                    await sock.async_unsubscribe(
                        namespace, {TARGET_OF_NAMESPACE[namespace]: target}
                    )
                except SonosLocalAuthError:
                    raise
                except SonosError as err:
                    LOGGER.debug("Unsubscribing %s failed: %s", target, err)
            for namespace, target in sorted(self.wanted - self.subscribed):
                try:
                    await sock.async_subscribe(
                        namespace, {TARGET_OF_NAMESPACE[namespace]: target}
                    )
                except SonosLocalAuthError:
                    raise
                except SonosError as err:
                    if not sock.connected:
                        raise
                    LOGGER.debug(
                        "%s serves no %s of %s: %s",
                        self.player_id,
                        namespace,
                        target,
                        err,
                    )
                else:
                    self.subscribed.add((namespace, target))
            self.token_required = self.token_required or sock.send_token
        self._on_change()

    @callback
    def _handle(self, event: SonosEvent) -> None:
        if event.type == COORDINATOR_CHANGED:
            # The group moved to another player's socket or is gone.
            self.subscribed = {
                item for item in self.subscribed if item[1] != event.target_value
            }
            self._on_change()
            return
        self._on_event(event)
