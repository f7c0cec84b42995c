"""Playing media on a room: favorites, playlists, inputs, URLs and announcements.

What ``play_media`` and ``select_source`` do, apart from the entity: reading the
media id, choosing the request (one per action), the change it is expected to
show at once, and the checks of an announcement before the announcements
module plays it.
"""

from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_ENQUEUE,
    ATTR_MEDIA_EXTRA,
    async_process_play_media_url,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .announcements import Clip
from .api import (
    ContentKind,
    Favorite,
    Metadata,
    PlaybackState,
    Playlist,
    SonosValueTooLongError,
    namespaces as ns,
)
from .const import DOMAIN
from .entity import ExpectedChange, SonosCloudEntity, Target
from .errors import command_error
from .library import HouseholdLibrary
from .media import (
    APP_ID,
    CHIME,
    ContentId,
    LibraryKind,
    check_clip_url,
    clip_priority,
    clip_volume,
    parse_content_id,
    queue_action,
    shown,
)
from .sources import LINE_IN, TV, favorite_named, inputs
from .state import SonosCloudData


def with_state(state: PlaybackState) -> ExpectedChange:
    """Return the expected change of a command that sets the playback state."""

    def change(data: SonosCloudData, group_id: str) -> SonosCloudData:
        return data.with_playback(group_id, dt_util.utcnow(), state=state)

    return change


def _loading(
    name: str | None, image_url: str | None, kind: ContentKind = ContentKind.NONE
) -> ExpectedChange:
    """Return the change of loading content: playing, and its name at once.

    Sonos reports the real metadata a moment later; until then the room
    shows what was chosen instead of an empty title.
    """

    def change(data: SonosCloudData, group_id: str) -> SonosCloudData:
        data = data.with_playback(
            group_id, dt_util.utcnow(), state=PlaybackState.PLAYING
        )
        if name is None:
            return data
        metadata = Metadata(
            kind=kind, container_name=name, container_image_url=image_url
        )
        return data.with_value(ns.METADATA, group_id, metadata)

    return change


def cached_library(room: SonosCloudEntity) -> HouseholdLibrary | None:
    """Return the room's household's favorites and playlists, if fetched."""
    coordinator = room.coordinator
    household_id = coordinator.data.player_households.get(room.player_id)
    return coordinator.library.cached(household_id) if household_id else None


async def async_select_source(room: SonosCloudEntity, source: str) -> None:
    """Play a favorite, the room's line-in or its TV input: one request."""
    client = room.coordinator.client
    room_inputs = inputs(room.player)
    if source == LINE_IN and source in room_inputs:
        await room.async_command(
            lambda group_id: client.load_line_in(group_id, device_id=room.player_id),
            _loading(LINE_IN, None, ContentKind.LINE_IN),
        )
        return
    if source == TV and source in room_inputs:
        tv = _loading(TV, None, ContentKind.TV)
        await room.async_command(
            client.load_home_theater_playback,
            lambda data, player_id: (
                tv(data, group.id)
                if (group := data.group_of(player_id)) is not None
                else data
            ),
            target=Target.PLAYER,
        )
        return
    favorite = favorite_named(room.player, cached_library(room), source)
    await room.async_command(
        lambda group_id: client.load_favorite(group_id, favorite.id),
        _loading(favorite.name, favorite.image_url),
    )


async def async_play_media(
    room: SonosCloudEntity, media_id: str, options: dict[str, Any]
) -> None:
    """Play a favorite, a playlist or a URL, or announce over the music.

    ``options`` are the keyword arguments of the entity's ``async_play_media``.
    """
    if not media_id.strip():
        # Home Assistant's URL helper fails on an empty id with an IndexError.
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="empty_media_id"
        )
    extra: dict[str, Any] = options.get(ATTR_MEDIA_EXTRA) or {}
    if options.get(ATTR_MEDIA_ANNOUNCE):
        await _async_announce(room, media_id, extra)
        return
    try:
        content = parse_content_id(media_id)
    except ValueError as err:
        raise _invalid_media_id(media_id) from err
    if content is not None:
        await _async_load(room, content, options.get(ATTR_MEDIA_ENQUEUE))
        return
    url = await _async_media_url(room, media_id)
    title = extra.get("title")
    client = room.coordinator.client

    async def play_stream(group_id: str) -> None:
        await client.play_stream_url(
            group_id,
            url,
            app_id=APP_ID,
            app_context="stream",
            station_name=title if isinstance(title, str) else None,
        )

    await room.async_command(play_stream, with_state(PlaybackState.PLAYING))


async def _async_load(room: SonosCloudEntity, content: ContentId, enqueue: Any) -> None:
    """Load a favorite or playlist as the enqueue option says."""
    action, play = queue_action(enqueue)
    client = room.coordinator.client
    load = (
        client.load_favorite
        if content.kind is LibraryKind.FAVORITE
        else client.load_playlist
    )
    name, image = _library_item(cached_library(room), content)
    await room.async_command(
        lambda group_id: load(group_id, content.item_id, action=action, play=play),
        _loading(name, image) if play else None,
    )


def _library_item(
    library: HouseholdLibrary | None, content: ContentId
) -> tuple[str | None, str | None]:
    """Return the name and image of a favorite or playlist, if cached."""
    items: list[Favorite] | list[Playlist] = []
    if library is not None:
        items = (
            library.favorites
            if content.kind is LibraryKind.FAVORITE
            else library.playlists
        )
    for item in items:
        if item.id == content.item_id:
            return item.name, getattr(item, "image_url", None)
    return None, None


async def _async_media_url(room: SonosCloudEntity, media_id: str) -> str:
    """Resolve a media source id and make the URL absolute for the speaker."""
    if media_source.is_media_source_id(media_id):
        item = await media_source.async_resolve_media(
            room.hass, media_id, room.entity_id
        )
        media_id = item.url
    url = async_process_play_media_url(room.hass, media_id)
    if not url.startswith(("http://", "https://")):
        raise _invalid_media_id(media_id)
    return url


def _invalid_media_id(media_id: str) -> ServiceValidationError:
    """Say that a media id is neither our content id nor a playable URL."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_media_id",
        translation_placeholders={"media_id": shown(media_id)},
    )


async def _async_announce(
    room: SonosCloudEntity, media_id: str, extra: dict[str, Any]
) -> None:
    """Check what to announce here; the announcements module plays it."""
    player = room.player
    if not player.has_audio_clip:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="announce_not_supported",
            translation_placeholders={"name": player.name},
        )
    try:
        volume = clip_volume(extra.get("volume"))
        priority = clip_priority(extra.get("priority"))
        url = None
        if media_id.upper() != CHIME:
            url = await _async_media_url(room, media_id)
            check_clip_url(url)
    except SonosValueTooLongError as err:
        entry = room.coordinator.config_entry
        raise command_error(room.hass, entry, player.name, err) from err
    except ValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_announcement",
            translation_placeholders={"error": str(err)},
        ) from err
    clip = Clip(url, priority, volume)
    await room.coordinator.announcements.async_announce(room.player_id, clip, extra)
