"""Namespace ``playback``: status and transport commands of a group.

Choices (unverified against the real cloud): an ``itemId`` that is not
current or an unknown line-in ``deviceId`` 400 ERROR_INVALID_OBJECT_ID; an
unknown ``playModes`` key or a non-bool one 400 ERROR_INVALID_PARAMETER;
``lineIn`` on a player without LINE_IN 499 ERROR_NOT_CAPABLE. Seek and play
modes the content does not allow are refused by ``model.py`` (499
``playbackError``).
"""

from collections.abc import Callable
from typing import Any

from tests.simulator.model import MODE_ACTIONS, Group, ModelError
from tests.simulator.wire import (
    INT32,
    ControlCall,
    Handler,
    HandlerResult,
    Route,
    global_error,
    param,
)


class PlaybackRoutes:
    """Mixin of ``SonosCloudSimulator``: playback status and commands."""

    def _playback_status(self, call: ControlCall) -> HandlerResult:
        return self._playback_body(call.group)

    def _playback_body(self, group: Group) -> dict[str, Any]:
        loaded = group.has_content
        status: dict[str, Any] = {
            "_objectType": "playbackStatus",
            "playbackState": group.playback_state,
            "isDucking": False,
            "positionMillis": self.model.position_millis(group) if loaded else 0,
            "playModes": {"_objectType": "playMode", **group.play_modes},
            "availablePlaybackActions": {
                "_objectType": "playbackAction",
                **self.model.available_actions(group),
            },
            "sourceIsLanSwappable": False,
        }
        if loaded:
            status |= {
                "queueVersion": group.queue_version,
                "itemId": group.item_id,
                "previousItemId": group.previous_item_id,
                "previousPositionMillis": group.previous_position_millis,
            }
        return status

    def _check_item(self, call: ControlCall) -> None:
        item_id = param(call.body, "itemId", str, required=False)
        if item_id is not None and item_id != call.group.item_id:
            raise global_error(
                400, "ERROR_INVALID_OBJECT_ID", f"itemId {item_id} is not current"
            )

    def _seek(self, call: ControlCall) -> HandlerResult:
        position = param(call.body, "positionMillis", int, high=INT32[1])
        self._check_item(call)
        self.model.seek(call.group.id, position, relative=False)

    def _seek_relative(self, call: ControlCall) -> HandlerResult:
        delta = param(call.body, "deltaMillis", int, low=INT32[0], high=INT32[1])
        self._check_item(call)
        self.model.seek(call.group.id, delta, relative=True)

    @staticmethod
    def _play_modes(body: dict[str, Any], *, required: bool = True) -> Any:
        """Validate a ``playModes`` object: known keys, real booleans."""
        name = "playModes"
        modes = param(body, name, dict, required=required)
        for key, value in (modes or {}).items():
            if key not in MODE_ACTIONS or type(value) is not bool:
                raise global_error(
                    400, "ERROR_INVALID_PARAMETER", f"{name}.{key} must be a known bool"
                )
        return modes

    def _set_play_modes(self, call: ControlCall) -> HandlerResult:
        self.model.set_play_modes(call.group.id, self._play_modes(call.body))

    def _load_line_in(self, call: ControlCall) -> HandlerResult:
        group = call.group
        device_id = param(call.body, "deviceId", str, required=False)
        play = param(call.body, "playOnCompletion", bool, required=False)
        player = self.model.players.get(device_id or group.coordinator_id)
        if player is None or player.household_id != group.household_id:
            raise global_error(
                400, "ERROR_INVALID_OBJECT_ID", f"unknown deviceId {device_id}"
            )
        if "LINE_IN" not in player.capabilities:
            raise ModelError("ERROR_NOT_CAPABLE")
        self.model.load_line_in(group.id, device_id=player.id, play=bool(play))

    def _playback_routes(self) -> list[Route]:
        model = self.model
        group = "/groups/{group}"

        def on_group(action: Callable[[str], None]) -> Handler:
            return lambda call: action(call.group.id)

        def skip(step: int) -> Handler:
            return on_group(lambda group_id: model.skip(group_id, step))

        return [
            ("GET", f"{group}/playback", self._playback_status),
            ("POST", f"{group}/playback/play", on_group(model.play)),
            ("POST", f"{group}/playback/pause", on_group(model.pause)),
            ("POST", f"{group}/playback/togglePlayPause", on_group(model.toggle)),
            ("POST", f"{group}/playback/skipToNextTrack", skip(1)),
            ("POST", f"{group}/playback/skipToPreviousTrack", skip(-1)),
            ("POST", f"{group}/playback/seek", self._seek),
            ("POST", f"{group}/playback/seekRelative", self._seek_relative),
            ("POST", f"{group}/playback/playMode", self._set_play_modes),
            ("POST", f"{group}/playback/lineIn", self._load_line_in),
        ]
