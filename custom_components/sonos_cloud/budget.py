"""The polling budget: the user's share of the API key's limit.

Sonos does not publish its limit (1,000 requests a minute per key, as far as
is known), and several installations may share one key, so the share is an
option; a 429 lowers it for a while. A 429 halves the share in use; every
``RECOVERY_STEP`` without one it grows back by a quarter of the chosen share.

Within the share, polling has two tiers (``PollingBudget.schedule``): quick
reads of the playing groups, where changes happen, and full refreshes of
everything, which get what the quick reads leave but are never more than
``SLOWEST_FULL`` times as far apart as they would be alone.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any

from .const import (
    CONF_RATE_LIMIT_SHARE,
    MIN_POLL_INTERVAL,
    POLLING_SHARE_OF_RATE_LIMIT,
    RATE_LIMIT_PER_MINUTE,
)

# The least share a run of 429s brings polling down to.
MIN_SHARE = 0.01
RECOVERY_STEP = timedelta(minutes=10)
# What the two tiers plan to spend of the share: the rest is left for the
# reads a change calls for, and for commands.
PLANNED_PART = 0.9
# Of that, what the quick reads of playing groups may take at most.
QUICK_PART = 0.7
# The quick reads never come closer together than this.
QUICK_FLOOR = timedelta(seconds=3)
SLOWEST_FULL = 3


@dataclass(frozen=True, slots=True)
class Schedule:
    """How often to refresh everything, and to read the playing groups."""

    full: timedelta
    quick: timedelta | None
    """None: no quick reads (nothing plays, or they would not be quicker)."""


def _seconds(requests: int, per_minute: float) -> float:
    """Seconds between rounds of ``requests`` at a rate, up to a tenth."""
    return math.ceil(requests * 600 / per_minute) / 10


def share_option(options: Mapping[str, Any]) -> float:
    """Return the share the entry's options choose (a percentage there)."""
    default = POLLING_SHARE_OF_RATE_LIMIT * 100
    return float(options.get(CONF_RATE_LIMIT_SHARE, default)) / 100


def polling_interval(requests_per_refresh: int, share: float) -> timedelta:
    """Poll as often as the share allows, never faster than the floor."""
    seconds = math.ceil(requests_per_refresh * 60 / (RATE_LIMIT_PER_MINUTE * share))
    return max(MIN_POLL_INTERVAL, timedelta(seconds=seconds))


class PollingBudget:
    """The share polling may use now, between the option and ``MIN_SHARE``."""

    def __init__(self, share: float) -> None:
        """Start at the chosen share."""
        self.option = share
        self.share = share
        self._since: datetime | None = None

    def configure(self, share: float) -> None:
        """Take a new option; a lowered share in use stays lowered."""
        self.option = share
        self.share = share if self._since is None else min(share, self.share)

    def interval(self, requests_per_refresh: int) -> timedelta:
        """Return the polling interval the share in use allows."""
        return polling_interval(requests_per_refresh, self.share)

    def schedule(self, full_requests: int, quick_requests: int) -> Schedule:
        """Split the share between quick reads and full refreshes."""
        alone = self.interval(full_requests)
        if not quick_requests:
            return Schedule(alone, None)
        per_minute = RATE_LIMIT_PER_MINUTE * self.share * PLANNED_PART
        full = min(
            alone.total_seconds() * SLOWEST_FULL,
            max(
                alone.total_seconds(),
                _seconds(full_requests, per_minute * (1 - QUICK_PART)),
            ),
        )
        left = per_minute - full_requests * 60 / full
        quick = max(QUICK_FLOOR.total_seconds(), _seconds(quick_requests, left))
        if quick >= full:
            return Schedule(alone, None)
        return Schedule(timedelta(seconds=full), timedelta(seconds=quick))

    def rate_limited(self, now: datetime) -> None:
        """Halve the share in use: Sonos says the key sends too much."""
        self.share = max(MIN_SHARE, self.share / 2)
        self._since = now

    def succeeded(self, now: datetime) -> None:
        """Grow the share back by a step once a step passed without a 429."""
        if self._since is None or now - self._since < RECOVERY_STEP:
            return
        self.share = min(self.option, self.share + self.option / 4)
        self._since = None if self.share >= self.option else now
