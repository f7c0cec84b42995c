"""When failed refreshes mean the cloud is gone, not just busy for a moment.

A rate limit, a timeout, a server error or a garbled answer passes: the rooms
keep their last state until such failures persist, over several refreshes
and for a while (quick polls come seconds apart), or for long. Any other
failure (a refused token, a refused request) counts at once.
"""

from datetime import datetime

from homeassistant.util import dt as dt_util

from .const import OUTAGE_DURATION, OUTAGE_FAILED_REFRESHES, OUTAGE_SHORTEST


class OutageTracker:
    """Count refreshes that failed in a row for a passing reason, and since when."""

    def __init__(self) -> None:
        """Start with nothing failing."""
        self._failures = 0
        self._since: datetime | None = None

    @property
    def confirmed(self) -> bool:
        """Whether failures lasted long enough to stop showing the last state."""
        return self._since is None or (
            (lasted := dt_util.utcnow() - self._since) >= OUTAGE_DURATION
            or (self._failures >= OUTAGE_FAILED_REFRESHES and lasted >= OUTAGE_SHORTEST)
        )

    def passing_failure(self) -> None:
        """Count a failure the cloud may get over."""
        self._failures += 1
        if self._since is None:
            self._since = dt_util.utcnow()

    def lasting_failure(self) -> None:
        """Note a failure that will not pass by waiting."""
        self._since = None

    def success(self) -> None:
        """Forget the failures: the cloud answered."""
        self._failures = 0
        self._since = None
