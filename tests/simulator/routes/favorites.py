"""Namespaces ``favorites`` and ``playlists``: lists, a playlist's tracks, loading.

Choices: an unknown favorite or playlist id (load and GET) 400
ERROR_INVALID_OBJECT_ID (the contract's 400 bucket of these commands has no
ERROR_INVALID_PARAMETER); a bad ``action`` 400 ERROR_INVALID_PARAMETER.
Loading without ``playOnCompletion`` stops playback, except APPEND and
INSERT_NEXT onto a playing queue; any other content evicts the group's
playback session.
"""

from typing import Any

from tests.simulator.model import Favorite, Household, Playlist
from tests.simulator.wire import (
    QUEUE_ACTIONS,
    ControlCall,
    HandlerResult,
    Route,
    choice,
    global_error,
    param,
)


class FavoritesRoutes:
    """Mixin of ``SonosCloudSimulator``: favorites and playlists."""

    def _favorites(self, call: ControlCall) -> HandlerResult:
        household = call.household
        return {
            "_objectType": "favoritesList",
            "version": str(household.favorites_version),
            "items": [self._favorite_json(f) for f in household.favorites],
        }

    def _favorite_json(self, favorite: Favorite) -> dict[str, Any]:
        data: dict[str, Any] = {
            "_objectType": "favorite",
            "id": favorite.id,
            "name": favorite.name,
        }
        if favorite.description:
            data["description"] = favorite.description
        if favorite.image_url:
            data["imageUrl"] = favorite.image_url
            data["images"] = [{"_objectType": "image", "url": favorite.image_url}]
        data |= self._service_json(favorite.service)
        if favorite.resource_type and favorite.service:
            data["resource"] = {
                "_objectType": "resource",
                "type": favorite.resource_type,
                "id": self._object_id(f"sim:favorite:{favorite.id}", favorite.service),
            }
        return data

    def _load_options(self, call: ControlCall) -> dict[str, Any]:
        """Validate the common ``action``/``playModes``/``playOnCompletion``."""
        return {
            "action": choice(call.body, "action", QUEUE_ACTIONS, "APPEND"),
            "play_modes": self._play_modes(call.body, required=False),
            "play": bool(param(call.body, "playOnCompletion", bool, required=False)),
        }

    def _load_favorite(self, call: ControlCall) -> HandlerResult:
        favorite_id = param(call.body, "favoriteId", str)
        options = self._load_options(call)
        household = self.model.households[call.group.household_id]
        for favorite in household.favorites:
            if favorite.id == favorite_id:
                self.model.load_favorite(call.group.id, favorite, **options)
                return None
        raise global_error(
            400, "ERROR_INVALID_OBJECT_ID", f"unknown favoriteId {favorite_id}"
        )

    def _playlists(self, call: ControlCall) -> HandlerResult:
        household = call.household
        return {
            "_objectType": "playlistsList",
            "version": str(household.playlists_version),
            "playlists": [
                {
                    "_objectType": "playlist",
                    "id": p.id,
                    "name": p.name,
                    "type": "playlist",
                    "trackCount": len(p.tracks),
                }
                for p in household.playlists
            ],
        }

    @staticmethod
    def _find_playlist(household: Household, playlist_id: str) -> Playlist:
        for playlist in household.playlists:
            if playlist.id == playlist_id:
                return playlist
        raise global_error(
            400, "ERROR_INVALID_OBJECT_ID", f"unknown playlistId {playlist_id}"
        )

    def _playlist(self, call: ControlCall) -> HandlerResult:
        playlist = self._find_playlist(call.household, call.params["playlist"])
        return {
            "_objectType": "playlistSummary",
            "id": playlist.id,
            "name": playlist.name,
            "type": "playlist",
            "tracks": [
                {
                    "_objectType": "playlistTrack",
                    "name": t.title,
                    "artist": t.artist,
                    "album": t.album,
                }
                for t in playlist.tracks[:100]
            ],
        }

    def _load_playlist(self, call: ControlCall) -> HandlerResult:
        playlist_id = param(call.body, "playlistId", str)
        options = self._load_options(call)
        household = self.model.households[call.group.household_id]
        playlist = self._find_playlist(household, playlist_id)
        self.model.load_playlist(call.group.id, playlist, **options)

    def _favorites_routes(self) -> list[Route]:
        household, group = "/households/{household}", "/groups/{group}"
        return [
            ("GET", f"{household}/favorites", self._favorites),
            ("POST", f"{group}/favorites", self._load_favorite),
            ("GET", f"{household}/playlists", self._playlists),
            ("GET", f"{household}/playlists/{{playlist}}", self._playlist),
            ("POST", f"{group}/playlists", self._load_playlist),
        ]
