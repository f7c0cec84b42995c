"""The polling budget: the user's share of the API key's limit.

Sonos does not publish its limit (1,000 requests a minute per key, as far as
is known), and several installations may share one key, so the share is an
option; a 429 lowers it for a while. A 429 halves the share in use; every
``RECOVERY_STEP`` without one it grows back by a quarter of the chosen share.
"""

from collections.abc import Mapping
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
