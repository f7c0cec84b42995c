"""Text-to-speech for the end-to-end tests: offline and always the same audio.

Home Assistant's ``tts.speak`` needs a speech entity; the ones that ship with
Home Assistant reach the internet or bring the whole demo. This one answers
every message with one second of silent MP3, made here.
"""

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Add the speech entity."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.TTS])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove the speech entity."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.TTS])
