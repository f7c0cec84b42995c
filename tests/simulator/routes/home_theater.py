"""Namespace ``homeTheater``: options (night sound, speech), TV input and power.

Choices: a player without HT_PLAYBACK 404 ERROR_UNSUPPORTED_NAMESPACE;
``tvPowerState`` without HT_POWER_STATE 404 ERROR_UNSUPPORTED_COMMAND.
"""

from tests.simulator.model import Player
from tests.simulator.wire import (
    ControlCall,
    HandlerResult,
    Route,
    choice,
    global_error,
    param,
)


class HomeTheaterRoutes:
    """Mixin of ``SonosCloudSimulator``: home theater."""

    @staticmethod
    def _home_theater_player(call: ControlCall) -> Player:
        if "HT_PLAYBACK" not in call.player.capabilities:
            raise global_error(
                404, "ERROR_UNSUPPORTED_NAMESPACE", "player has no home theater"
            )
        return call.player

    def _ht_options(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        return {
            "_objectType": "homeTheaterOptions",
            "nightMode": player.night_mode,
            "enhanceDialog": player.enhance_dialog,
        }

    def _set_ht_options(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        self.model.set_home_theater_options(
            player.id,
            param(call.body, "nightMode", bool, required=False),
            param(call.body, "enhanceDialog", bool, required=False),
        )
        return self._ht_options(call)

    def _load_home_theater(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        group = self.model.group_of(player.id)
        self.model.load_line_in(
            group.id, device_id=player.id, home_theater=True, play=True
        )

    def _tv_power(self, call: ControlCall) -> HandlerResult:
        player = self._home_theater_player(call)
        state = choice(call.body, "tvPowerState", ("ON", "STANDBY"), None)
        if state is None:
            param(call.body, "tvPowerState", str)  # raises missing
        if "HT_POWER_STATE" not in player.capabilities:
            raise global_error(
                404, "ERROR_UNSUPPORTED_COMMAND", "player cannot switch the TV"
            )
        player.tv_power_state = str(state)

    def _home_theater_routes(self) -> list[Route]:
        player = "/players/{player}"
        return [
            ("GET", f"{player}/homeTheater/options", self._ht_options),
            ("POST", f"{player}/homeTheater/options", self._set_ht_options),
            ("POST", f"{player}/homeTheater", self._load_home_theater),
            ("POST", f"{player}/homeTheater/tvPowerState", self._tv_power),
        ]
