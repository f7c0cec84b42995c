"""Stateful model of the Sonos households behind one simulated account.

Pure Python on purpose: the HTTP layer (app.py) only validates requests and
renders wire objects, so tests can read and change state here directly.
Every state change goes through ``SonosModel._changed``; the simulator listens
there (``listeners``) to send webhook events without touching each mutation.
"""

from collections.abc import Callable
import copy
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

# Kinds of content a group can have loaded (``Content.kind``).
TRACKS, STATION, LINE_IN = "tracks", "station", "linein"

PLAY_MODES = ("repeat", "repeatOne", "shuffle", "crossfade")
MODE_ACTIONS = {
    "repeat": "canRepeat",
    "repeatOne": "canRepeatOne",
    "shuffle": "canShuffle",
    "crossfade": "canCrossfade",
}
PLAYBACK_ACTIONS = (
    *("canSkip", "canSkipBack", "canSeek", "canPause", "canStop"),
    *("canRepeat", "canRepeatOne", "canCrossfade", "canShuffle"),
    *("canPlay", "canSkipToPrevious"),
)
_LIVE_ACTIONS = ("canPause", "canStop", "canPlay")

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


IMAGE_ROOT = "https://images.invalid"
"""Host of artwork URLs; ``.invalid`` never resolves (RFC 2606).

The standalone demo rewrites it to the simulator's own ``/images``."""

DEMO_TRACKS: tuple[Track, ...] = tuple(
    Track(title, artist, album, millis, f"{IMAGE_ROOT}/covers/{cover}.jpg")
    for title, artist, album, millis, cover in (
        ("Copper Lanterns", "The Velvet Orchards", "Harbor Lights", 214_000, "hl"),
        ("Static Bloom", "Mira Kestrel", "Night Transit", 187_000, "nt"),
        ("Paper Satellites", "The Velvet Orchards", "Harbor Lights", 243_000, "hl"),
        ("Slow River Radio", "Juno & the Tidewater", "Low Tide", 198_000, "lt"),
    )
)
"""Made-up tracks loaded into demo groups (no real artists)."""

MORE_TRACKS: tuple[Track, ...] = tuple(
    Track(title, artist, album, millis, f"{IMAGE_ROOT}/covers/{cover}.jpg")
    for title, artist, album, millis, cover in (
        ("Morning Ferry", "Oona Bright", "Early Hours", 201_000, "eh"),
        ("Glass Orchard", "Oona Bright", "Early Hours", 176_000, "eh"),
        ("Cinder Steps", "The Quiet Margins", "Northbound", 232_000, "nb"),
    )
)
"""More made-up tracks for favorites and playlists."""


@dataclass(frozen=True)
class Service:
    """A music service as shown in metadata (``service {name, id}``)."""

    name: str
    id: str


SIMULATOR_SERVICE = Service("Sonos Simulator", "local")  # ids are <= 10 chars
RADIO_SERVICE = Service("Simulated Radio", "303")


@dataclass(frozen=True)
class Content:
    """What a group has loaded: a track list, a radio station or a line-in.

    ``container_type`` is the wire ``container.type``; ``kind`` decides what
    the group can do (a track list can skip, seek, shuffle and repeat; a
    station or a line-in can only play, pause and stop).
    """

    kind: str
    name: str
    container_type: str
    image_url: str
    service: Service | None = None
    object_id: str = ""
    stream_url: str | None = None
    stream_info: str | None = None
    item_id: str = ""  # single-item sources (station, line-in)
    session_id: str | None = None  # playback session that loaded it


# Playback context that moves with a group's coordinator when it is re-formed.
_PLAYBACK_FIELDS = (
    *("playback_state", "content", "tracks", "item_index", "position_millis"),
    *("position_anchor", "queue_version", "play_modes"),
    *("previous_item_id", "previous_position_millis"),
)


@dataclass
class Session:
    """A playback session an app created on a group (``playbackSession``)."""

    id: str
    group_id: str
    app_id: str
    app_context: str
    account_id: str | None = None
    custom_data: str = ""


@dataclass
class Favorite:
    """A Sonos favorite: a track list or a radio station."""

    id: str
    name: str
    kind: str  # TRACKS or STATION
    description: str | None = None
    service: Service | None = None
    image_url: str | None = None
    resource_type: str | None = None  # PLAYLIST, STREAM, ALBUM, TRACK, PROGRAM
    tracks: tuple[Track, ...] = ()


@dataclass
class Playlist:
    """A Sonos playlist of the household."""

    id: str
    name: str
    tracks: tuple[Track, ...]


@dataclass
class AudioClip:
    """An audio clip loaded on a player, with every field it was loaded with."""

    id: str
    player_id: str
    name: str
    app_id: str
    clip_type: str = "CHIME"
    priority: str = "LOW"
    stream_url: str | None = None
    http_authorization: str | None = None
    volume: int | None = None
    led_behavior: str | None = None
    status: str = "ACTIVE"
    error_code: str | None = None
    started_at: float = 0.0


@dataclass
class Household:
    """A Sonos household: its id plus favorites and playlists."""

    id: str
    name: str | None = None
    favorites: list[Favorite] = field(default_factory=list)
    favorites_version: int = 1
    playlists: list[Playlist] = field(default_factory=list)
    playlists_version: int = 1


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
    night_mode: bool = False
    enhance_dialog: bool = False
    tv_power_state: str = "ON"


@dataclass
class Group:
    """A group of players sharing one playback context (its own id is ephemeral)."""

    id: str
    household_id: str
    coordinator_id: str
    player_ids: list[str]
    playback_state: str = IDLE
    content: Content | None = None
    tracks: tuple[Track, ...] = DEMO_TRACKS
    item_index: int = 0
    position_millis: int = 0
    position_anchor: float = 0.0
    queue_version: str = "1"
    previous_item_id: str = "1"
    previous_position_millis: int = 0
    play_modes: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(PLAY_MODES, False)
    )
    session_id: str | None = None  # current playback session (not carried over)

    @property
    def has_content(self) -> bool:
        """Whether anything is loaded (play/pause answer NO_CONTENT if not)."""
        return self.content is not None

    @property
    def kind(self) -> str | None:
        """Kind of the loaded content (``TRACKS``, ``STATION``, ``LINE_IN``)."""
        return None if self.content is None else self.content.kind

    @property
    def item_id(self) -> str:
        """Sonos-queue items are observed as their 1-based position."""
        if self.content is not None and self.content.kind != TRACKS:
            return self.content.item_id
        return str(self.item_index + 1)

    @property
    def track(self) -> Track | None:
        """The current track of a track list, else None."""
        return self.tracks[self.item_index] if self.kind == TRACKS else None


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
        self.sessions: dict[str, Session] = {}
        self.clips: dict[str, list[AudioClip]] = {}  # per player, oldest first
        self._ids = itertools.count(1)  # favorites, playlists, clips, sessions
        self.partial = False
        self.changes: list[Change] = []
        self.listeners: list[Callable[[str, str, str], None]] = []
        self._group_counter = itertools.count(1)

    # -- change log ---------------------------------------------------------

    def _changed(self, namespace: str, target_type: str, target_id: str) -> None:
        """Record one state change and tell the listeners (event delivery)."""
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
            self._copy_playback(old, group)
        return group.id

    def _copy_playback(self, source: Group, target: Group) -> None:
        """Give ``target`` the audio (content, position, modes) of ``source``."""
        self._freeze(source)
        for name in _PLAYBACK_FIELDS:
            setattr(target, name, copy.copy(getattr(source, name)))

    def form_group(
        self,
        player_ids: list[str],
        *,
        coordinator_id: str,
        context: Group | None,
        released: Group | None = None,
    ) -> Group:
        """Make ``player_ids`` one group led by ``coordinator_id`` (grouping commands).

        The new group carries the audio of ``context`` (none if None). Every
        group that loses or gains players is re-formed with a new id: players
        of ``released`` (the group a modify/set command targeted) that are not
        kept end up alone and idle; players left behind in other groups stay
        together (keeping their audio if their coordinator stays). When nothing
        would change, the existing group is returned untouched.
        """
        ordered = [coordinator_id, *dict.fromkeys(player_ids)]
        ordered = list(dict.fromkeys(ordered))
        current = self.group_of(coordinator_id)
        if (
            current.coordinator_id == coordinator_id
            and set(current.player_ids) == set(ordered)
            and context in (None, current)
            and (released is None or released is current)
        ):
            return current
        household_id = self.players[coordinator_id].household_id
        affected = {g.id: g for g in map(self.group_of, ordered)}
        if released is not None:
            affected[released.id] = released
        for old in affected.values():
            del self.groups[old.id]
        group = self._new_group(household_id, ordered)
        if context is not None:
            self._copy_playback(context, group)
        for old in affected.values():
            rest = [p for p in old.player_ids if p not in ordered]
            if not rest:
                continue
            if old is released:
                for player_id in rest:
                    self._new_group(household_id, [player_id])
            else:
                self._reform(old, rest)
        self._changed("groups", "householdId", household_id)
        return group

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
        group.previous_item_id = group.item_id
        group.previous_position_millis = self.position_millis(group)

    @staticmethod
    def available_actions(group: Group) -> dict[str, bool]:
        """``availablePlaybackActions`` following the loaded content."""
        if group.kind == TRACKS:
            return dict.fromkeys(PLAYBACK_ACTIONS, True)
        live = group.kind is not None
        return {name: live and name in _LIVE_ACTIONS for name in PLAYBACK_ACTIONS}

    def _next_item(self, group: Group) -> None:
        """Step to the next track; the end of the queue without repeat goes idle."""
        group.item_index += 1
        if group.item_index == len(group.tracks):
            group.item_index = 0
            if not group.play_modes["repeat"]:
                group.playback_state, group.position_millis = IDLE, 0

    def _settle(self, group: Group) -> None:
        """Advance past finished tracks; end of queue without repeat goes idle."""
        if group.playback_state != PLAYING or group.kind != TRACKS:
            return
        self._freeze(group)
        moved = False
        while group.position_millis >= group.tracks[group.item_index].duration_millis:
            moved = True
            group.position_millis -= group.tracks[group.item_index].duration_millis
            if group.play_modes["repeatOne"]:
                continue
            self._next_item(group)
            if group.playback_state == IDLE:
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
        """Pause; live radio goes idle; an empty group answers NO_CONTENT."""
        group = self.groups[group_id]
        if not group.has_content:
            raise ModelError("ERROR_PLAYBACK_NO_CONTENT", "playbackError")
        if group.playback_state in (PLAYING, BUFFERING):
            stopped = IDLE if group.kind == STATION else PAUSED
            self.set_playback_state(group_id, stopped)

    def toggle(self, group_id: str) -> None:
        """Pause when playing, otherwise play."""
        if self.groups[group_id].playback_state in (PLAYING, BUFFERING):
            self.pause(group_id)
        else:
            self.play(group_id)

    def skip(self, group_id: str, step: int) -> None:
        """Move ``step`` items through the track list (wrapping), position 0."""
        group = self.groups[group_id]
        if group.kind != TRACKS:
            raise ModelError("ERROR_PLAYBACK_FAILED", "playbackError")
        self._remember_previous(group)
        group.item_index = (group.item_index + step) % len(group.tracks)
        group.position_millis, group.position_anchor = 0, time.monotonic()
        self._playback_changed(group, metadata=True)

    def seek(self, group_id: str, position_millis: int, *, relative: bool) -> None:
        """Seek within the current track; past its end skips to the next one."""
        group = self.groups[group_id]
        if not group.has_content:
            raise ModelError("ERROR_PLAYBACK_NO_CONTENT", "playbackError")
        if not self.available_actions(group)["canSeek"]:
            raise ModelError("ERROR_DISALLOWED_BY_POLICY", "playbackError")
        self._remember_previous(group)
        self._freeze(group)
        target = position_millis + (group.position_millis if relative else 0)
        duration = group.tracks[group.item_index].duration_millis
        if target >= duration:
            group.position_millis = 0
            self._next_item(group)
        else:
            group.position_millis = max(0, target)
        moved = group.item_id != group.previous_item_id
        self._playback_changed(group, metadata=moved)

    def set_play_modes(self, group_id: str, modes: dict[str, bool]) -> None:
        """Change the given play modes; turning on a forbidden one fails."""
        group = self.groups[group_id]
        actions = self.available_actions(group)
        for mode, value in modes.items():
            if value and not actions[MODE_ACTIONS[mode]]:
                raise ModelError("ERROR_DISALLOWED_BY_POLICY", "playbackError")
        if any(group.play_modes[mode] != value for mode, value in modes.items()):
            group.play_modes.update(modes)
            self._playback_changed(group)

    def _load(
        self,
        group: Group,
        content: Content,
        tracks: tuple[Track, ...] | None = None,
        *,
        play: bool | None = None,
    ) -> None:
        """Replace what the group plays.

        ``play`` True starts playback, False leaves the group stopped (paused,
        or idle for radio and groups that were idle), None keeps the state.
        """
        self._remember_previous(group)
        self._freeze(group)
        if group.session_id != content.session_id:
            group.session_id = None  # other content evicts the playback session
        group.content = content
        group.tracks = tracks or DEMO_TRACKS
        group.item_index = group.position_millis = 0
        group.queue_version = str(int(group.queue_version) + 1)
        if content.kind != TRACKS:
            group.play_modes = dict.fromkeys(PLAY_MODES, False)
        state = group.playback_state
        if play:
            state = PLAYING
        elif play is False and state != IDLE:
            state = PAUSED
        if content.kind == STATION and state == PAUSED:
            state = IDLE
        group.playback_state = state
        self._playback_changed(group, metadata=True)

    def load_tracks(
        self,
        group_id: str,
        tracks: tuple[Track, ...] = DEMO_TRACKS,
        *,
        name: str = "Simulator Mix",
        container_type: str = "trackList",
        service: Service | None = SIMULATOR_SERVICE,
        object_id: str = "sim:container:mix",
        play: bool | None = None,
    ) -> None:
        """Replace the group's content with a track list, starting at item 1."""
        content = Content(
            TRACKS, name, container_type, tracks[0].image_url, service, object_id
        )
        self._load(self.groups[group_id], content, tracks, play=play)

    def load_station(
        self,
        group_id: str,
        name: str = "Simulated FM",
        *,
        stream_url: str | None = None,
        stream_info: str | None = None,
        image_url: str | None = None,
        service: Service | None = RADIO_SERVICE,
        session_id: str | None = None,
        play: bool | None = None,
    ) -> None:
        """Tune the group to a live station (no duration, no skip/seek)."""
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        content = Content(
            STATION,
            name,
            "station",
            image_url or f"{IMAGE_ROOT}/stations/{slug or 'station'}.png",
            service,
            f"sim:station:{slug}",
            stream_url=stream_url or f"https://streams.invalid/{slug}.mp3",
            stream_info=stream_info,
            item_id=random_alnum(27) + "=",
            session_id=session_id,
        )
        self._load(self.groups[group_id], content, play=play)

    def load_line_in(
        self,
        group_id: str,
        *,
        device_id: str | None = None,
        home_theater: bool = False,
        play: bool | None = None,
    ) -> None:
        """Switch the group to a line-in (or to the TV input of a soundbar)."""
        group = self.groups[group_id]
        device_id = device_id or group.coordinator_id
        name, container_type = "Line-In", "linein"
        if home_theater:
            name, container_type = "TV", "linein.homeTheater"
        content = Content(
            LINE_IN,
            name,
            container_type,
            f"{IMAGE_ROOT}/sources/{container_type}.png",
            object_id=f"sim:{container_type}:{device_id}",
            item_id=f"{container_type}:{device_id}",
        )
        self._load(group, content, play=play)

    def unload(self, group_id: str) -> None:
        """Leave the group with nothing loaded (idle)."""
        group = self.groups[group_id]
        self._remember_previous(group)
        group.content, group.playback_state = None, IDLE
        group.item_index = group.position_millis = 0
        group.play_modes = dict.fromkeys(PLAY_MODES, False)
        self._playback_changed(group, metadata=True)

    def apply_allowed_modes(self, group_id: str, modes: dict[str, bool]) -> None:
        """Set the play modes the content allows, silently dropping the rest."""
        actions = self.available_actions(self.groups[group_id])
        allowed = {
            mode: value
            for mode, value in modes.items()
            if not value or actions[MODE_ACTIONS[mode]]
        }
        self.set_play_modes(group_id, allowed)

    def enqueue(
        self,
        group_id: str,
        content: Content,
        tracks: tuple[Track, ...],
        *,
        action: str = "APPEND",
        play: bool = False,
    ) -> None:
        """Queue a track list (queueAction): REPLACE, APPEND, INSERT, INSERT_NEXT.

        Without a track list loaded every action replaces. INSERT puts the new
        tracks at the current position (the first becomes current); the others
        keep the current item unless ``play`` jumps to the first new track.
        """
        group = self.groups[group_id]
        if action == "REPLACE" or group.kind != TRACKS:
            self._load(group, content, tracks, play=play)
            return
        self._remember_previous(group)
        self._freeze(group)
        group.session_id = None
        index, old = group.item_index, group.tracks
        if action == "APPEND":
            group.tracks, start = old + tracks, len(old)
        elif action == "INSERT":
            group.tracks, start = old[:index] + tracks + old[index:], index
        else:  # INSERT_NEXT
            group.tracks = old[: index + 1] + tracks + old[index + 1 :]
            start = index + 1
        group.queue_version = str(int(group.queue_version) + 1)
        if play or action == "INSERT":
            group.item_index, group.position_millis = start, 0
        if play:
            group.playback_state = PLAYING
        self._playback_changed(group, metadata=True)

    # -- favorites and playlists ---------------------------------------------

    def next_id(self) -> str:
        """Return a fresh numeric id (favorites, playlists, clips)."""
        return str(next(self._ids))

    def add_favorite(self, household_id: str, favorite: Favorite) -> str:
        """Add a favorite (its id is replaced by a fresh one); bumps the version."""
        household = self.households[household_id]
        favorite.id = self.next_id()
        household.favorites.append(favorite)
        self._favorites_changed(household)
        return favorite.id

    def remove_favorite(self, household_id: str, favorite_id: str) -> None:
        """Delete a favorite; bumps the version."""
        household = self.households[household_id]
        household.favorites = [f for f in household.favorites if f.id != favorite_id]
        self._favorites_changed(household)

    def _favorites_changed(self, household: Household) -> None:
        household.favorites_version += 1
        self._changed("favorites", "householdId", household.id)

    def add_playlist(
        self, household_id: str, name: str, tracks: tuple[Track, ...]
    ) -> str:
        """Add a Sonos playlist; bumps the playlists version."""
        household = self.households[household_id]
        playlist = Playlist(self.next_id(), name, tracks)
        household.playlists.append(playlist)
        self._playlists_changed(household)
        return playlist.id

    def remove_playlist(self, household_id: str, playlist_id: str) -> None:
        """Delete a Sonos playlist; bumps the playlists version."""
        household = self.households[household_id]
        household.playlists = [p for p in household.playlists if p.id != playlist_id]
        self._playlists_changed(household)

    def _playlists_changed(self, household: Household) -> None:
        household.playlists_version += 1
        self._changed("playlists", "householdId", household.id)

    def load_favorite(
        self,
        group_id: str,
        favorite: Favorite,
        *,
        action: str = "APPEND",
        play: bool = False,
        play_modes: dict[str, bool] | None = None,
    ) -> None:
        """Play a favorite; the action and play modes are ignored for radio."""
        if favorite.kind == STATION:
            self.load_station(
                group_id,
                favorite.name,
                image_url=favorite.image_url,
                service=favorite.service,
                play=play,
            )
            return
        tracks = favorite.tracks or DEMO_TRACKS
        content = Content(
            TRACKS,
            favorite.name,
            "playlist",
            favorite.image_url or tracks[0].image_url,
            favorite.service,
            f"sim:favorite:{favorite.id}",
        )
        self.enqueue(group_id, content, tracks, action=action, play=play)
        if play_modes:
            self.apply_allowed_modes(group_id, play_modes)

    def load_playlist(
        self,
        group_id: str,
        playlist: Playlist,
        *,
        action: str = "APPEND",
        play: bool = False,
        play_modes: dict[str, bool] | None = None,
    ) -> None:
        """Queue a Sonos playlist."""
        tracks = playlist.tracks or DEMO_TRACKS
        content = Content(
            TRACKS,
            playlist.name,
            "playlist",
            tracks[0].image_url,
            SIMULATOR_SERVICE,
            f"sim:playlist:{playlist.id}",
        )
        self.enqueue(group_id, content, tracks, action=action, play=play)
        if play_modes:
            self.apply_allowed_modes(group_id, play_modes)

    # -- audio clips ----------------------------------------------------------

    def load_clip(self, clip: AudioClip) -> AudioClip:
        """Start a clip on its player, applying the priority rules.

        HIGH interrupts LOW; HIGH interrupts HIGH only after 10 s; LOW
        interrupts LOW; LOW never interrupts HIGH. A clip that may not
        interrupt is DISMISSED at once.
        """
        clips = self.clips.setdefault(clip.player_id, [])
        clip.id, clip.status, clip.started_at = (
            self.next_id(),
            "ACTIVE",
            time.monotonic(),
        )
        active = [c for c in clips if c.status == "ACTIVE"]
        for running in active:
            young = clip.started_at - running.started_at <= 10
            if running.priority == "HIGH" and (clip.priority == "LOW" or young):
                clip.status = "DISMISSED"
        if clip.status == "ACTIVE":
            for running in active:
                running.status = "INTERRUPTED"
                self._changed("audioClip", "playerId", clip.player_id)
        clips.append(clip)
        self._changed("audioClip", "playerId", clip.player_id)
        return clip

    def find_clip(self, player_id: str, clip_id: str) -> AudioClip | None:
        """Return the player's clip with this id, if any."""
        for clip in self.clips.get(player_id, []):
            if clip.id == clip_id:
                return clip
        return None

    def finish_clip(
        self,
        player_id: str,
        clip_id: str,
        status: str = "DONE",
        error_code: str | None = None,
    ) -> None:
        """End a clip (DONE, DISMISSED, INTERRUPTED, ERROR ...)."""
        clip = self.find_clip(player_id, clip_id)
        if clip is None:
            raise KeyError(clip_id)
        clip.status, clip.error_code = status, error_code
        self._changed("audioClip", "playerId", player_id)

    # -- playback sessions and home theater ----------------------------------

    def create_session(
        self,
        group_id: str,
        app_id: str,
        app_context: str,
        account_id: str | None = None,
        custom_data: str = "",
    ) -> Session:
        """Create a session on the group, evicting any previous one."""
        group = self.groups[group_id]
        session = Session(
            f"{group.coordinator_id}:{random_alnum(8)}:{self.next_id()}",
            group.id,
            app_id,
            app_context,
            account_id,
            custom_data,
        )
        self.sessions[session.id] = session
        group.session_id = session.id
        return session

    def session_group(self, session_id: str) -> Group | None:
        """Group a session still plays on; None once evicted or regrouped."""
        session = self.sessions.get(session_id)
        group = self.groups.get(session.group_id) if session else None
        if group is None or group.session_id != session_id:
            return None
        return group

    def end_session(self, session_id: str) -> None:
        """Leave a session; the group keeps playing what it has."""
        group = self.session_group(session_id)
        if group is not None:
            group.session_id = None

    def set_home_theater_options(
        self,
        player_id: str,
        night_mode: bool | None = None,
        enhance_dialog: bool | None = None,
    ) -> None:
        """Change night mode and/or speech enhancement of a soundbar."""
        player = self.players[player_id]
        if night_mode is not None:
            player.night_mode = night_mode
        if enhance_dialog is not None:
            player.enhance_dialog = enhance_dialog
