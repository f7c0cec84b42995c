"""Which signed events to believe by their sequence ids, independent of HA.

Sonos signs an event's headers, not its body, so a captured event can be sent
again with another body; its sequence id is the only thing that tells. Sonos
documents neither the scope of the ids (per subscription, per key) nor whether
a new subscription or a renewal starts them again, so the rules, kept per
(namespace, target), allow for both:

1. An id among the last ``SEEN_PER_TARGET`` accepted or refused ones is a
   replay or a duplicate: dropped, whatever else holds.
2. An id above the high-water mark is accepted and becomes the mark.
3. After ``start_new_window`` (called for each successful subscribe or renewal)
   the next fresh id is accepted whatever its value and becomes the mark, in
   case Sonos counts again from 1 for a new subscription.
4. Any other id is late (it arrived after a newer one) and dropped, since it
   would roll the state back; but ``RESTART_AFTER`` fresh ids in a row, each
   above the one before and all below the mark, mean the counter was reset or
   the mark came from an outlier, and the last of them restarts the window.
   One accepted event with a wild id can therefore silence its target for two
   events at most.

The price of rules 3 and 4: a replay of an event older than the remembered ids
is accepted if it is the first event after a new subscription, or the third of
such replays in increasing order. Sonos sends the current state right after a
subscription, which usually takes the window first.

The state is small and plain, so that it can be stored with the config entry
and survive restarts (``to_json`` and ``from_json``).
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .events import MAX_SEQ_DIGITS

SEEN_PER_TARGET = 32
"""How many recent sequence ids of one target are remembered as seen."""
RESTART_AFTER = 3
"""Fresh increasing ids below the mark that restart a target's window."""
MAX_TARGETS = 256
"""Targets remembered; group ids change on every regroup, so old ones go."""
MAX_SEQ_ID = 10**MAX_SEQ_DIGITS - 1
"""The largest sequence id ``parse_event`` lets through."""

type Key = tuple[str, str]
"""(namespace, target value)."""


@dataclass(slots=True)
class _Window:
    high: int
    seen: deque[int] = field(default_factory=lambda: deque(maxlen=SEEN_PER_TARGET))
    below: list[int] = field(default_factory=list)
    open: bool = False


class SequenceGuard:
    """Decide per (namespace, target) whether an event's sequence id is new."""

    def __init__(self) -> None:
        """Start knowing no target."""
        self._windows: dict[Key, _Window] = {}

    def __len__(self) -> int:
        """Return how many targets are remembered."""
        return len(self._windows)

    def accept(self, namespace: str, target: str, seq_id: int) -> bool:
        """Return whether to apply an event; remember its id either way."""
        key = (namespace, target)
        window = self._windows.pop(key, None)
        if window is None:
            window = _Window(high=seq_id)
            accepted = True
        else:
            accepted = _decide(window, seq_id)
        if seq_id not in window.seen:
            window.seen.append(seq_id)
        self._windows[key] = window  # most recently used last
        while len(self._windows) > MAX_TARGETS:
            del self._windows[next(iter(self._windows))]
        return accepted

    def start_new_window(self, namespace: str, target: str) -> None:
        """Let the next fresh id of a target in, whatever its value (rule 3)."""
        if (window := self._windows.get((namespace, target))) is not None:
            window.open = True

    def to_json(self) -> list[list[Any]]:
        """Return the marks and seen ids; open windows are not kept."""
        return [
            [namespace, target, window.high, list(window.seen)]
            for (namespace, target), window in self._windows.items()
        ]

    @classmethod
    def from_json(cls, data: Any) -> SequenceGuard:
        """Rebuild from ``to_json``; anything malformed is left out."""
        guard = cls()
        if not isinstance(data, list):
            return guard
        for item in data[-MAX_TARGETS:]:
            if (
                isinstance(item, list)
                and len(item) == 4
                and all(isinstance(text, str) for text in item[:2])
                and _is_seq_id(item[2])
                and isinstance(item[3], list)
            ):
                window = _Window(high=item[2])
                window.seen.extend(_seq_ids(item[3]))
                guard._windows[(item[0], item[1])] = window
        return guard


def _decide(window: _Window, seq_id: int) -> bool:
    """Apply rules 1 to 4 to a known target; update its window."""
    if seq_id in window.seen:
        return False
    if seq_id > window.high or window.open:
        window.high, window.open, window.below = seq_id, False, []
        return True
    if window.below and seq_id <= window.below[-1]:
        window.below = []
    window.below.append(seq_id)
    if len(window.below) < RESTART_AFTER:
        return False
    window.high, window.below = seq_id, []
    return True


def _is_seq_id(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_SEQ_ID


def _seq_ids(values: Iterable[Any]) -> list[int]:
    return [value for value in values if _is_seq_id(value)][-SEEN_PER_TARGET:]
