"""Stateful model of the Sonos households behind one simulated account.

Pure Python on purpose: the HTTP layer (app.py) only validates requests and
renders wire objects, so tests can read and change state here directly.
Every state change goes through ``SonosModel._changed`` so an event deliverer
can be attached later without touching each mutation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import itertools
import secrets
import string
import time

PLAYBACK_STATES = (
    "PLAYBACK_STATE_IDLE",
    "PLAYBACK_STATE_BUFFERING",
    "PLAYBACK_STATE_PAUSED",
    "PLAYBACK_STATE_PLAYING",
)
IDLE, BUFFERING, PAUSED, PLAYING = PLAYBACK_STATES

DEFAULT_CAPABILITIES = ("CLOUD", "PLAYBACK", "AIRPLAY", "VOICE", "AUDIO_CLIP")

type Change = tuple[str, str, str]
"""(namespace, target type, target id), e.g. ("playback", "groupId", "RINCON_…:4")."""


class ModelError(Exception):
    """A command the model understood but cannot carry out (HTTP 499)."""

    def __init__(self, error_code: str, object_type: str = "globalError") -> None:
        """Keep the Sonos error code and the error object type for the wire body."""
        super().__init__(error_code)
        self.error_code = error_code
        self.object_type = object_type


@dataclass(frozen=True)
class Track:
    """One made-up track of the built-in track list."""

    title: str
    artist: str
    album: str
    duration_millis: int
    image_url: str


DEMO_TRACKS: tuple[Track, ...] = tuple(
    Track(title, artist, album, millis, f"https://images.invalid/covers/{cover}.jpg")
    for title, artist, album, millis, cover in (
        ("Copper Lanterns", "The Velvet Orchards", "Harbor Lights", 214_000, "hl"),
        ("Static Bloom", "Mira Kestrel", "Night Transit", 187_000, "nt"),
        ("Paper Satellites", "The Velvet Orchards", "Harbor Lights", 243_000, "hl"),
        ("Slow River Radio", "Juno & the Tidewater", "Low Tide", 198_000, "lt"),
    )
)
"""Made-up tracks loaded into demo groups (no real artists)."""

# Playback context that moves with a group's coordinator when it is re-formed.
_PLAYBACK_FIELDS = (
    *("playback_state", "has_content", "tracks", "item_index", "position_millis"),
    *("position_anchor", "queue_version", "play_modes"),
)


@dataclass
class Household:
    """A Sonos household; the cloud knows little more than its id."""

    id: str
    name: str | None = None


@dataclass
class Player:
    """A room (possibly a bonded set listed in ``device_ids``)."""

    id: str
    household_id: str
    name: str
    model: str
    software_version: str
    capabilities: list[str]
    device_ids: list[str]
    volume: int = 20
    muted: bool = False
    fixed_volume: bool = False
    icon: str = "generic"


@dataclass
class Group:
    """A group of players sharing one playback context (its own id is ephemeral)."""

    id: str
    household_id: str
    coordinator_id: str
    player_ids: list[str]
    playback_state: str = IDLE
    has_content: bool = False
    tracks: tuple[Track, ...] = DEMO_TRACKS
    item_index: int = 0
    position_millis: int = 0
    position_anchor: float = 0.0
    queue_version: str = "1"
    previous_item_index: int = 0
    previous_position_millis: int = 0
    play_modes: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(
            ("repeat", "repeatOne", "shuffle", "crossfade"), False
        )
    )

    @property
    def item_id(self) -> str:
        """Sonos-queue items are observed as their 1-based position."""
        return str(self.item_index + 1)


def random_alnum(length: int) -> str:
    """Random letters and digits, the shape of Sonos ids and tokens."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _clamp(value: float) -> int:
    return max(0, min(100, int(value + 0.5)))


class SonosModel:
    """Households, players and groups of one account, plus a change log."""

    def __init__(self) -> None:
        """Start empty; ids of groups come from one account-wide counter."""
        self.households: dict[str, Household] = {}
        self.players: dict[str, Player] = {}
        self.groups: dict[str, Group] = {}
        self.partial = False
        self.changes: list[Change] = []
        self.listeners: list[Callable[[str, str, str], None]] = []
        self._group_counter = itertools.count(1)

    # -- change log ---------------------------------------------------------

    def _changed(self, namespace: str, target_type: str, target_id: str) -> None:
        """Record one state change; later an event deliverer listens here."""
        self.changes.append((namespace, target_type, target_id))
        for listener in list(self.listeners):
            listener(namespace, target_type, target_id)

    def _volumes_changed(self, player_ids: list[str]) -> None:
        for player_id in player_ids:
            self._changed("playerVolume", "playerId", player_id)
        for group_id in {self.group_of(p).id for p in player_ids}:
            self._changed("groupVolume", "groupId", group_id)

    def _playback_changed(self, group: Group, *, metadata: bool = False) -> None:
        self._changed("playback", "groupId", group.id)
        if metadata:
            self._changed("playbackMetadata", "groupId", group.id)

    # -- topology -----------------------------------------------------------

    def add_household(self, household_id: str | None = None) -> str:
        """Create an empty household (random well-formed id unless given)."""
        household_id = household_id or f"Sonos_{random_alnum(28)}.{random_alnum(20)}"
        self.households[household_id] = Household(household_id)
        return household_id

    def add_player(
        self,
        household_id: str,
        name: str,
        *,
        player_id: str | None = None,
        capabilities: list[str] | None = None,
        fixed_volume: bool = False,
        volume: int = 20,
        muted: bool = False,
        device_ids: list[str] | None = None,
        model: str = "Sonos One",
        software_version: str = "85.0-66270",
    ) -> str:
        """Add a player standing alone in a new, idle group."""
        if household_id not in self.households:
            raise KeyError(household_id)
        player_id = player_id or f"RINCON_{secrets.token_hex(6).upper()}01400"
        if capabilities is None:
            capabilities = list(DEFAULT_CAPABILITIES)
            if fixed_volume:
                capabilities.append("FIXED_VOLUME")
        self.players[player_id] = Player(
            id=player_id,
            household_id=household_id,
            name=name,
            model=model,
            software_version=software_version,
            capabilities=list(capabilities),
            device_ids=list(device_ids or [player_id]),
            volume=volume,
            muted=muted,
            fixed_volume=fixed_volume,
        )
        self._new_group(household_id, [player_id])
        self._changed("groups", "householdId", household_id)
        return player_id

    def remove_player(self, player_id: str) -> None:
        """Unplug a player: its group is re-formed without it (new id)."""
        player = self.players[player_id]
        group = self.group_of(player_id)
        del self.groups[group.id]
        rest = [p for p in group.player_ids if p != player_id]
        if rest:
            self._reform(group, rest)
        del self.players[player_id]
        self._changed("groups", "householdId", player.household_id)

    def group_of(self, player_id: str) -> Group:
        """Return the current group containing the player."""
        for group in self.groups.values():
            if player_id in group.player_ids:
                return group
        raise KeyError(player_id)

    def regroup(self, player_ids: list[str]) -> str:
        """Form a new group (coordinator first); every affected group is re-formed.

        Like Sonos, a re-formed group keeps its audio only when it keeps its
        coordinator; players left behind without theirs end up idle.
        """
        if not player_ids or any(p not in self.players for p in player_ids):
            raise KeyError(player_ids)
        household_id = self.players[player_ids[0]].household_id
        first_old = self.group_of(player_ids[0])
        old_groups = {g.id: g for g in map(self.group_of, player_ids)}
        for old in old_groups.values():
            del self.groups[old.id]
        new_id = self._reform(first_old, player_ids)
        for old in old_groups.values():
            if rest := [p for p in old.player_ids if p not in player_ids]:
                self._reform(old, rest)
        self._changed("groups", "householdId", household_id)
        return new_id

    def _new_group(self, household_id: str, player_ids: list[str]) -> Group:
        coordinator = player_ids[0]
        group = Group(
            id=f"{coordinator}:{next(self._group_counter)}",
            household_id=household_id,
            coordinator_id=coordinator,
            player_ids=list(player_ids),
        )
        self.groups[group.id] = group
        return group

    def _reform(self, old: Group, player_ids: list[str]) -> str:
        """Form a new group (coordinator first) from members of ``old``.

        The audio of ``old`` carries over only if the coordinator stays.
        """
        group = self._new_group(old.household_id, player_ids)
        if group.coordinator_id == old.coordinator_id:
            self._freeze(old)
            for name in _PLAYBACK_FIELDS:
                setattr(group, name, getattr(old, name))
        return group.id

    # -- volume -------------------------------------------------------------

    def _variable_members(self, group: Group) -> list[Player]:
        """Fixed-volume players don't count towards the group volume."""
        members = [self.players[p] for p in group.player_ids]
        return [p for p in members if not p.fixed_volume] or members

    def group_volume(self, group_id: str) -> tuple[int, bool]:
        """Return (rounded average volume, all members muted) of a group."""
        group = self.groups[group_id]
        members = self._variable_members(group)
        average = sum(p.volume for p in members) / len(members)
        muted = all(self.players[p].muted for p in group.player_ids)
        return _clamp(average), muted

    def group_fixed(self, group_id: str) -> bool:
        """Tell whether the group volume is fixed: only if every member's is."""
        return all(
            self.players[p].fixed_volume for p in self.groups[group_id].player_ids
        )

    def set_group_volume(self, group_id: str, volume: int) -> None:
        """Scale members proportionally so the rounded average is ``volume``; unmute."""
        group = self.groups[group_id]
        if self.group_fixed(group_id):
            raise ModelError("ERROR_COMMAND_FAILED")
        members = self._variable_members(group)
        old = [p.volume for p in members]
        if self._average(old) == volume:
            new = old
        else:
            new = self._scaled(old, volume) or self._shifted(old, volume)
        for player, level in zip(members, new, strict=True):
            player.volume = level
        for player_id in group.player_ids:
            self.players[player_id].muted = False
        self._volumes_changed(group.player_ids)

    @staticmethod
    def _average(levels: list[int]) -> int:
        return _clamp(sum(levels) / len(levels))

    def _scaled(self, old: list[int], target: int) -> list[int] | None:
        """Ratio-preserving levels hitting ``target``, or None if ratios can't."""
        if not any(old):
            return None
        low, high = 0.0, 100.0
        for _ in range(60):
            factor = (low + high) / 2
            if self._average([_clamp(v * factor) for v in old]) < target:
                low = factor
            else:
                high = factor
        levels = [_clamp(v * high) for v in old]
        return levels if self._average(levels) == target else None

    def _shifted(self, old: list[int], target: int) -> list[int]:
        """Difference-preserving levels; always reaches any target 0..100."""
        delta = -100
        while self._average(levels := [_clamp(v + delta) for v in old]) < target:
            delta += 1
        return levels

    def adjust_group_volume(self, group_id: str, delta: int) -> None:
        """Relative group volume change, clamped to 0..100; unmutes."""
        volume, _ = self.group_volume(group_id)
        self.set_group_volume(group_id, _clamp(volume + delta))

    def set_group_mute(self, group_id: str, muted: bool) -> None:
        """Mute or unmute every member of the group."""
        group = self.groups[group_id]
        for player_id in group.player_ids:
            self.players[player_id].muted = muted
        self._volumes_changed(group.player_ids)

    def set_player_volume(
        self, player_id: str, volume: int | None = None, muted: bool | None = None
    ) -> None:
        """Set a player's volume and/or mute; no fixed-volume check (external)."""
        player = self.players[player_id]
        if volume is not None:
            player.volume = _clamp(volume)
        if muted is not None:
            player.muted = muted
        self._volumes_changed([player_id])

    # -- playback -----------------------------------------------------------

    def position_millis(self, group: Group) -> int:
        """Position in the current item; moves with wall time while playing."""
        if group.playback_state != PLAYING:
            return group.position_millis
        elapsed = time.monotonic() - group.position_anchor
        return group.position_millis + int(elapsed * 1000)

    def _freeze(self, group: Group) -> None:
        """Store the live position so later state changes start from it."""
        group.position_millis = self.position_millis(group)
        group.position_anchor = time.monotonic()

    def _remember_previous(self, group: Group) -> None:
        group.previous_item_index = group.item_index
        group.previous_position_millis = self.position_millis(group)

    def _settle(self, group: Group) -> None:
        """Advance past finished tracks; end of queue without repeat goes idle."""
        if group.playback_state != PLAYING or not group.has_content:
            return
        self._freeze(group)
        moved = False
        while group.position_millis >= group.tracks[group.item_index].duration_millis:
            moved = True
            group.position_millis -= group.tracks[group.item_index].duration_millis
            if group.play_modes["repeatOne"]:
                continue
            group.item_index += 1
            if group.item_index == len(group.tracks):
                group.item_index = 0
                if not group.play_modes["repeat"]:
                    group.playback_state, group.position_millis = IDLE, 0
                    break
        if moved:
            self._playback_changed(group, metadata=True)

    def tick(self) -> None:
        """Let the clock catch up on every playing group (called per request)."""
        for group in list(self.groups.values()):
            self._settle(group)

    def set_playback_state(self, group_id: str, state: str) -> None:
        """Force a playback state, e.g. as if changed in the Sonos app."""
        if state not in PLAYBACK_STATES:
            raise ValueError(state)
        group = self.groups[group_id]
        self._remember_previous(group)
        self._freeze(group)
        group.playback_state = state
        self._playback_changed(group)

    def play(self, group_id: str) -> None:
        """Start playback of the loaded content."""
        group = self.groups[group_id]
        if not group.has_content:
            raise ModelError("ERROR_PLAYBACK_NO_CONTENT", "playbackError")
        if group.playback_state != PLAYING:
            self.set_playback_state(group_id, PLAYING)

    def pause(self, group_id: str) -> None:
        """Pause; an empty group answers NO_CONTENT like the real API."""
        group = self.groups[group_id]
        if not group.has_content:
            raise ModelError("ERROR_PLAYBACK_NO_CONTENT", "playbackError")
        if group.playback_state in (PLAYING, BUFFERING):
            self.set_playback_state(group_id, PAUSED)

    def toggle(self, group_id: str) -> None:
        """Pause when playing, otherwise play."""
        if self.groups[group_id].playback_state in (PLAYING, BUFFERING):
            self.pause(group_id)
        else:
            self.play(group_id)

    def skip(self, group_id: str, step: int) -> None:
        """Move ``step`` items through the track list (wrapping), position 0."""
        group = self.groups[group_id]
        if not group.has_content:
            raise ModelError("ERROR_PLAYBACK_FAILED", "playbackError")
        self._remember_previous(group)
        group.item_index = (group.item_index + step) % len(group.tracks)
        group.position_millis, group.position_anchor = 0, time.monotonic()
        self._playback_changed(group, metadata=True)

    def load_tracks(
        self, group_id: str, tracks: tuple[Track, ...] = DEMO_TRACKS
    ) -> None:
        """Replace the group's content with a track list, starting at item 1."""
        group = self.groups[group_id]
        group.has_content, group.tracks = True, tracks
        group.item_index = group.position_millis = 0
        group.queue_version = str(int(group.queue_version) + 1)
        if group.playback_state == PLAYING:
            group.position_anchor = time.monotonic()
        self._playback_changed(group, metadata=True)
