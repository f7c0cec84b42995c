"""Errors raised by the Sonos Control API client.

The hierarchy follows what a caller has to decide: re-authenticate, re-resolve a
stale target, wait, or give up with a message. Every error carries the Sonos
``errorCode`` when the API sent one, so it can be shown to the user.
"""


class SonosError(Exception):
    """Base class for every error of this client."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Keep the HTTP status and the Sonos error code next to the message."""
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.reason = reason


class SonosConnectionError(SonosError):
    """The API could not be reached or did not answer in time."""


class SonosInvalidResponseError(SonosError):
    """The API answered with a body this client cannot understand."""


class SonosAuthError(SonosError):
    """The access token was refused even after a refresh (HTTP 401)."""


class SonosRateLimitedError(SonosError):
    """The API key is over its quota or spike limit (HTTP 429)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int | None = 429,
        error_code: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Remember how long the API asked us to wait, when it said."""
        super().__init__(message, status=status, error_code=error_code, reason=reason)
        self.retry_after = retry_after


class SonosServerError(SonosError):
    """Sonos or the player failed on its side (HTTP 5xx); worth retrying later."""


class SonosRequestError(SonosError):
    """The API understood the request and refused it (HTTP 400, 403, 499)."""


class SonosValueTooLongError(SonosError, ValueError):
    """A value is longer than the Control API accepts; nothing was sent.

    The message names the field and the lengths, never the value itself, which
    may be huge.
    """

    def __init__(self, field: str, length: int, limit: int) -> None:
        """Keep which field was too long, by how much."""
        super().__init__(
            f"{field} is {length} characters long; Sonos accepts at most {limit}"
        )
        self.field = field
        self.length = length
        self.limit = limit


class SonosTargetGoneError(SonosRequestError):
    """The group or player no longer exists (HTTP 404 or 410).

    Group ids are ephemeral: after a regroup the old id answers 410
    ``ERROR_RESOURCE_GONE`` (or 404 ``ERROR_GROUP_CHANGED``), so the caller
    should look the group up again.
    """
