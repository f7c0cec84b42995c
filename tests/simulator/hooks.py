"""Test hooks of the simulator: change the account as the Sonos app would.

Households, players and grouping, content (``load_tracks``, ``load_radio``,
``load_line_in``, ``unload``; ``play=None`` keeps the playback state, True
plays, False stops), favorites and playlists (each change bumps the version),
audio clip outcomes, tokens, the request log and fault injection.
"""

import math
from typing import Any

from tests.simulator.model import (
    DEMO_TRACKS,
    IMAGE_ROOT,
    MORE_TRACKS,
    PAUSED,
    PLAYING,
    RADIO_SERVICE,
    STATION,
    TRACKS,
    Favorite,
    Track,
)
from tests.simulator.wire import (
    BEDROOM,
    CLIP_STATES,
    DEMO_HOUSEHOLD_ID,
    KITCHEN,
    LIVING_ROOM,
    MUSIC_SERVICE,
    Fault,
    RecordedRequest,
)


class TestHooks:
    """Mixin of ``SonosCloudSimulator``: what tests call to set the scene."""

    def add_household(self, household_id: str | None = None) -> str:
        """Add an empty household to the account."""
        return self.model.add_household(household_id)

    def add_player(self, household_id: str, name: str, **kwargs: Any) -> str:
        """Add a player alone in a new idle group (see ``SonosModel.add_player``)."""
        return self.model.add_player(household_id, name, **kwargs)

    def add_demo_household(self) -> str:
        """Three rooms with deterministic ids: playing, paused and empty."""
        household_id = self.add_household(DEMO_HOUSEHOLD_ID)
        self.add_player(
            household_id,
            "Living Room",
            player_id=LIVING_ROOM,
            model="Sonos Arc",
            capabilities=[
                *("CLOUD", "PLAYBACK", "HT_PLAYBACK", "HT_POWER_STATE"),
                *("AIRPLAY", "VOICE", "AUDIO_CLIP"),
            ],
            device_ids=[
                LIVING_ROOM,
                "RINCON_38420B1A2C3E01400",
                "RINCON_38420B1A2C3F01400",
            ],
            volume=25,
        )
        self.add_player(household_id, "Kitchen", player_id=KITCHEN, volume=18)
        self.add_player(
            household_id,
            "Bedroom",
            player_id=BEDROOM,
            model="Sonos Five",
            capabilities=["CLOUD", "PLAYBACK", "AIRPLAY", "LINE_IN"],
            volume=30,
        )
        self.model.players[LIVING_ROOM].icon = "den"
        for player_id, state in ((LIVING_ROOM, PLAYING), (KITCHEN, PAUSED)):
            self.model.load_tracks(self.group_id_of(player_id), DEMO_TRACKS)
            self.set_playback_state(self.group_id_of(player_id), state)
        self.add_favorite("Morning Mix", household_id=household_id)
        self.add_favorite("Simulated FM", "station", household_id=household_id)
        self.add_favorite(
            "Kitchen Classics",
            household_id=household_id,
            with_service=False,
            tracks=DEMO_TRACKS[:2],
        )
        self.add_playlist("Dinner", DEMO_TRACKS, household_id=household_id)
        self.add_playlist("Workout", MORE_TRACKS[1:], household_id=household_id)
        return household_id

    def remove_player(self, player_id: str) -> None:
        """Make the player disappear (unplugged); its group is re-formed."""
        self.model.remove_player(player_id)

    def group_id_of(self, player_id: str) -> str:
        """Return the current id of the group containing the player."""
        return self.model.group_of(player_id).id

    def set_playback_state(self, group_id: str, state: str) -> None:
        """External playback change, as if made in the Sonos app."""
        self.model.set_playback_state(group_id, state)

    def set_player_volume(
        self, player_id: str, volume: int, muted: bool | None = None
    ) -> None:
        """External volume change, as if made on the speaker."""
        self.model.set_player_volume(player_id, volume, muted)

    def external_regroup(self, player_ids: list[str]) -> str:
        """External regroup; all affected group ids become invalid."""
        return self.model.regroup(player_ids)

    def load_tracks(
        self,
        group_id: str,
        tracks: tuple[Track, ...] = DEMO_TRACKS,
        *,
        play: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Load a track list (can skip/seek/shuffle/repeat); keeps the state."""
        self.model.load_tracks(group_id, tracks, play=play, **kwargs)

    def load_radio(
        self,
        group_id: str,
        name: str = "Simulated FM",
        *,
        stream_info: str | None = "Juno & the Tidewater - Slow River Radio",
        play: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Tune to a live station: no skip/seek/modes, pause goes IDLE."""
        self.model.load_station(
            group_id, name, stream_info=stream_info, play=play, **kwargs
        )

    def load_line_in(
        self, group_id: str, *, play: bool | None = None, **kwargs: Any
    ) -> None:
        """Switch to the coordinator's line-in (container type ``linein``)."""
        self.model.load_line_in(group_id, play=play, **kwargs)

    def unload(self, group_id: str) -> None:
        """Leave the group with nothing loaded."""
        self.model.unload(group_id)

    def _household_id(self, household_id: str | None) -> str:
        return household_id or next(iter(self.model.households))

    def add_favorite(
        self,
        name: str,
        kind: str = "tracks",
        *,
        household_id: str | None = None,
        with_service: bool = True,
        tracks: tuple[Track, ...] = MORE_TRACKS,
    ) -> str:
        """Add a favorite ("tracks" or "station") and bump the favorites version.

        The household defaults to the first one; returns the new favorite id.
        """
        if kind not in (TRACKS, STATION):
            raise ValueError(kind)
        slug = "".join(c if c.isalnum() else "-" for c in name.lower())
        if kind == STATION:
            favorite = Favorite(
                "",
                name,
                STATION,
                "Radio Station",
                RADIO_SERVICE if with_service else None,
                f"{IMAGE_ROOT}/stations/{slug}.png",
                "STREAM",
            )
        else:
            favorite = Favorite(
                "",
                name,
                TRACKS,
                "Playlist",
                MUSIC_SERVICE if with_service else None,
                f"{IMAGE_ROOT}/favorites/{slug}.jpg",
                "PLAYLIST",
                tracks,
            )
        if not with_service:
            favorite.description = favorite.resource_type = None
        return self.model.add_favorite(self._household_id(household_id), favorite)

    def remove_favorite(
        self, favorite_id: str, *, household_id: str | None = None
    ) -> None:
        """Delete a favorite and bump the favorites version."""
        self.model.remove_favorite(self._household_id(household_id), favorite_id)

    def add_playlist(
        self,
        name: str,
        tracks: tuple[Track, ...] = DEMO_TRACKS,
        *,
        household_id: str | None = None,
    ) -> str:
        """Add a Sonos playlist and bump the playlists version; returns its id."""
        return self.model.add_playlist(self._household_id(household_id), name, tracks)

    def remove_playlist(
        self, playlist_id: str, *, household_id: str | None = None
    ) -> None:
        """Delete a Sonos playlist and bump the playlists version."""
        self.model.remove_playlist(self._household_id(household_id), playlist_id)

    def finish_clip(
        self,
        player_id: str,
        clip_id: str,
        status: str = "DONE",
        error_code: str | None = None,
    ) -> None:
        """End an audio clip as if it played out (or failed with ``ERROR``)."""
        if status not in CLIP_STATES:
            raise ValueError(status)
        self.model.finish_clip(player_id, clip_id, status, error_code)

    def issue_tokens(self) -> dict[str, Any]:
        """Mint a valid token pair without the browser dance."""
        return self._mint(self.client_id)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 (expired)."""
        for token in self._access_tokens.values():
            token.expires_at = -math.inf

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far now answers invalid_grant."""
        self._refresh_tokens.clear()

    def control_requests(self) -> list[RecordedRequest]:
        """Return the requests under the Control API base, in order."""
        return [r for r in self.requests if r.api == "control"]

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self.requests.clear()

    def inject(self, fault: Fault) -> None:
        """Answer matching requests with ``fault`` (first injected wins)."""
        self._faults.append([fault, fault.times or None])

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()
