"""Not part of Sonos' API: what another process sees of the simulator.

The end-to-end tests (or a developer with curl) read what the simulator was
asked (``GET /simulator/requests``, headers left out), set the key's Event
Callback URL as one does in Sonos' developer portal
(``PUT /simulator/callback-url``), and the demo's browser loads artwork from
``/images/``.
"""

from aiohttp import web

from .artwork import Cover, draw, title_of
from .model import SonosModel


class Inspection:
    """Mixin of ``SonosCloudSimulator``: the endpoints beside Sonos' API."""

    model: SonosModel
    _covers: dict[str, Cover]

    async def _inspect_requests(self, request: web.Request) -> web.Response:
        """List the recorded requests from index ``since`` on, without headers.

        Headers are left out: they carry the tokens. These calls are not
        recorded themselves.
        """
        try:
            since = max(int(request.query.get("since", "0")), 0)
        except ValueError:
            return web.json_response({"error": "since must be a number"}, status=400)
        recorded = [
            {
                "method": r.method,
                "path": r.path,
                "api": r.api,
                "status": r.status,
                "query": r.query,
                "json": r.json,
            }
            for r in self.requests[since:]
        ]
        return web.json_response({"total": len(self.requests), "requests": recorded})

    async def _inspect_callback_url(self, request: web.Request) -> web.Response:
        """Set the key's Event Callback URL, as in Sonos' developer portal."""
        try:
            body = await request.json()
            self.callback_url = body["url"]
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"url": self.callback_url})

    async def _image(self, request: web.Request) -> web.Response:
        """Serve a made-up cover: the album's colours, shapes and title."""
        path = request.match_info["name"]
        if path not in self._covers:
            self._covers[path] = self._library_cover(path)
        svg = draw(path, self._covers[path])
        return web.Response(text=svg, content_type="image/svg+xml")

    def _library_cover(self, path: str) -> Cover:
        """Name the cover of a favorite or playlist after it; else after its path."""
        for household in self.model.households.values():
            for item in household.favorites:
                if (item.image_url or "").endswith(f"/{path}"):
                    return Cover(item.name, "Sonos favorite")
        return Cover(title_of(path), "")
