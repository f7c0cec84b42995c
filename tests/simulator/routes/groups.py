"""Namespace ``groups`` (commands): create a group, change or set its members.

They answer ``groupInfo`` (no ``playbackState`` in the group object).
Choices: an unknown ``musicContextGroupId`` 400 ERROR_INVALID_OBJECT_ID; a
group left without players 400 ERROR_INVALID_PARAMETER. How groups re-form:
``SonosModel.form_group``.
"""

from tests.simulator.model import Group
from tests.simulator.wire import (
    ApiError,
    ControlCall,
    HandlerResult,
    Route,
    global_error,
    param,
)


class GroupingRoutes:
    """Mixin of ``SonosCloudSimulator``: grouping commands."""

    def _player_list(
        self, call: ControlCall, name: str, household_id: str
    ) -> list[str]:
        """Validate a list of player ids; unknown ones answer ``playerSetError``."""
        player_ids = param(call.body, name, list)
        if not all(isinstance(p, str) for p in player_ids):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", f"{name} must be strings"
            )
        unknown = [
            p
            for p in player_ids
            if p not in self.model.players
            or self.model.players[p].household_id != household_id
        ]
        if unknown:
            raise ApiError(
                400,
                {
                    "_objectType": "playerSetError",
                    "errorCode": "ERROR_INVALID_PARAMETER",
                    "reason": "invalid player id",
                    "playerIds": unknown,
                },
            )
        return list(dict.fromkeys(player_ids))

    @staticmethod
    def _not_empty(player_ids: list[str]) -> None:
        if not player_ids:
            raise global_error(400, "ERROR_INVALID_PARAMETER", "no players in group")

    def _group_info(self, group: Group) -> HandlerResult:
        return {
            "_objectType": "groupInfo",
            "group": self._group_json(group, state=False),
        }

    def _create_group(self, call: ControlCall) -> HandlerResult:
        household_id = call.household.id
        player_ids = self._player_list(call, "playerIds", household_id)
        self._not_empty(player_ids)
        context_id = param(call.body, "musicContextGroupId", str, required=False)
        context = None
        if context_id is not None:
            context = self.model.groups.get(context_id)
            if context is None or context.household_id != household_id:
                raise global_error(
                    400, "ERROR_INVALID_OBJECT_ID", f"unknown group {context_id}"
                )
        group = self.model.form_group(
            player_ids, coordinator_id=player_ids[0], context=context
        )
        return self._group_info(group)

    def _modify_members(self, call: ControlCall) -> HandlerResult:
        target = call.group
        to_add = self._player_list(call, "playerIdsToAdd", target.household_id)
        to_remove = param(call.body, "playerIdsToRemove", list)
        if not all(isinstance(p, str) for p in to_remove):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "playerIdsToRemove must be strings"
            )
        members = [p for p in [*target.player_ids, *to_add] if p not in to_remove]
        members = list(dict.fromkeys(members))
        self._not_empty(members)
        coordinator = target.coordinator_id
        if coordinator not in members:
            coordinator = members[0]
        group = self.model.form_group(
            members, coordinator_id=coordinator, context=target, released=target
        )
        return self._group_info(group)

    def _set_members(self, call: ControlCall) -> HandlerResult:
        target = call.group
        player_ids = self._player_list(call, "playerIds", target.household_id)
        self._not_empty(player_ids)
        group = self.model.form_group(
            player_ids, coordinator_id=player_ids[0], context=target, released=target
        )
        return self._group_info(group)

    def _grouping_routes(self) -> list[Route]:
        group = "/groups/{group}"
        return [
            ("POST", "/households/{household}/groups/createGroup", self._create_group),
            ("POST", f"{group}/groups/modifyGroupMembers", self._modify_members),
            ("POST", f"{group}/groups/setGroupMembers", self._set_members),
        ]
