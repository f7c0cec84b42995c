"""The one limit of a key's requests, with a user's commands first.

Sonos throttles a key above 100 requests in a rolling second (spike arrest),
shared by everything using the key. A refresh of a large household queues
hundreds of reads here; a command the user just gave must not wait behind
them, so it takes the next turn and may borrow a few tokens ahead.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
import time

# Stay well below the spike arrest of 100 a second.
DEFAULT_MAX_REQUESTS_PER_SECOND = 40.0
# Background requests of one key in flight at once (refresh, subscriptions).
DEFAULT_MAX_PARALLEL_REQUESTS = 8
# Tokens a command may borrow beyond an empty bucket. Any second then holds at
# most a full bucket, a second's refill and this: 40 + 40 + 10 = 90 < 100.
COMMAND_BORROW = 10.0

_URGENT: ContextVar[bool] = ContextVar("sonos_cloud_urgent", default=False)


@contextmanager
def commands_first() -> Iterator[None]:
    """Send the requests made in this context before queued background ones.

    For what a user waits for: a command, and what it needs on the way (a
    group lookup after a 410, a token refresh).
    """
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


class RequestPacer:
    """A rate and a number of requests in flight, shared by a key's clients.

    The rate is a token bucket: bursts up to one second's worth, then steady.
    Commands (see ``commands_first``) go before every waiting background
    request, are not held by the number in flight and may borrow
    ``COMMAND_BORROW`` tokens.
    """

    def __init__(
        self,
        per_second: float = DEFAULT_MAX_REQUESTS_PER_SECOND,
        parallel: int = DEFAULT_MAX_PARALLEL_REQUESTS,
    ) -> None:
        """Start with a full second's worth of requests."""
        self._rate = per_second
        self._tokens = per_second
        self._updated = time.monotonic()
        self._parallel = parallel
        self._in_flight = 0
        # Waiting requests: commands, then background, each first come first.
        self._commands: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a request in flight from its turn until it is answered."""
        await self._turn(_URGENT.get())
        try:
            yield
        finally:
            self._in_flight -= 1
            self._hand_out()

    async def _turn(self, urgent: bool) -> None:
        """Return once the request may go out, taking its token."""
        queue = self._commands if urgent else self._background
        if not queue and self._start(urgent):
            return
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        self._hand_out()
        try:
            await turn
        except asyncio.CancelledError:
            if not turn.cancelled():
                # Given its turn just as it was cancelled: pass the slot on.
                self._in_flight -= 1
            self._hand_out()
            raise

    def _hand_out(self) -> None:
        """Give turns to waiting requests, commands first, as far as allowed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for urgent, queue in ((True, self._commands), (False, self._background)):
            while queue:
                if queue[0].done():  # cancelled while waiting
                    queue.popleft()
                elif self._start(urgent):
                    queue.popleft().set_result(None)
                else:
                    break
            if queue:
                self._wake_when_due(urgent)
                return

    def _start(self, urgent: bool) -> bool:
        """Take a token and a place in flight, when the request may go now."""
        if not urgent and (self._commands or self._in_flight >= self._parallel):
            return False
        now = time.monotonic()
        self._tokens = min(
            self._rate, self._tokens + (now - self._updated) * self._rate
        )
        self._updated = now
        if self._tokens < (1 - COMMAND_BORROW if urgent else 1):
            return False
        self._tokens -= 1
        self._in_flight += 1
        return True

    def _wake_when_due(self, urgent: bool) -> None:
        """Hand out again once the bucket holds the head's token.

        A request waiting for a place in flight is woken by the one that ends.
        """
        floor = 1 - COMMAND_BORROW if urgent else 1
        if self._tokens < floor:
            self._timer = asyncio.get_running_loop().call_later(
                (floor - self._tokens) / self._rate, self._hand_out
            )
