"""One step, nothing to ask: the speech stub needs no settings."""

from typing import Any, override

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult


class SpeechConfigFlow(ConfigFlow, domain="e2e_speech"):
    """Create the single entry at once."""

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        await self.async_set_unique_id("e2e_speech")
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title="End-to-end speech", data={})
