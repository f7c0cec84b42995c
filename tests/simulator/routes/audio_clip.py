"""Namespace ``audioClip``: play a clip on a player, cancel it, its status.

Choices: a player without AUDIO_CLIP 499 ``globalError`` ERROR_NOT_CAPABLE;
cancelling an unknown or finished clip 404 ERROR_AUDIO_CLIP_ID_NOT_FOUND; a
cancelled clip ends DISMISSED; a clip that may not interrupt the current one
(LOW over HIGH, HIGH over a HIGH younger than 10 s) is answered and recorded
as DISMISSED.
"""

from typing import Any

from tests.simulator.model import AudioClip, ModelError
from tests.simulator.wire import (
    ApiError,
    ControlCall,
    HandlerResult,
    Route,
    choice,
    global_error,
    http_url,
    param,
    text,
)


class AudioClipRoutes:
    """Mixin of ``SonosCloudSimulator``: audio clips."""

    @staticmethod
    def _clip_json(clip: AudioClip) -> dict[str, Any]:
        data = {
            "_objectType": "audioClip",
            "id": clip.id,
            "name": clip.name,
            "appId": clip.app_id,
            "priority": clip.priority,
            "clipType": clip.clip_type,
            "status": clip.status,
        }
        if clip.error_code:
            data["errorCode"] = clip.error_code
        return data

    def _clip_status(self, player_id: str) -> dict[str, Any]:
        """``audioClipStatus``: the player's latest clips (at most 3)."""
        clips = self.model.clips.get(player_id, [])[-3:]
        return {
            "_objectType": "audioClipStatus",
            "audioClips": [self._clip_json(c) for c in clips],
        }

    def _load_clip(self, call: ControlCall) -> HandlerResult:
        body, player = call.body, call.player
        name = text(body, "name", 64)
        app_id = text(body, "appId", 127)
        stream_url = http_url(body, "streamUrl", required=False)
        default_type = "CUSTOM" if stream_url else "CHIME"
        clip_type = choice(
            body, "clipType", ("CHIME", "CUSTOM", "VOICE_ASSISTANT"), default_type
        )
        if clip_type == "CUSTOM" and stream_url is None:
            param(body, "streamUrl", str)  # raises ERROR_MISSING_PARAMETERS
        authorization = text(body, "httpAuthorization", 512, required=False)
        if authorization is not None and not (stream_url or "").startswith("https:"):
            raise global_error(
                400, "ERROR_INVALID_PARAMETER", "httpAuthorization needs https"
            )
        priority = choice(body, "priority", ("LOW", "HIGH"), "LOW")
        volume = param(body, "volume", int, required=False)
        led = choice(
            body, "clipLEDBehavior", ("WHITE_LED_QUICK_BREATHING", "NONE"), None
        )
        if "AUDIO_CLIP" not in player.capabilities:
            raise ModelError("ERROR_NOT_CAPABLE")
        clip = self.model.load_clip(
            AudioClip(
                id="",
                player_id=call.params["player"],
                name=str(name),
                app_id=str(app_id),
                clip_type=str(clip_type),
                priority=str(priority),
                stream_url=stream_url,
                http_authorization=authorization,
                volume=volume,
                led_behavior=led,
            )
        )
        return self._clip_json(clip)

    def _cancel_clip(self, call: ControlCall) -> HandlerResult:
        clip = self.model.find_clip(call.params["player"], call.params["clip"])
        if clip is None or clip.status != "ACTIVE":
            raise ApiError(
                404,
                {
                    "_objectType": "globalError",
                    "errorCode": "ERROR_AUDIO_CLIP_ID_NOT_FOUND",
                    "reason": f"no active audio clip {call.params['clip']}",
                },
            )
        # Found under the id it was started on (a satellite's own, for one).
        self.model.finish_clip(clip.player_id, clip.id, "DISMISSED")

    def _audio_clip_routes(self) -> list[Route]:
        player = "/players/{player}"
        return [
            ("POST", f"{player}/audioClip", self._load_clip),
            ("DELETE", f"{player}/audioClip/{{clip}}", self._cancel_clip),
        ]
