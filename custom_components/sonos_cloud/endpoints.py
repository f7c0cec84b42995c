"""Where the Sonos cloud lives.

Production URLs are fixed. For development and tests the whole cloud can be
replaced by the local simulator with one environment variable, which only
accepts loopback addresses so it cannot send credentials anywhere else.
"""

from dataclasses import dataclass
import ipaddress
import os
from urllib.parse import urlsplit

from .api import CONTROL_API_URL
from .const import LOGGER

ROOT_URL_ENV = "SONOS_CLOUD_ROOT_URL"


@dataclass(frozen=True, slots=True)
class SonosEndpoints:
    """The OAuth and Control API URLs to use."""

    authorize_url: str
    token_url: str
    control_api_url: str


PRODUCTION = SonosEndpoints(
    authorize_url="https://api.sonos.com/login/v3/oauth",
    token_url="https://api.sonos.com/login/v3/oauth/access",  # noqa: S106
    control_api_url=CONTROL_API_URL,
)


def sonos_endpoints() -> SonosEndpoints:
    """Return production URLs, or the simulator's when the override is set."""
    root = os.environ.get(ROOT_URL_ENV, "").strip().rstrip("/")
    if not root:
        return PRODUCTION
    if not _is_loopback_url(root):
        LOGGER.error("Ignoring %s: only loopback URLs are allowed", ROOT_URL_ENV)
        return PRODUCTION
    return SonosEndpoints(
        authorize_url=f"{root}/login/v3/oauth",
        token_url=f"{root}/login/v3/oauth/access",
        control_api_url=f"{root}/control/api/v1",
    )


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
