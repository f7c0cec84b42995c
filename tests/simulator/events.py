"""Subscriptions and webhook delivery of the simulated Sonos cloud (section 7).

Kept apart from the HTTP handlers: ``Subscriptions`` is the table of who
listens to what, ``EventSender`` signs and POSTs event bodies to the callback
URL in the background. Bodies are rendered by the simulator at the moment of
the change, so every event shows the state right after its own change.

Choices where the reference leaves room (unverified against the real cloud):
one sequence counter for the whole simulator starting at 1; a failed POST
(non-2xx, timeout, connection error) is retried ``retries`` times
``retry_delay`` seconds apart, then dropped; first attempts go out in event
order, retries don't hold later events back.
"""

import asyncio
import base64
from dataclasses import dataclass, field
import hashlib
import itertools
import json
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

SUBSCRIPTION_TTL = 3 * 86400.0
"""A subscription lasts three days; subscribing again renews it."""
CLEANUP_DELAY = 30.0
"""Subscriptions to a vanished group or player are dropped this long after."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_EXEMPT_FROM_CLEANUP = frozenset({"groups", "favorites"})

type Key = tuple[str, str, str]
"""(namespace, target type, target id), like ``model.Change``."""


def signature(
    seq_id: str,
    namespace: str,
    event_type: str,
    target_type: str,
    target_value: str,
    client_id: str,
    client_secret: str,
) -> str:
    """``X-Sonos-Event-Signature``: base64url, unpadded, of a plain SHA-256."""
    text = (
        seq_id + namespace + event_type + target_type + target_value
        + client_id + client_secret
    )  # fmt: skip
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_callback_url(url: str | None) -> str | None:
    """Accept only http(s) URLs on loopback: events must never leave the host."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"callback URL must be http(s) on loopback, not {url!r}")
    return url


@dataclass
class EventFaults:
    """Misbehaviour for the next events (each counter is used up one by one).

    ``duplicate``: send each of the next N events twice (same seq id).
    ``reorder``: for the next N pairs of events, send the second one first.
    ``bad_signature``: corrupt the signature of the next N events.
    """

    duplicate: int = 0
    reorder: int = 0
    bad_signature: int = 0


@dataclass(frozen=True)
class Event:
    """One event: the seven headers' inputs plus the body."""

    seq_id: int
    household_id: str
    namespace: str
    type: str
    target_type: str
    target_value: str
    body: Any
    corrupt: bool = False


@dataclass(frozen=True)
class Delivery:
    """One attempt to POST an event to the callback URL."""

    seq_id: int
    namespace: str
    type: str
    target_type: str
    target_value: str
    url: str
    headers: dict[str, str]
    body: Any
    attempt: int
    status: int | None  # None when the request itself failed
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the callback answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Subscription:
    household_id: str
    expires_at: float
    gone_since: float | None = None


class Subscriptions:
    """Who listens to what, with expiry and cleanup of vanished targets."""

    def __init__(self, ttl: float, cleanup_delay: float) -> None:
        """Start with an empty table."""
        self.ttl, self.cleanup_delay = ttl, cleanup_delay
        self._table: dict[Key, _Subscription] = {}

    def subscribe(self, key: Key, household_id: str) -> None:
        """Add or renew a subscription for another ``ttl`` seconds."""
        self._table[key] = _Subscription(household_id, time.monotonic() + self.ttl)

    def unsubscribe(self, key: Key) -> None:
        """Drop a subscription (harmless if there is none)."""
        self._table.pop(key, None)

    def expires_at(self, key: Key) -> float | None:
        """Monotonic time the subscription runs out, None if not subscribed."""
        entry = self._table.get(key)
        return entry.expires_at if entry and self._alive(entry) else None

    def household_of(self, key: Key) -> str | None:
        """Household of an active subscription, None if not subscribed."""
        entry = self._table.get(key)
        return entry.household_id if entry and self._alive(entry) else None

    def active(self) -> set[Key]:
        """Keys of the subscriptions that still deliver, dropping dead ones."""
        for key in [k for k, e in self._table.items() if not self._alive(e)]:
            del self._table[key]
        return set(self._table)

    def targets_gone(self, exists: Any) -> None:
        """Start the cleanup clock of subscriptions whose target vanished."""
        now = time.monotonic()
        for key, entry in self._table.items():
            if key[0] in _EXEMPT_FROM_CLEANUP:
                continue
            if exists(key[1], key[2]):
                entry.gone_since = None
            elif entry.gone_since is None:
                entry.gone_since = now

    def _alive(self, entry: _Subscription) -> bool:
        now = time.monotonic()
        if now >= entry.expires_at:
            return False
        gone = entry.gone_since
        return gone is None or now - gone < self.cleanup_delay


@dataclass
class EventSender:
    """Signs events and POSTs them to the callback URL in background tasks."""

    client_id: str
    client_secret: str
    retries: int = 3
    retry_delay: float = 1.0
    timeout: float = 5.0
    url: str | None = None
    faults: EventFaults = field(default_factory=EventFaults)
    deliveries: list[Delivery] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ready: list[Event] = field(default_factory=list)  # waiting for a loop
    _held: Event | None = None  # first of a reordered pair
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _order: asyncio.Lock | None = None

    def send(
        self,
        household_id: str,
        namespace: str,
        event_type: str,
        target: tuple[str, str],
        body: Any,
    ) -> Event:
        """Queue one event; delivery happens on the running event loop."""
        corrupt = self.faults.bad_signature > 0
        self.faults.bad_signature -= corrupt
        event = Event(
            next(self._seq),
            household_id,
            namespace,
            event_type,
            *target,
            json.loads(json.dumps(body)),
            corrupt,
        )
        copies = [event]
        if self.faults.duplicate > 0:
            self.faults.duplicate -= 1
            copies.append(event)
        if self._held is None and self.faults.reorder > 0:
            self.faults.reorder -= 1
            self._held, copies = event, copies[1:]
        elif self._held is not None:
            copies.append(self._held)
            self._held = None
        self._ready.extend(copies)
        self._schedule()
        return event

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: sent by the next send() or drain()
        if self._order is None:
            self._order = asyncio.Lock()
        for event in self._ready:
            task = loop.create_task(self._deliver(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._ready.clear()

    async def drain(self) -> None:
        """Wait until every queued event was delivered or dropped."""
        if self._held is not None:
            self._ready.append(self._held)
            self._held = None
        self._schedule()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            self._schedule()

    async def close(self) -> None:
        """Cancel deliveries still under way (simulator shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def headers(self, event: Event) -> dict[str, str]:
        """Build the seven ``X-Sonos-*`` headers of an event."""
        seq_id = str(event.seq_id)
        sig = signature(
            seq_id,
            event.namespace,
            event.type,
            event.target_type,
            event.target_value,
            self.client_id,
            self.client_secret,
        )
        if event.corrupt:
            sig = sig[::-1] if sig[::-1] != sig else sig[1:] + "A"
        return {
            "Content-Type": "application/json",
            "X-Sonos-Household-Id": event.household_id,
            "X-Sonos-Namespace": event.namespace,
            "X-Sonos-Type": event.type,
            "X-Sonos-Target-Type": event.target_type,
            "X-Sonos-Target-Value": event.target_value,
            "X-Sonos-Event-Seq-Id": seq_id,
            "X-Sonos-Event-Signature": sig,
        }

    async def _deliver(self, event: Event) -> None:
        assert self._order is not None
        async with self._order:  # first attempts go out in event order
            ok = await self._attempt(event, 1)
        attempt = 1
        while not ok and attempt <= self.retries:
            await asyncio.sleep(self.retry_delay)
            attempt += 1
            ok = await self._attempt(event, attempt)

    async def _attempt(self, event: Event, attempt: int) -> bool:
        url = self.url
        if url is None:
            return True  # callback removed meanwhile: nothing to do
        headers = self.headers(event)
        status: int | None = None
        error: str | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, data=json.dumps(event.body), headers=headers) as resp,
            ):
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as err:
            error = f"{type(err).__name__}: {err}"
        delivery = Delivery(
            event.seq_id,
            event.namespace,
            event.type,
            event.target_type,
            event.target_value,
            url,
            headers,
            event.body,
            attempt,
            status,
            error,
        )
        self.deliveries.append(delivery)
        return delivery.ok
