"""Config flow: link a Sonos account through OAuth2."""

from collections.abc import Mapping
from http import HTTPStatus
import logging
from typing import Any, override

from aiohttp import ClientError, ClientTimeout
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol
from yarl import URL

from .api import SonosAuthError, SonosCloudClient, SonosError
from .application_credentials import ClientSecretRefusedError
from .const import (
    CONF_LOCAL_EVENTS,
    CONF_RATE_LIMIT_SHARE,
    CONF_VOLUME_STEP,
    CONFIG_ENTRY_VERSION,
    DOMAIN,
    LEGACY_UNIQUE_ID,
    LOGGER,
    POLLING_SHARE_OF_RATE_LIMIT,
    VOLUME_STEP_PERCENT,
)
from .coordinator import SonosCloudConfigEntry, account_unique_id
from .endpoints import sonos_endpoints

# How long the check of the client id may delay the sign-in step.
AUTHORIZE_CHECK_TIMEOUT = ClientTimeout(total=10)
# How Sonos refuses an authorize request for a client id it does not know.
REFUSED_AUTHORIZE = (HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED)


class SonosCloudFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Link a Sonos account; one config entry per account."""

    DOMAIN = DOMAIN
    VERSION = CONFIG_ENTRY_VERSION

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger of the OAuth2 flow."""
        return LOGGER

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: SonosCloudConfigEntry) -> OptionsFlow:
        """Offer the options users tune."""
        return SonosCloudOptionsFlow()

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over when Sonos no longer accepts the stored tokens."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the user to link the account again."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_user()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Link the account again, for example after changing credentials."""
        return await self.async_step_user()

    @override
    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the user to Sonos, unless Sonos does not know the client id.

        For an unknown client id Sonos shows an error page and never returns to
        Home Assistant, so the dialog would wait forever: ask Sonos first.
        """
        result = await super().async_step_auth(user_input)
        if result["type"] is not FlowResultType.EXTERNAL_STEP:
            return result
        authorize_url = URL(result["url"])
        if await self._authorize_refused(authorize_url):
            return self.async_abort(
                reason="unknown_client_id",
                description_placeholders={
                    "client_id": authorize_url.query.get("client_id", "")
                },
            )
        return result

    async def _authorize_refused(self, authorize_url: URL) -> bool:
        """Request the sign-in page as the browser will, without following it."""
        try:
            async with async_get_clientsession(self.hass).get(
                authorize_url, allow_redirects=False, timeout=AUTHORIZE_CHECK_TIMEOUT
            ) as response:
                if response.status not in REFUSED_AUTHORIZE:
                    return False
                LOGGER.debug(
                    "Sonos refused the authorize request with HTTP %s: %.200s",
                    response.status,
                    await response.text(),
                )
                return True
        except (ClientError, TimeoutError) as err:
            # The browser may still get through; its page tells the user.
            LOGGER.debug("Could not check the client id with Sonos: %r", err)
            return False

    @override
    async def async_step_creation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Get the token; a refused secret aborts with its own reason."""
        try:
            return await super().async_step_creation(user_input)
        except ClientSecretRefusedError as err:
            return self.async_abort(
                reason="wrong_client_secret",
                description_placeholders={"client_id": err.client_id},
            )

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the token works and identify the account by its households."""
        access_token: str = data[CONF_TOKEN][CONF_ACCESS_TOKEN]

        async def static_token(rejected_token: str | None = None) -> str:
            if rejected_token is not None:
                raise SonosAuthError("The new access token was refused")
            return access_token

        client = SonosCloudClient(
            async_get_clientsession(self.hass),
            static_token,
            base_url=sonos_endpoints().control_api_url,
        )
        try:
            households = await client.get_households()
        except SonosAuthError:
            return self.async_abort(reason="oauth_unauthorized")
        except SonosError as err:
            LOGGER.debug("Could not list households: %s", err)
            return self.async_abort(reason="cannot_connect")
        if not households:
            return self.async_abort(reason="no_households")

        await self.async_set_unique_id(
            account_unique_id(household.id for household in households)
        )
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            if entry.unique_id != LEGACY_UNIQUE_ID:
                self._abort_if_unique_id_mismatch(reason="wrong_account")
            # Only the token changes: the webhook id and cloudhook stay, since
            # Sonos keeps posting to the callback URL the user entered.
            return self.async_update_reload_and_abort(
                entry, unique_id=self.unique_id, data_updates=data
            )
        self._abort_if_unique_id_configured()
        # Not "Sonos", the local integration's name. Entries made with that
        # title keep it: the user may have chosen it, and renaming is theirs.
        return self.async_create_entry(title="Sonos Cloud", data=data)


class SonosCloudOptionsFlow(OptionsFlow):
    """Options that change behaviour at once, without a reload."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the volume step, the polling budget and local events."""
        if user_input is not None:
            options: dict[str, Any] = {
                CONF_VOLUME_STEP: int(user_input[CONF_VOLUME_STEP])
            }
            share = int(user_input[CONF_RATE_LIMIT_SHARE])
            if share != round(POLLING_SHARE_OF_RATE_LIMIT * 100):
                # Stored only when changed, like local events.
                options[CONF_RATE_LIMIT_SHARE] = share
            if not user_input.get(CONF_LOCAL_EVENTS, True):
                # Stored only when off: on is the default.
                options[CONF_LOCAL_EVENTS] = False
            return self.async_create_entry(data=options)
        current = self.config_entry.options.get(CONF_VOLUME_STEP, VOLUME_STEP_PERCENT)
        local = self.config_entry.options.get(CONF_LOCAL_EVENTS, True)
        share = self.config_entry.options.get(
            CONF_RATE_LIMIT_SHARE, round(POLLING_SHARE_OF_RATE_LIMIT * 100)
        )
        # Typed loosely: HA aliases voluptuous to probatio, unknown to the stubs.
        schema: Any = vol.Schema(
            {
                vol.Required(CONF_VOLUME_STEP, default=current): NumberSelector(
                    NumberSelectorConfig(
                        min=1, max=25, step=1, mode=NumberSelectorMode.SLIDER
                    )
                ),
                vol.Required(CONF_RATE_LIMIT_SHARE, default=share): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=50,
                        step=1,
                        unit_of_measurement="%",
                        mode=NumberSelectorMode.SLIDER,
                    )
                ),
                vol.Required(CONF_LOCAL_EVENTS, default=local): bool,
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
