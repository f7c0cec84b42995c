"""Not part of Sonos' API: what another process sees of the simulator.

The end-to-end tests (or a developer with curl) read what the simulator was
asked (``GET /simulator/requests``, headers left out), set the key's Event
Callback URL as one does in Sonos' developer portal
(``PUT /simulator/callback-url``), and the demo's browser loads artwork from
``/images/``.
"""

import html

from aiohttp import web


class Inspection:
    """Mixin of ``SonosCloudSimulator``: the endpoints beside Sonos' API."""

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
        """Draw a square cover: the name's first letter on a colour."""
        name = request.match_info["name"]
        hue = sum(name.encode()) % 360
        letter = html.escape((name.rsplit("/", 1)[-1][:1] or "?").upper())
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
            f'<rect width="300" height="300" fill="hsl({hue},45%,40%)"/>'
            '<text x="150" y="195" font-size="160" text-anchor="middle" '
            f'fill="white" font-family="sans-serif">{letter}</text></svg>'
        )
        return web.Response(text=svg, content_type="image/svg+xml")
