"""Table 1: the Control API requests of each user action (normal case)."""

from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.media_player import (
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    MediaPlayerEntityFeature as Feature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.sonos_cloud.const import DOMAIN
from tests.conftest import HOUSEHOLD_ID
from tests.simulator import SonosCloudSimulator

from .helpers import (
    BEDROOM_ENTITY,
    KITCHEN_ENTITY,
    LIVING_ROOM_ENTITY,
    describe,
    oauth_requests,
)
from .report import REPORT, Table

MP = MEDIA_PLAYER_DOMAIN
PLAY_MEDIA = Feature.PLAY_MEDIA


@dataclass(frozen=True)
class Action:
    """One service call to count, and the feature the entity must offer for it."""

    label: str
    service: str
    entity_id: str
    needs: Feature | None = None
    data: dict[str, Any] = field(default_factory=dict)
    domain: str = MP


def actions(simulator: SonosCloudSimulator) -> list[Action]:
    """List the actions of the table in its order; favorites and playlists if any."""
    household = simulator.model.households[HOUSEHOLD_ID]
    rows = [
        Action("play", "media_play", KITCHEN_ENTITY),
        Action("pause", "media_pause", LIVING_ROOM_ENTITY),
        Action("next", "media_next_track", LIVING_ROOM_ENTITY, Feature.NEXT_TRACK),
        Action(
            "previous",
            "media_previous_track",
            LIVING_ROOM_ENTITY,
            Feature.PREVIOUS_TRACK,
        ),
        Action("volume_set", "volume_set", KITCHEN_ENTITY, data={"volume_level": 0.33}),
        Action("volume_up", "volume_up", KITCHEN_ENTITY),
        Action("volume_down (extra)", "volume_down", KITCHEN_ENTITY),
        Action("mute", "volume_mute", KITCHEN_ENTITY, data={"is_volume_muted": True}),
        Action(
            "seek",
            "media_seek",
            LIVING_ROOM_ENTITY,
            Feature.SEEK,
            {"seek_position": 30},
        ),
        Action(
            "shuffle",
            "shuffle_set",
            LIVING_ROOM_ENTITY,
            Feature.SHUFFLE_SET,
            {"shuffle": True},
        ),
        Action(
            "repeat (extra)",
            "repeat_set",
            LIVING_ROOM_ENTITY,
            Feature.REPEAT_SET,
            {"repeat": "all"},
        ),
        Action(
            "sonos_cloud.set_group_volume",
            "set_group_volume",
            LIVING_ROOM_ENTITY,
            data={"volume_level": 0.3},
            domain=DOMAIN,
        ),
        Action(
            "sonos_cloud.set_group_mute (extra)",
            "set_group_mute",
            LIVING_ROOM_ENTITY,
            data={"is_volume_muted": False},
            domain=DOMAIN,
        ),
        Action(
            "join",
            "join",
            LIVING_ROOM_ENTITY,
            Feature.GROUPING,
            {"group_members": [KITCHEN_ENTITY]},
        ),
        Action("unjoin", "unjoin", KITCHEN_ENTITY, Feature.GROUPING),
    ]
    if household.favorites:
        favorite = {
            "media_content_type": "music",
            "media_content_id": f"favorite:{household.favorites[0].id}",
        }
        rows.extend(
            Action(label, "play_media", BEDROOM_ENTITY, PLAY_MEDIA, favorite)
            for label in ("play favorite (first)", "play favorite (again)")
        )
    if household.playlists:
        playlist = {
            "media_content_type": "playlist",
            "media_content_id": f"playlist:{household.playlists[0].id}",
        }
        rows.append(
            Action(
                "play playlist (extra)",
                "play_media",
                BEDROOM_ENTITY,
                PLAY_MEDIA,
                playlist,
            )
        )
    chime = {"media_content_type": "music", "media_content_id": "CHIME"}
    rows.append(
        Action(
            "announce (CHIME)",
            "play_media",
            KITCHEN_ENTITY,
            PLAY_MEDIA | Feature.MEDIA_ANNOUNCE,
            {**chime, "announce": True},
        )
    )
    return rows


def features(hass: HomeAssistant, entity_id: str) -> Feature:
    """Return the entity's supported features."""
    state = hass.states.get(entity_id)
    assert state is not None
    return Feature(state.attributes[ATTR_SUPPORTED_FEATURES])


async def measure(
    hass: HomeAssistant, simulator: SonosCloudSimulator, table: Table, action: Action
) -> None:
    """Add the row of one action: the requests its blocking service call sent."""
    label, entity_id, needs = action.label, action.entity_id, action.needs
    if needs is not None and needs not in features(hass, entity_id):
        table.add(label, entity_id, "-", "-", 1, "skipped", "")
        missing = needs & ~features(hass, entity_id)
        table.note(
            f"{label}: skipped, {entity_id} does not offer "
            f"{missing.name or needs.name} in supported_features."
        )
        return
    simulator.clear_requests()
    error = None
    try:
        await hass.services.async_call(
            action.domain,
            action.service,
            {ATTR_ENTITY_ID: entity_id, **action.data},
            blocking=True,
        )
    except (HomeAssistantError, vol.Invalid) as err:
        error = f"{type(err).__name__}: {err}"
    control = simulator.control_requests()
    met = "yes" if len(control) == 1 and error is None else "NO"
    table.add(
        label,
        entity_id,
        len(control),
        len(oauth_requests(simulator)),
        1,
        met,
        describe(control),
    )
    if error:
        table.note(f"{label}: the service call failed ({error}).")


async def test_requests_per_action(
    hass: HomeAssistant,
    simulator: SonosCloudSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Count the Control API requests of each service call (normal case)."""
    table = REPORT.table(
        "1-actions",
        "1. Requests per user action (demo household: 3 rooms, normal case)",
        [
            "action",
            "entity",
            "control requests",
            "token requests",
            "goal",
            "met",
            "requests sent",
        ],
    )
    for action in actions(simulator):
        await measure(hass, simulator, table, action)
    table.note(
        "Counted from the simulator's request log around one blocking service "
        "call; goal: 1 Control API request and no token request per action."
    )
    assert table.rows
