"""OAuth: the authorization page, the token endpoint and access tokens.

Authorization codes live ``CODE_TTL`` seconds; a missing code or refresh
token is ``invalid_request``. Control API requests carry a bearer token; an
unknown or expired one answers 401 (body as ``unauthorized_body`` says).
"""

import base64
import binascii
import html
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.simulator.wire import (
    AUTHORIZE_PATH,
    CODE_TTL,
    SCOPE,
    AccessToken,
    ApiError,
    AuthCode,
    random_token,
)


class OAuthRoutes:
    """Mixin of ``SonosCloudSimulator``: sign-in and tokens."""

    def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or SCOPE not in query.get("scope", "").split()
            or not redirect_uri
        ):
            raise ApiError(400, {"error": "invalid_request"})
        state = {"state": query["state"]} if "state" in query else {}
        joiner = "&" if "?" in redirect_uri else "?"
        if query.get("deny") == "1":
            error = urlencode({**state, "error": "access_denied"})
            return web.Response(
                status=302, headers={"Location": redirect_uri + joiner + error}
            )
        if not (self.auto_approve or query.get("approve") == "1"):
            return self._consent_page(query)
        code = random_token((8, 16))
        self._codes[code] = AuthCode(
            self.client_id, redirect_uri, time.monotonic() + CODE_TTL
        )
        location = redirect_uri + joiner + urlencode({**state, "code": code})
        return web.Response(status=302, headers={"Location": location})

    def _consent_page(self, query: Any) -> web.Response:
        """Mimic the "Allow ... to control your Sonos system" screen."""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
            if k not in ("approve", "deny")
        )
        name = html.escape(self.integration_name)
        page = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>Sonos simulator - sign in</title></head><body>"
            f"<h1>Allow {name} to control your Sonos system</h1>"
            f"<form method='get' action='{AUTHORIZE_PATH}'>{hidden}"
            "<button name='approve' value='1'>Allow</button> "
            "<button name='deny' value='1'>Deny</button></form></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    def _basic_client(self, header: str | None) -> str:
        """Client id from ``Authorization: Basic``; 401 unless id/secret match."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "basic" or not value.strip():
            raise ApiError(401, {"error": "invalid_client"})
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except binascii.Error, UnicodeDecodeError:
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            raise ApiError(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Authentication required",
                },
            )
        return client_id

    def _token(self, request: web.Request, form: dict[str, str]) -> web.Response:
        client_id = self._basic_client(request.headers.get("Authorization"))
        params = {**form, **request.query}
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            if not params.get("code"):
                raise ApiError(400, {"error": "invalid_request"})
            code = self._codes.pop(params["code"], None)
            if (
                code is None
                or code.expires_at <= time.monotonic()
                or code.client_id != client_id
                or code.redirect_uri != params.get("redirect_uri")
            ):
                raise ApiError(400, {"error": "invalid_grant"})
            tokens = self._mint(client_id)
        elif grant_type == "refresh_token":
            refresh_token = params.get("refresh_token")
            if not refresh_token:
                raise ApiError(400, {"error": "invalid_request"})
            if self._refresh_tokens.get(refresh_token) != client_id:
                raise ApiError(400, {"error": "invalid_grant"})
            if self.rotate_refresh_tokens:
                del self._refresh_tokens[refresh_token]
                tokens = self._mint(client_id)
            else:
                tokens = self._mint(client_id, refresh_token)
        else:
            raise ApiError(400, {"error": "invalid_request"})
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        return self._respond(200, tokens, headers, "oauth")

    def _mint(self, client_id: str, refresh_token: str | None = None) -> dict[str, Any]:
        access_token = random_token((28, 32))
        self._access_tokens[access_token] = AccessToken(
            client_id, time.monotonic() + self.access_token_ttl
        )
        if refresh_token is None:
            refresh_token = random_token((28, 32))
            self._refresh_tokens[refresh_token] = client_id
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
            "refresh_token": refresh_token,
            "scope": SCOPE,
        }

    def _unauthorized(self, *, expired: bool) -> dict[str, Any]:
        if self.unauthorized_body == "access_denied":
            return {"error": "access_denied", "error_description": "Invalid Token"}
        if expired:
            text, code = "Access Token expired", "access_token_expired"
        else:
            text, code = "Invalid Access Token", "invalid_access_token"
        errorcode = f"keymanagement.service.{code}"
        return {"fault": {"faultstring": text, "detail": {"errorcode": errorcode}}}

    def _authenticate(self, header: str | None) -> str:
        """Client id behind a valid bearer token; 401 (gateway body) otherwise."""
        scheme, _, value = (header or "").partition(" ")
        token = self._access_tokens.get(value.strip())
        if scheme.lower() != "bearer" or token is None:
            raise ApiError(401, self._unauthorized(expired=False))
        if time.monotonic() >= token.expires_at:
            raise ApiError(401, self._unauthorized(expired=True))
        return token.client_id
