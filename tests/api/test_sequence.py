"""Which sequence ids are believed: replays, late events, resets and outliers."""

from typing import Any

import pytest

from custom_components.sonos_cloud.api.sequence import (
    MAX_TARGETS,
    RESTART_AFTER,
    SEEN_PER_TARGET,
    SequenceGuard,
)

NS, TARGET = "playerVolume", "RINCON_A"


def _accepted(guard: SequenceGuard, *seq_ids: int) -> list[int]:
    return [seq for seq in seq_ids if guard.accept(NS, TARGET, seq)]


def test_increasing_ids_are_accepted_once() -> None:
    """New ids pass; a repeated or older one does not."""
    guard = SequenceGuard()
    assert _accepted(guard, 5, 6, 6, 4, 9) == [5, 6, 9]


def test_targets_are_independent() -> None:
    """The mark of one target or namespace leaves the others alone."""
    guard = SequenceGuard()
    assert guard.accept(NS, TARGET, 100)
    assert guard.accept(NS, "RINCON_B", 1)
    assert guard.accept("groupVolume", TARGET, 1)


def test_outlier_silences_two_events_at_most() -> None:
    """After a wild id, the third fresh increasing id restarts the window."""
    guard = SequenceGuard()
    assert _accepted(guard, 17, 900014, 18, 19, 20, 21) == [17, 900014, 20, 21]
    assert RESTART_AFTER == 3


def test_a_run_below_the_mark_must_increase() -> None:
    """Lower ids out of order are late events, not a reset."""
    guard = SequenceGuard()
    assert _accepted(guard, 100, 50, 40, 45, 41, 42) == [100]
    assert _accepted(guard, 43) == [43]


def test_replays_never_count_towards_a_restart() -> None:
    """Seen ids are refused even within a run, and do not extend it."""
    guard = SequenceGuard()
    assert _accepted(guard, 10, 11, 12, 900014, 10, 11, 12) == [10, 11, 12, 900014]


def test_new_window_takes_the_next_fresh_id() -> None:
    """After a new subscription one lower id is accepted; seen ones still are not."""
    guard = SequenceGuard()
    _accepted(guard, 500, 501)
    guard.start_new_window(NS, TARGET)
    assert _accepted(guard, 501, 3, 2, 4) == [3, 4]
    guard.start_new_window(NS, "RINCON_UNKNOWN")  # nothing to open: no error
    assert guard.accept(NS, "RINCON_UNKNOWN", 7)


def test_seen_ids_are_bounded() -> None:
    """Only the most recent ids of a target are remembered."""
    guard = SequenceGuard()
    _accepted(guard, *range(1, SEEN_PER_TARGET + 2))
    stored = guard.to_json()
    assert stored == [[NS, TARGET, SEEN_PER_TARGET + 1, list(range(2, 34))]]


def test_targets_are_bounded_oldest_first() -> None:
    """Beyond MAX_TARGETS the least recently seen target is forgotten."""
    guard = SequenceGuard()
    for number in range(MAX_TARGETS + 1):
        guard.accept(NS, f"RINCON_{number}", 1)
    assert len(guard) == MAX_TARGETS
    assert [item[1] for item in guard.to_json()][:1] == ["RINCON_1"]


def test_state_survives_a_round_trip() -> None:
    """What is stored and read back refuses the same replays."""
    guard = SequenceGuard()
    _accepted(guard, 7, 8)
    restored = SequenceGuard.from_json(guard.to_json())
    assert _accepted(restored, 8, 7, 9) == [9]


@pytest.mark.parametrize(
    "stored",
    [
        None,
        {"not": "a list"},
        [["ns", "target", "9", []]],
        [["ns", "target", -1, []]],
        [["ns", "target", 10**19, []]],
        [["ns", 5, 9, []]],
        [["ns", "target", 9]],
        [["ns", "target", 9, "seen"]],
        ["garbage"],
    ],
)
def test_damaged_storage_is_left_out(stored: Any) -> None:
    """A damaged store starts empty for the damaged targets."""
    assert len(SequenceGuard.from_json(stored)) == 0


def test_odd_seen_ids_in_storage_are_dropped() -> None:
    """Seen ids that are not sequence ids are left out, the target is kept."""
    guard = SequenceGuard.from_json([[NS, TARGET, 9, [8, "7", True, 9]]])
    assert guard.to_json() == [[NS, TARGET, 9, [8, 9]]]
