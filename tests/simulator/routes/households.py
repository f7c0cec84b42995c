"""Namespaces ``households`` and ``groups`` (reads): the account's topology."""

from typing import Any

from tests.simulator.model import Group, Player
from tests.simulator.wire import OWNER_LUID, ControlCall, HandlerResult, Route


class HouseholdRoutes:
    """Mixin of ``SonosCloudSimulator``: households, groups and players as JSON."""

    def _households(self, call: ControlCall) -> HandlerResult:
        households = [
            {"id": h.id, "name": h.name, "ownerLuid": OWNER_LUID}
            for h in self.model.households.values()
        ]
        return {"_objectType": "households", "households": households}

    def _groups(self, call: ControlCall) -> HandlerResult:
        with_devices = call.query.get("includeDeviceInfo", "").lower() == "true"
        return self._groups_body(call.household.id, with_devices=with_devices)

    def _groups_body(
        self, household_id: str, *, with_devices: bool = False, state: bool = True
    ) -> dict[str, Any]:
        """Render ``groups``; events leave out each group's ``playbackState``."""
        groups = [
            g for g in self.model.groups.values() if g.household_id == household_id
        ]
        players = [
            p for p in self.model.players.values() if p.household_id == household_id
        ]
        return {
            "_objectType": "groups",
            "groups": [self._group_json(g, state=state) for g in groups],
            "players": [self._player_json(p, with_devices) for p in players],
            "partial": self.model.partial,
        }

    def _group_json(self, group: Group, *, state: bool = True) -> dict[str, Any]:
        name = self.model.players[group.coordinator_id].name
        if len(group.player_ids) > 1:
            name = f"{name} + {len(group.player_ids) - 1}"
        data = {
            "_objectType": "group",
            "id": group.id,
            "name": name,
            "coordinatorId": group.coordinator_id,
            "playbackState": group.playback_state,
            "playerIds": list(group.player_ids),
            "areaIds": [],
        }
        if not state:
            del data["playbackState"]
        return data

    def _player_json(self, player: Player, with_devices: bool) -> dict[str, Any]:
        octet = int(player.id[-7:-5], 16)
        data: dict[str, Any] = {
            "_objectType": "player",
            "id": player.id,
            "name": player.name,
            "websocketUrl": self.websocket_urls.get(
                player.id, f"wss://192.0.2.{octet}:1443/websocket/api"
            ),
            "softwareVersion": player.software_version,
            "apiVersion": "1.42.0",
            "minApiVersion": "1.1.0",
            "isUnregistered": False,
            "capabilities": list(player.capabilities),
            "deviceIds": list(player.device_ids),
            "icon": player.icon,
        }
        if with_devices:
            data["devices"] = [
                {
                    "_objectType": "device",
                    "id": device_id,
                    "primaryDeviceId": player.id,
                    "serialNumber": f"{device_id[7:19]}:{index + 1}",
                    "modelDisplayName": player.model,
                    "softwareVersion": player.software_version,
                    "name": player.name,
                    "capabilities": list(player.capabilities),
                }
                for index, device_id in enumerate(player.device_ids)
            ]
        return data

    def _household_routes(self) -> list[Route]:
        return [
            ("GET", "/households", self._households),
            ("GET", "/households/{household}/groups", self._groups),
        ]
