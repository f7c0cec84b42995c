"""Namespace ``playbackSession``: create or join a session, load a stream URL.

Choice: an unknown or evicted session answers 410 ERROR_RESOURCE_GONE.
"""

from typing import Any

from tests.simulator.wire import (
    ControlCall,
    HandlerResult,
    Route,
    global_error,
    http_url,
    param,
    text,
)


class SessionRoutes:
    """Mixin of ``SonosCloudSimulator``: playback sessions."""

    def _session_body(self, call: ControlCall) -> tuple[str, str, Any, str]:
        app_id = text(call.body, "appId", 127)
        app_context = text(call.body, "appContext", 127)
        if len(f"{app_id}{app_context}".encode()) >= 255:
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "appId + appContext too long"
            )
        account_id = param(call.body, "accountId", str, required=False)
        custom_data = param(call.body, "customData", str, required=False) or ""
        return str(app_id), str(app_context), account_id, custom_data[:1023]

    @staticmethod
    def _session_status(session: Any, *, created: bool) -> dict[str, Any]:
        return {
            "_objectType": "sessionStatus",
            "sessionId": session.id,
            "sessionState": "SESSION_STATE_CONNECTED",
            "sessionCreated": created,
            "customData": session.custom_data,
        }

    def _create_session(self, call: ControlCall) -> HandlerResult:
        session = self.model.create_session(call.group.id, *self._session_body(call))
        return self._session_status(session, created=True)

    def _join_or_create(self, call: ControlCall) -> HandlerResult:
        app_id, app_context, account_id, custom_data = self._session_body(call)
        current = self.model.sessions.get(call.group.session_id or "")
        if current and (current.app_id, current.app_context) == (app_id, app_context):
            return self._session_status(current, created=False)
        session = self.model.create_session(
            call.group.id, app_id, app_context, account_id, custom_data
        )
        return self._session_status(session, created=True)

    def _leave_session(self, call: ControlCall) -> HandlerResult:
        self.model.end_session(call.session.id)

    def _load_stream(self, call: ControlCall) -> HandlerResult:
        stream_url = str(http_url(call.body, "streamUrl", required=True))
        play = bool(param(call.body, "playOnCompletion", bool, required=False))
        param(call.body, "itemId", str, required=False)
        metadata = param(call.body, "stationMetadata", dict, required=False) or {}
        name = text(metadata, "name", 100, required=False) or stream_url
        self.model.load_station(
            call.group.id,
            name,
            stream_url=stream_url,
            service=None,
            session_id=call.session.id,
            play=play,
        )

    def _session_routes(self) -> list[Route]:
        group, session = "/groups/{group}", "/sessions/{session}"
        return [
            ("POST", f"{group}/playbackSession", self._create_session),
            ("POST", f"{group}/playbackSession/joinOrCreate", self._join_or_create),
            ("DELETE", f"{session}/playbackSession", self._leave_session),
            ("POST", f"{session}/playbackSession/loadStreamUrl", self._load_stream),
        ]
