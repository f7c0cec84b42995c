"""What goes wrong on purpose: injected faults and the rate limiter.

Faults are checked before authentication and rate limiting; the default
error bodies are those of Sonos' contract. The limiter answers 429 with
Retry-After (spike arrest per second, quota per minute); rejected requests do
not count towards the quota.
"""

from collections import deque
import math
import re
import time
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from tests.simulator.wire import ApiError, Fault


class FaultsAndLimits:
    """Mixin of ``SonosCloudSimulator``: fault injection and rate limits."""

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for entry in self._faults:
            fault: Fault = entry[0]
            if fault.method not in ("*", method.upper()):
                continue
            if not re.fullmatch(fault.path, path):
                continue
            if entry[1] is not None:
                entry[1] -= 1
                if entry[1] <= 0:
                    self._faults.remove(entry)
            return fault
        return None

    def _fault_response(self, fault: Fault, path: str, api: str) -> web.Response:
        """Answer a fault; only a defaulted body brings default headers along."""
        headers = CIMultiDict[str]()
        if fault.raw_body is not None:
            raw = fault.raw_body
            guess = "text/html" if raw.lstrip().startswith("<") else "application/json"
            headers["Content-Type"] = fault.content_type or guess
            headers.update(fault.headers)
            return web.Response(status=fault.status, body=raw.encode(), headers=headers)
        body = fault.body
        if body is None:
            body = self._default_error_body(fault.status, path, api)
            if fault.status == 429:
                headers.update(self._limit_headers(self.quota_per_minute, 0, 1))
        headers.update(fault.headers)
        return self._respond(fault.status, body, dict(headers), api)

    def _default_error_body(self, status: int, path: str, api: str) -> Any:
        """Pick a realistic body for an injected status (reference section 6.2)."""
        if status < 300:
            return {}
        if status == 429:
            return {"errorCode": "TOO_MANY_REQUESTS"}
        if api == "oauth":
            oauth = {400: "invalid_request", 401: "invalid_client"}
            return {"error": oauth.get(status, "server_error")}
        gateway = {
            401: self._unauthorized(expired=False),
            404: {"errorCode": "ERROR_RESOURCE_NOT_FOUND"},
            410: {"errorCode": "ERROR_RESOURCE_GONE"},
            503: {"errorCode": "ERROR_SERVICE_UNAVAILABLE"},
            504: {"errorCode": "ERROR_GATEWAY_TIMEOUT"},
        }
        if status in gateway:
            return gateway[status]
        if status == 499 and re.search(r"/playback(/|$)", path):
            return {
                "_objectType": "playbackError",
                "errorCode": "ERROR_PLAYBACK_FAILED",
            }
        codes = {
            400: "ERROR_INVALID_PARAMETER",
            403: "ERROR_NO_PERMISSION",
            499: "ERROR_COMMAND_FAILED",
        }
        code = codes.get(status, "ERROR_INTERNAL" if status >= 500 else "ERROR_NYI")
        return {"_objectType": "globalError", "errorCode": code}

    @staticmethod
    def _limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "Retry-After": str(reset),
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset),
        }

    def _rate_limit(self, client_id: str) -> None:
        """Rolling-minute quota and per-second spike arrest, per client id."""
        now = time.monotonic()
        hits = self._hits.setdefault(client_id, deque())
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.quota_per_minute:
            reset = max(1, math.ceil(hits[0] + 60 - now))
            headers = self._limit_headers(self.quota_per_minute, 0, reset)
            raise ApiError(429, {"errorCode": "TOO_MANY_REQUESTS"}, headers)
        last_second = 0
        for hit in reversed(hits):
            if hit <= now - 1:
                break
            last_second += 1
        if last_second >= self.spike_per_second:
            headers = self._limit_headers(self.spike_per_second, 0, 1)
            raise ApiError(429, {"errorCode": "TOO_MANY_REQUESTS"}, headers)
        hits.append(now)
