"""Namespaces ``groupVolume`` and ``playerVolume``: read, set, relative, mute."""

from typing import Any

from tests.simulator.model import ModelError, Player
from tests.simulator.wire import ControlCall, HandlerResult, Route, param


class VolumeRoutes:
    """Mixin of ``SonosCloudSimulator``: group and player volume."""

    def _group_volume(self, call: ControlCall) -> HandlerResult:
        return self._group_volume_body(call.group.id)

    def _group_volume_body(self, group_id: str) -> dict[str, Any]:
        volume, muted = self.model.group_volume(group_id)
        fixed = self.model.group_fixed(group_id)
        return {
            "_objectType": "groupVolume",
            "volume": volume,
            "muted": muted,
            "fixed": fixed,
        }

    def _set_group_volume(self, call: ControlCall) -> HandlerResult:
        self.model.set_group_volume(call.group.id, param(call.body, "volume", int))

    def _group_relative(self, call: ControlCall) -> HandlerResult:
        delta = param(call.body, "volumeDelta", int, low=-100)
        self.model.adjust_group_volume(call.group.id, delta)

    def _group_mute(self, call: ControlCall) -> HandlerResult:
        self.model.set_group_mute(call.group.id, param(call.body, "muted", bool))

    def _player_volume(self, call: ControlCall) -> HandlerResult:
        return self._player_volume_body(call.player)

    @staticmethod
    def _player_volume_body(player: Player) -> dict[str, Any]:
        return {
            "_objectType": "playerVolume",
            "volume": player.volume,
            "muted": player.muted,
            "fixed": player.fixed_volume,
        }

    def _set_player_volume(self, call: ControlCall) -> HandlerResult:
        player = call.player
        volume = param(call.body, "volume", int, required=False)
        muted = param(call.body, "muted", bool, required=False)
        if volume is None and muted is None:
            return None  # the contract requires neither: nothing to change
        if volume is not None and player.fixed_volume:
            raise ModelError("ERROR_COMMAND_FAILED")
        self.model.set_player_volume(player.id, volume, muted)

    def _player_relative(self, call: ControlCall) -> HandlerResult:
        player = call.player
        delta = param(call.body, "volumeDelta", int, required=False, low=-100)
        muted = param(call.body, "muted", bool, required=False)
        if delta is None and muted is None:
            param(call.body, "volumeDelta", int, low=-100)  # raises missing
        if delta is not None and player.fixed_volume:
            raise ModelError("ERROR_COMMAND_FAILED")
        volume = None if delta is None else player.volume + delta
        self.model.set_player_volume(player.id, volume, bool(muted))

    def _player_mute(self, call: ControlCall) -> HandlerResult:
        self.model.set_player_volume(
            call.player.id, muted=param(call.body, "muted", bool)
        )

    def _volume_routes(self) -> list[Route]:
        group, player = "/groups/{group}", "/players/{player}"
        return [
            ("GET", f"{group}/groupVolume", self._group_volume),
            ("POST", f"{group}/groupVolume", self._set_group_volume),
            ("POST", f"{group}/groupVolume/relative", self._group_relative),
            ("POST", f"{group}/groupVolume/mute", self._group_mute),
            ("GET", f"{player}/playerVolume", self._player_volume),
            ("POST", f"{player}/playerVolume", self._set_player_volume),
            ("POST", f"{player}/playerVolume/relative", self._player_relative),
            ("POST", f"{player}/playerVolume/mute", self._player_mute),
        ]
