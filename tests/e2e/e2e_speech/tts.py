"""A speech entity whose audio is silent MP3 frames."""

from typing import Any, override

from homeassistant.components.tts import TextToSpeechEntity, TtsAudioType
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames of
# 1152 samples; zero side information and data decode to silence.
_FRAME = bytes.fromhex("fffb9000") + bytes(413)
SILENT_MP3 = _FRAME * 38  # about one second


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the one speech entity."""
    async_add_entities([SilentSpeechEntity(entry.entry_id)])


class SilentSpeechEntity(TextToSpeechEntity):
    """Speaks every message as the same silence."""

    _attr_name = "End-to-end speech"
    _attr_supported_languages = ["en"]  # noqa: RUF012
    _attr_default_language = "en"

    def __init__(self, entry_id: str) -> None:
        """One entity per entry."""
        self._attr_unique_id = entry_id

    @override
    def get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        return "mp3", SILENT_MP3
