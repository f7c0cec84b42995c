"""Sources of a room: its household's Sonos favorites, Line-In and TV.

As in the local Sonos integration, a room's sources are the favorites by name
plus the inputs the room has. The favorites come from the cached library, so
showing them costs no request; choosing one is one request.
"""

from homeassistant.exceptions import ServiceValidationError

from .api import Capability, ContentKind, Favorite, Metadata, Player
from .const import DOMAIN
from .library import HouseholdLibrary
from .media import shown

LINE_IN = "Line-In"
TV = "TV"


def inputs(player: Player) -> list[str]:
    """Return the inputs a player has: Line-In, and TV for home theater."""
    names = []
    if Capability.LINE_IN in player.capabilities:
        names.append(LINE_IN)
    if player.is_home_theater:
        names.append(TV)
    return names


def source_list(player: Player, library: HouseholdLibrary | None) -> list[str]:
    """Return the favorites by name (each once), then the room's inputs."""
    names = list(
        dict.fromkeys(
            favorite.name
            for favorite in (library.favorites if library else ())
            if favorite.name not in (LINE_IN, TV)
        )
    )
    return names + inputs(player)


def current_source(metadata: Metadata, library: HouseholdLibrary | None) -> str | None:
    """Return the selected source when it is known, else None.

    An input tells itself by the content; a favorite by the name Sonos gives
    what it loaded. An album or playlist that is no favorite is no source.
    """
    if metadata.kind is ContentKind.TV:
        return TV
    if metadata.kind is ContentKind.LINE_IN:
        return LINE_IN
    name = metadata.container_name
    favorites = library.favorites if library is not None else []
    if name is not None and any(favorite.name == name for favorite in favorites):
        return name
    return None


def favorite_named(
    player: Player, library: HouseholdLibrary | None, source: str
) -> Favorite:
    """Return the favorite a source names; refuse what the room does not have."""
    for favorite in library.favorites if library else ():
        if favorite.name == source:
            return favorite
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_source",
        translation_placeholders={"source": shown(source), "name": player.name},
    )
