"""Events: subscriptions (``{target}/{namespace}/subscription``) and delivery.

The model reports every change (``_on_change``); each subscribed (namespace,
target) then gets an event whose body is rendered right away, the same JSON as
the namespace's GET. The current state is sent once after each subscribe.
Without a callback URL subscribing answers 403 ERROR_NO_PERMISSION, as for a
key without one; unsubscribing always answers 200. There are no
``playbackSession`` subscriptions. Signing and sending: ``events.py``.
"""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.simulator.events import Delivery, EventFaults, Key, check_callback_url
from tests.simulator.wire import ApiError, ControlCall, Handler, HandlerResult


class SubscriptionRoutes:
    """Mixin of ``SonosCloudSimulator``: the events and their subscriptions."""

    @property
    def callback_url(self) -> str | None:
        """Event Callback URL of the key; None (default) makes subscribe 403."""
        return self._events.url

    @callback_url.setter
    def callback_url(self, url: str | None) -> None:
        self._events.url = check_callback_url(url)

    @property
    def event_retry_delay(self) -> float:
        """Seconds between delivery attempts (tests usually set 0)."""
        return self._events.retry_delay

    @event_retry_delay.setter
    def event_retry_delay(self, delay: float) -> None:
        self._events.retry_delay = delay

    @property
    def subscriptions(self) -> set[Key]:
        """Active subscriptions as (namespace, target type, target id)."""
        return self._subscriptions.active()

    def subscription_expires_at(
        self, namespace: str, target_type: str, target_id: str
    ) -> float | None:
        """``time.monotonic()`` value a subscription runs out at, or None."""
        return self._subscriptions.expires_at((namespace, target_type, target_id))

    @property
    def deliveries(self) -> list[Delivery]:
        """Every POST attempt to the callback URL, in the order they finished."""
        return self._events.deliveries

    @property
    def event_faults(self) -> EventFaults:
        """Counters to duplicate, reorder or mis-sign the next events."""
        return self._events.faults

    async def drain_events(self) -> None:
        """Wait until every pending event was delivered (or dropped)."""
        await self._events.drain()

    def emit_playback_error(
        self,
        group_id: str,
        error_code: str = "ERROR_PLAYBACK_FAILED",
        reason: str | None = "ERROR_CANT_REACH_SERVER",
        *,
        stop: bool = True,
    ) -> None:
        """Report a ``playbackError`` event; ``stop`` drops the group to IDLE."""
        group = self.model.groups[group_id]
        key = ("playback", "groupId", group_id)
        household_id = self._subscriptions.household_of(key)
        if household_id is not None:
            body: dict[str, Any] = {
                "_objectType": "playbackError",
                "errorCode": error_code,
            }
            if reason:
                body["reason"] = reason
            if group.has_content:
                body |= {"itemId": group.item_id, "queueVersion": group.queue_version}
            self._send_event(household_id, "playback", "playbackError", key, body)
        if stop:
            self.model.set_playback_state(group_id, "PLAYBACK_STATE_IDLE")

    async def _shutdown_events(self, _app: web.Application) -> None:
        await self._events.close()

    def _target_exists(self, target_type: str, target_id: str) -> bool:
        tables: dict[str, Any] = {
            "householdId": self.model.households,
            "groupId": self.model.groups,
            "playerId": self.model.players,
        }
        return target_id in tables[target_type]

    def _on_change(self, namespace: str, target_type: str, target_id: str) -> None:
        """Model listener: send the new state to whoever subscribed to it."""
        if namespace == "groups":
            self._subscriptions.targets_gone(self._target_exists)
        self._emit((namespace, target_type, target_id))

    def _emit(self, key: Key) -> None:
        household_id = self._subscriptions.household_of(key)
        if household_id is None or not self._target_exists(key[1], key[2]):
            return
        event_type, body = self._event_body(key)
        self._send_event(household_id, key[0], event_type, key, body)

    def _send_event(
        self, household_id: str, namespace: str, event_type: str, key: Key, body: Any
    ) -> None:
        body = self._local(body)
        for listener in self.event_listeners:
            listener(namespace, event_type, body)
        self._events.send(household_id, namespace, event_type, key[1:], body)

    def _event_body(self, key: Key) -> tuple[str, dict[str, Any]]:
        """Event type and body: what the matching GET would answer now."""
        namespace, _, target_id = key
        groups, players = self.model.groups, self.model.players
        if namespace in ("favorites", "playlists"):
            household = self.model.households[target_id]
            version = getattr(household, f"{namespace}_version")
            return "versionChanged", {"version": str(version)}
        renderers: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
            "groups": ("groups", lambda: self._groups_body(target_id, state=False)),
            "playback": (
                "playbackStatus",
                lambda: self._playback_body(groups[target_id]),
            ),
            "playbackMetadata": (
                "metadataStatus",
                lambda: self._metadata_body(groups[target_id]),
            ),
            "groupVolume": ("groupVolume", lambda: self._group_volume_body(target_id)),
            "playerVolume": (
                "playerVolume",
                lambda: self._player_volume_body(players[target_id]),
            ),
            "audioClip": ("audioClipStatus", lambda: self._clip_status(target_id)),
        }
        event_type, render = renderers[namespace]
        return event_type, render()

    def _subscription_routes(self) -> None:
        """POST/DELETE ``{target}/{namespace}/subscription`` for each namespace."""
        for template, target_type, names in (
            ("/households/{household}", "householdId", ("groups", "favorites")),
            ("/households/{household}", "householdId", ("playlists",)),
            (
                "/groups/{group}",
                "groupId",
                ("playback", "playbackMetadata", "groupVolume"),
            ),
            ("/players/{player}", "playerId", ("playerVolume", "audioClip")),
        ):
            for namespace in names:
                path = f"{template}/{namespace}/subscription"
                self.add_route("POST", path, self._subscriber(namespace, target_type))
                self.add_route(
                    "DELETE", path, self._unsubscriber(namespace, target_type)
                )

    @staticmethod
    def _target_of(call: ControlCall, target_type: str) -> tuple[str, str]:
        """(target id, household id) of a subscription request."""
        if target_type == "householdId":
            return call.household.id, call.household.id
        if target_type == "groupId":
            return call.group.id, call.group.household_id
        return call.player.id, call.player.household_id

    def _subscriber(self, namespace: str, target_type: str) -> Handler:
        def subscribe(call: ControlCall) -> HandlerResult:
            if self.callback_url is None:
                raise ApiError(
                    403,
                    {
                        "errorCode": "ERROR_NO_PERMISSION",
                        "reason": "No callback URL registered for this key",
                    },
                )
            target_id, household_id = self._target_of(call, target_type)
            key = (namespace, target_type, target_id)
            self._subscriptions.subscribe(key, household_id)
            self._emit(key)  # the current state, once
            return None

        return subscribe

    def _unsubscriber(self, namespace: str, target_type: str) -> Handler:
        def unsubscribe(call: ControlCall) -> HandlerResult:
            target_id, _ = self._target_of(call, target_type)
            self._subscriptions.unsubscribe((namespace, target_type, target_id))
            return None

        return unsubscribe
