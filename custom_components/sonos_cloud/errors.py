"""One mapping of client errors to what a user reads when a command fails."""

import math

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    SonosAuthError,
    SonosError,
    SonosRateLimitedError,
    SonosRequestError,
    SonosTargetGoneError,
    SonosValueTooLongError,
)
from .const import DOMAIN


def command_error(
    hass: HomeAssistant, entry: ConfigEntry, name: str, err: SonosError
) -> HomeAssistantError:
    """Explain a failed command on ``name`` in the user's language.

    A refused token also asks the user to link the account again.
    """
    if isinstance(err, SonosValueTooLongError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="value_too_long",
            translation_placeholders={
                "field": err.field,
                "length": str(err.length),
                "limit": str(err.limit),
            },
        )
    if isinstance(err, SonosAuthError):
        entry.async_start_reauth(hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, SonosRateLimitedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_rate_limited",
            translation_placeholders={
                "retry_after": str(_seconds_to_wait(err.retry_after))
            },
        )
    if isinstance(err, SonosTargetGoneError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="player_unavailable",
            translation_placeholders={"player_id": name},
        )
    if isinstance(err, SonosRequestError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_rejected",
            translation_placeholders={
                "name": name,
                "error_code": err.error_code or f"HTTP {err.status}",
            },
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="command_failed",
        translation_placeholders={"name": name, "error": str(err)},
    )


def _seconds_to_wait(retry_after: float | None) -> int:
    """Say a whole, positive number of seconds; a minute when Sonos said nothing."""
    return 60 if retry_after is None else max(1, math.ceil(retry_after))
