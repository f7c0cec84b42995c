"""Where the integration finds the Sonos cloud."""

import pytest

from custom_components.sonos_cloud.endpoints import (
    PRODUCTION,
    ROOT_URL_ENV,
    sonos_endpoints,
)


def test_production_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the override, the real Sonos URLs are used."""
    monkeypatch.delenv(ROOT_URL_ENV, raising=False)
    assert sonos_endpoints() == PRODUCTION
    assert PRODUCTION.authorize_url == "https://api.sonos.com/login/v3/oauth"
    assert PRODUCTION.token_url == "https://api.sonos.com/login/v3/oauth/access"
    assert PRODUCTION.control_api_url == "https://api.ws.sonos.com/control/api/v1"


@pytest.mark.parametrize(
    "root", ["http://127.0.0.1:8300/", "http://localhost:8300", "https://[::1]:8443"]
)
def test_loopback_override(monkeypatch: pytest.MonkeyPatch, root: str) -> None:
    """A loopback root URL moves every endpoint to the simulator."""
    monkeypatch.setenv(ROOT_URL_ENV, root)
    endpoints = sonos_endpoints()
    base = root.rstrip("/")
    assert endpoints.authorize_url == f"{base}/login/v3/oauth"
    assert endpoints.token_url == f"{base}/login/v3/oauth/access"
    assert endpoints.control_api_url == f"{base}/control/api/v1"


@pytest.mark.parametrize(
    "root",
    [
        "http://192.0.2.10:8300",
        "http://sonos.example:8300",
        "ftp://127.0.0.1",
        "127.0.0.1:8300",
        "http://",
    ],
)
def test_other_overrides_are_ignored(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, root: str
) -> None:
    """Anything but a loopback URL is refused, so no credentials leave the host."""
    monkeypatch.setenv(ROOT_URL_ENV, root)
    assert sonos_endpoints() == PRODUCTION
    assert "only loopback URLs are allowed" in caplog.text
