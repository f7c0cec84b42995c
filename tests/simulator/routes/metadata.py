"""Namespace ``playbackMetadata``: what a group plays (tracks or a station)."""

from typing import Any

from tests.simulator.model import TRACKS, Content, Group, Service, Track
from tests.simulator.wire import ControlCall, HandlerResult, Route


class MetadataRoutes:
    """Mixin of ``SonosCloudSimulator``: metadata status and its parts."""

    @staticmethod
    def _service_json(service: Service | None) -> dict[str, Any]:
        if service is None:
            return {}
        return {
            "service": {
                "_objectType": "service",
                "name": service.name,
                "id": service.id,
            }
        }

    @classmethod
    def _object_id(cls, object_id: str, service: Service | None) -> dict[str, Any]:
        return {
            "_objectType": "universalMusicObjectId",
            "serviceId": service.id if service else "local-library",
            "objectId": object_id,
            "accountId": "sn_0",
        }

    @classmethod
    def _track_json(
        cls, track: Track, number: int, service: Service | None
    ) -> dict[str, Any]:
        return {
            "_objectType": "track",
            "type": "track",
            "name": track.title,
            "artist": {"_objectType": "artist", "name": track.artist},
            "album": {"_objectType": "album", "name": track.album},
            "imageUrl": track.image_url,
            "images": [{"_objectType": "image", "url": track.image_url}],
            "id": cls._object_id(f"sim:track:{number}", service),
            **cls._service_json(service),
            "durationMillis": track.duration_millis,
            "trackNumber": number,
            "explicit": False,
        }

    def _metadata_status(self, call: ControlCall) -> HandlerResult:
        return self._metadata_body(call.group)

    def _metadata_body(self, group: Group) -> dict[str, Any]:
        """``metadataStatus`` for each kind of content (reference section 4.5)."""
        content = group.content
        if content is None:
            return {"_objectType": "metadataStatus"}
        body: dict[str, Any] = {
            "_objectType": "metadataStatus",
            "container": {
                "_objectType": "container",
                "name": content.name,
                "type": content.container_type,
                "id": self._object_id(content.object_id, content.service),
                **self._service_json(content.service),
                "imageUrl": content.image_url,
                "images": [{"_objectType": "image", "url": content.image_url}],
            },
        }
        if content.session_id is not None and content.session_id == group.session_id:
            session = self.model.sessions.get(content.session_id)
            body["playbackSession"] = {
                "clientId": session.app_id if session else "unknown",
                "isSuspended": False,
                "accountId": "sn_0",
            }
        if content.kind == TRACKS:
            body |= self._queue_metadata(group, content)
        elif content.kind != "linein":
            body |= self._station_metadata(group, content)
        return body

    def _queue_metadata(self, group: Group, content: Content) -> dict[str, Any]:
        index, tracks = group.item_index, group.tracks
        following = (index + 1) % len(tracks)
        return {
            "currentItem": {
                "_objectType": "queueItem",
                "id": group.item_id,
                "track": self._track_json(tracks[index], index + 1, content.service),
                "deleted": False,
                "policies": {"canSkip": True, "canSeek": True},
            },
            "nextItem": {
                "_objectType": "queueItem",
                "id": str(following + 1),
                "track": self._track_json(
                    tracks[following], following + 1, content.service
                ),
            },
        }

    def _station_metadata(self, group: Group, content: Content) -> dict[str, Any]:
        track = {
            "_objectType": "track",
            "type": "track",
            "name": content.name,
            "imageUrl": content.image_url,
            "images": [{"_objectType": "image", "url": content.image_url}],
            "id": self._object_id(content.object_id, content.service),
            **self._service_json(content.service),
        }
        if content.stream_url and content.session_id is not None:
            track["mediaUrl"] = content.stream_url
        body: dict[str, Any] = {
            "currentItem": {
                "_objectType": "queueItem",
                "id": group.item_id,
                "track": track,
                "deleted": False,
                "policies": {"canSkip": False, "canSeek": False},
            }
        }
        if content.stream_info:
            body["streamInfo"] = content.stream_info
        return body

    def _metadata_routes(self) -> list[Route]:
        return [("GET", "/groups/{group}/playbackMetadata", self._metadata_status)]
