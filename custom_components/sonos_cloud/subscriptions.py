"""Event subscriptions: which targets Sonos should POST changes of.

Every namespace of the read table (``reads.py``) that Sonos pushes, for each
target its row applies to. Subscriptions last three days and are renewed
daily. Group ids change on every regroup, so the set follows each snapshot.

Each subscription is tracked on its own: one that failed is retried with
backoff while the others carry on, and what no live subscription covers is
polled (see ``covers``).

What Sonos may hold is stored with the entry: subscriptions that an unload
could not remove (Sonos unreachable, or Home Assistant crashed) would post
events for three days, so the next setup removes those it no longer wants.
"""

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    SonosCloudClient,
    SonosError,
    SonosRequestError,
    SonosTargetGoneError,
    gather_all,
)
from .const import DOMAIN, LOGGER
from .reads import READS
from .state import SonosCloudData

type Subscription = tuple[str, str]
"""(target path, namespace)."""

# Sonos keeps a subscription this long unless it is renewed.
SUBSCRIPTION_LIFETIME = timedelta(days=3)
# Waits before a failed subscription is tried again, then the last one for good.
RETRY_BACKOFF = tuple(timedelta(minutes=m) for m in (1, 2, 5, 15, 30, 60))
STORAGE_VERSION = 1


def subscription_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of what Sonos may hold for the entry."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.subscriptions")


def wanted_subscriptions(data: SonosCloudData) -> set[Subscription]:
    """Return every subscription the snapshot needs."""
    return {
        (read.namespace.target_path(target_id), read.namespace.name)
        for read in READS
        if read.namespace.pushed
        for target_id in data.targets(read)
    }


class CallbackURLMissingError(SonosRequestError):
    """Sonos refuses subscriptions: the API key has no event callback URL."""


@dataclass(frozen=True, slots=True)
class _Failure:
    attempts: int
    retry_at: datetime


class SubscriptionManager:
    """Keep Sonos subscribed to what the snapshot shows, with few requests."""

    def __init__(self, client: SonosCloudClient, store: Store[dict[str, Any]]) -> None:
        """Start with no subscriptions."""
        self._client = client
        self._store = store
        # Held by Sonos from before (an unload that could not remove them):
        # those the first sync does not want are removed then.
        self._left_behind: set[Subscription] | None = None
        self._stored: set[Subscription] = set()
        # When each live subscription runs out at Sonos.
        self._expires: dict[Subscription, datetime] = {}
        self._failed: dict[Subscription, _Failure] = {}
        # One sync at a time: bursts of regroup events must not subscribe the
        # same target twice.
        self._lock = asyncio.Lock()
        # Told (namespace, target path) after each successful subscribe or
        # renewal: the webhook then accepts a new run of sequence ids.
        self.on_subscribed: Callable[[str, str], None] | None = None

    @property
    def active(self) -> frozenset[Subscription]:
        """Return the subscriptions Sonos holds for us now."""
        now = dt_util.utcnow()
        return frozenset(s for s, expires in self._expires.items() if expires > now)

    @property
    def failed(self) -> frozenset[Subscription]:
        """Return the subscriptions waiting for a retry."""
        return frozenset(self._failed)

    @property
    def next_retry(self) -> datetime | None:
        """Return when the first failed subscription is due again."""
        return min((f.retry_at for f in self._failed.values()), default=None)

    def covers(self, data: SonosCloudData) -> bool:
        """Whether every target of the snapshot has a live subscription."""
        return wanted_subscriptions(data) <= self.active

    async def async_sync(self, data: SonosCloudData, *, renew: bool = False) -> None:
        """Subscribe what is new or due for a retry; forget what is gone.

        ``renew`` subscribes everything again, which extends each subscription.
        Failures are kept per subscription for a retry; only a refusal for a
        missing callback URL is raised (``CallbackURLMissingError``).
        """
        async with self._lock:
            now = dt_util.utcnow()
            wanted = wanted_subscriptions(data)
            await self._async_remove_left_behind(wanted)
            # Sonos drops subscriptions of targets that are gone by itself.
            self._expires = {s: e for s, e in self._expires.items() if s in wanted}
            self._failed = {s: f for s, f in self._failed.items() if s in wanted}
            live = {s for s, expires in self._expires.items() if expires > now}
            due = sorted(
                item
                for item in wanted
                if (
                    self._failed[item].retry_at <= now
                    if item in self._failed
                    else renew or item not in live
                )
            )
            if due and not self._expires:
                # One request first: without a callback URL every subscribe
                # fails, and one 403 is enough to know it.
                try:
                    await self._subscribe(due[:1], probe=True)
                finally:
                    await self._async_save()
                due = due[1:]
            await self._subscribe(due)
            await self._async_save()

    async def _async_remove_left_behind(self, wanted: set[Subscription]) -> None:
        """At the first sync, remove what an earlier run left and is not wanted.

        What cannot be removed now stays stored for the next setup.
        """
        if self._left_behind is not None:
            return
        stored = await self._store.async_load() or {}
        self._stored = {
            (str(target), str(namespace))
            for target, namespace in stored.get("subscriptions", [])
        }
        self._left_behind = await self._unsubscribe(self._stored - wanted)

    async def _async_save(self) -> None:
        """Store what Sonos may hold now, when it changed."""
        held = {*self._expires, *self._failed, *(self._left_behind or ())}
        if held != self._stored:
            self._stored = held
            await self._store.async_save({"subscriptions": sorted(held)})

    async def async_unsubscribe_all(self) -> None:
        """Tell Sonos to stop sending events; failures only cost stray events."""
        # A failed subscribe may still have reached Sonos: remove those too.
        async with self._lock:
            if self._left_behind is None:
                return  # Never synced: nothing subscribed, nothing read.
            subscriptions = {*self._expires, *self._failed, *self._left_behind}
            self._expires, self._failed = {}, {}
            self._left_behind = await self._unsubscribe(subscriptions)
            await self._async_save()

    async def _unsubscribe(self, subscriptions: set[Subscription]) -> set[Subscription]:
        """Unsubscribe each; return those Sonos may still hold."""
        kept: set[Subscription] = set()

        async def unsubscribe(item: Subscription) -> None:
            try:
                await self._client.unsubscribe(*item)
            except SonosTargetGoneError:
                return  # Sonos drops subscriptions of gone targets by itself.
            except SonosError as err:
                LOGGER.debug("Unsubscribing %s %s failed: %s", *item, err)
                kept.add(item)

        await gather_all(unsubscribe(item) for item in sorted(subscriptions))
        return kept

    async def _subscribe(
        self, subscriptions: Iterable[Subscription], *, probe: bool = False
    ) -> None:
        async def subscribe(item: Subscription) -> None:
            try:
                await self._client.subscribe(*item)
            except SonosError as err:
                if probe and _callback_url_missing(err):
                    raise CallbackURLMissingError(
                        str(err), status=err.status, error_code=err.error_code
                    ) from err
                self._failed_once(item, err)
            else:
                self._failed.pop(item, None)
                self._expires[item] = dt_util.utcnow() + SUBSCRIPTION_LIFETIME
                if self.on_subscribed is not None:
                    self.on_subscribed(item[1], item[0])

        await gather_all(subscribe(item) for item in subscriptions)

    def _failed_once(self, item: Subscription, err: SonosError) -> None:
        previous = self._failed.get(item)
        attempts = previous.attempts + 1 if previous else 1
        wait = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1]
        LOGGER.debug("Subscribing %s %s failed (%s); again in %s", *item, err, wait)
        self._failed[item] = _Failure(attempts, dt_util.utcnow() + wait)


def _callback_url_missing(err: SonosError) -> bool:
    return isinstance(err, SonosRequestError) and err.status == HTTPStatus.FORBIDDEN
