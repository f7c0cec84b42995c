"""Media browser and search: Sonos favorites and playlists, plus HA media sources."""

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    BrowseError,
    BrowseMedia,
    MediaClass,
    MediaType,
    SearchMedia,
)
from homeassistant.core import HomeAssistant

from .api import Favorite, Playlist
from .const import DOMAIN, LOGGER
from .library import HouseholdLibrary
from .media import ContentId, LibraryKind

FAVORITES_ID = "favorites"
PLAYLISTS_ID = "playlists"

# Favorite resource types that are live streams rather than lists of tracks.
STREAM_RESOURCES = frozenset({"STREAM", "PROGRAM"})
FAVORITE_CLASSES = {
    "ALBUM": MediaClass.ALBUM,
    "PLAYLIST": MediaClass.PLAYLIST,
    "TRACK": MediaClass.TRACK,
    "ARTIST": MediaClass.ARTIST,
}


def _is_audio(item: BrowseMedia) -> bool:
    return item.media_content_type.startswith("audio/")


def favorite_item(favorite: Favorite) -> BrowseMedia:
    """Describe a favorite as a playable item."""
    is_stream = favorite.resource_type in STREAM_RESOURCES
    return BrowseMedia(
        title=favorite.name,
        media_class=(
            MediaClass.CHANNEL
            if is_stream
            else FAVORITE_CLASSES.get(favorite.resource_type or "", MediaClass.MUSIC)
        ),
        media_content_id=str(ContentId(LibraryKind.FAVORITE, favorite.id)),
        media_content_type=MediaType.CHANNEL if is_stream else MediaType.MUSIC,
        can_play=True,
        can_expand=False,
        thumbnail=favorite.image_url,
    )


def playlist_item(playlist: Playlist) -> BrowseMedia:
    """Describe a Sonos playlist as a playable item."""
    return BrowseMedia(
        title=playlist.name,
        media_class=MediaClass.PLAYLIST,
        media_content_id=str(ContentId(LibraryKind.PLAYLIST, playlist.id)),
        media_content_type=MediaType.PLAYLIST,
        can_play=True,
        can_expand=False,
    )


def _directory(
    title: str, content_id: str, children: list[BrowseMedia] | None
) -> BrowseMedia:
    return BrowseMedia(
        title=title,
        media_class=MediaClass.DIRECTORY,
        media_content_id=content_id,
        media_content_type=content_id,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=(
            MediaClass.PLAYLIST if content_id == PLAYLISTS_ID else MediaClass.MUSIC
        ),
    )


async def async_browse(
    hass: HomeAssistant,
    library: HouseholdLibrary | None,
    media_content_id: str | None,
) -> BrowseMedia:
    """Return the root, one of our folders, or a media source folder.

    ``library`` is only needed (and fetched by the caller) for our own folders.
    """
    if media_content_id and media_source.is_media_source_id(media_content_id):
        return await media_source.async_browse_media(
            hass, media_content_id, content_filter=_is_audio
        )
    if library is None:
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="unknown_media",
            translation_placeholders={"media_id": str(media_content_id)},
        )
    if media_content_id == FAVORITES_ID:
        return _directory(
            "Favorites", FAVORITES_ID, [favorite_item(f) for f in library.favorites]
        )
    if media_content_id == PLAYLISTS_ID:
        return _directory(
            "Playlists", PLAYLISTS_ID, [playlist_item(p) for p in library.playlists]
        )
    children = [
        _directory("Favorites", FAVORITES_ID, None),
        _directory("Playlists", PLAYLISTS_ID, None),
    ]
    if "media_source" in hass.config.components:
        try:
            children.append(
                await media_source.async_browse_media(
                    hass, None, content_filter=_is_audio
                )
            )
        except BrowseError as err:
            # A broken media source must not hide the Sonos folders.
            LOGGER.debug("Media sources cannot be browsed: %s", err)
    return BrowseMedia(
        title="Sonos",
        media_class=MediaClass.DIRECTORY,
        media_content_id="",
        media_content_type="root",
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=MediaClass.DIRECTORY,
    )


def is_library_folder(media_content_id: str | None) -> bool:
    """Whether browsing this id needs the household's favorites and playlists."""
    return media_content_id in (None, "", FAVORITES_ID, PLAYLISTS_ID)


def search(library: HouseholdLibrary, query: str) -> SearchMedia:
    """Find favorites and playlists whose name contains the query."""
    needle = query.casefold().strip()
    results = [
        favorite_item(favorite)
        for favorite in library.favorites
        if needle in favorite.name.casefold()
    ] + [
        playlist_item(playlist)
        for playlist in library.playlists
        if needle in playlist.name.casefold()
    ]
    return SearchMedia(result=results)
