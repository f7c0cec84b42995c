"""Odd values in signed events: sequence ids and numbers out of range."""

import logging

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.test_webhook import (
    KITCHEN_ENTITY,
    WEBHOOK_ID,
    _post,
)

from .helpers import volume_headers, volume_of

BEDROOM_ENTITY = "media_player.bedroom"


@pytest.mark.parametrize(
    "seq",
    ["²", "\u0661\u0662", "5" * 5000, "1" * 20, "+7"],
    ids=["superscript", "arabic-indic", "5000-digits", "20-digits", "sign"],
)
async def test_sequence_id_is_parsed_strictly(
    hass: HomeAssistant,
    ha_client: TestClient,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    seq: str,
) -> None:
    """A signed sequence id that is not 1 to 19 ASCII digits is refused quietly."""
    await _post(ha_client, volume_headers(seq), {"volume": 44, "muted": False})
    await hass.async_block_till_done()

    assert volume_of(hass, KITCHEN_ENTITY) == 0.18
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert WEBHOOK_ID not in warnings[0].getMessage()
