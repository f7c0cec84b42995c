"""Receiver of Sonos event callbacks through a Home Assistant webhook.

Sonos POSTs every event of an API key to one callback URL, which the user
enters in the Sonos developer portal. Each POST is verified (signature in
constant time, sequence id against replays) before anything is trusted, and
is always answered 200 at once: an error status only makes Sonos retry.

The signature covers the headers, not the body, so the sequence ids seen
(``api.sequence.SequenceGuard``) are stored with the config entry: a captured
event sent again after a reload or a restart is still recognised. Each
successful subscribe or renewal calls ``start_new_window`` for its target, in
case Sonos counts sequence ids per subscription.

With a Home Assistant Cloud subscription that URL is a cloudhook: Sonos then
reaches Home Assistant over HTTPS without opening it to the internet.
"""

from collections.abc import Callable
from contextlib import suppress
from ipaddress import ip_address
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store

from .api import (
    MAX_EVENT_BYTES,
    NamespaceEvent,
    SequenceGuard,
    SonosEventError,
    SonosInvalidResponseError,
    decode_event,
    parse_event,
)
from .const import CONF_CLOUDHOOK_URL, DOMAIN, LOGGER

STORAGE_VERSION = 1
SAVE_DELAY = 10
"""Seconds to gather sequence ids before they are written."""


def sequence_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return where the entry's sequence ids are kept."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.event_sequence")


async def async_read_body(request: web.Request) -> bytes | None:
    """Read the whole body, or None when it is over ``MAX_EVENT_BYTES``.

    ``request.content.read(n)`` answers with what has arrived so far, which
    is part of the body when it came in several TCP packets. A body announced
    as too large is refused without reading it; one that turns out too large
    is read no further than one byte past the limit.
    """
    length = request.content_length
    if length is not None and length > MAX_EVENT_BYTES:
        return None
    body = bytearray()
    while chunk := await request.content.read(MAX_EVENT_BYTES + 1 - len(body)):
        body += chunk
        if len(body) > MAX_EVENT_BYTES:
            return None
    return bytes(body)


class SonosWebhook:
    """Verify, de-duplicate and hand over Sonos events."""

    def __init__(
        self,
        hass: HomeAssistant,
        webhook_id: str,
        client_id: str,
        client_secret: str,
        on_event: Callable[[NamespaceEvent[Any, Any]], None],
        *,
        store: Store[dict[str, Any]],
    ) -> None:
        """Keep the API key and secret that sign events, never logging them."""
        self._hass = hass
        self.webhook_id = webhook_id
        self._client_id = client_id
        self._client_secret = client_secret
        self._on_event = on_event
        self._store = store
        # Sequence ids seen per (namespace, target): replays and late events
        # are dropped (see api/sequence.py).
        self._sequence = SequenceGuard()
        self._unsaved = False
        self._rejections_logged: set[str] = set()

    async def async_load(self) -> None:
        """Read the sequence ids seen before this start."""
        stored = await self._store.async_load()
        if stored is not None:
            self._sequence = SequenceGuard.from_json(stored.get("targets"))

    async def async_save(self) -> None:
        """Write the sequence ids now, if any changed (the entry unloads)."""
        if self._unsaved:
            self._unsaved = False
            await self._store.async_save(self._stored())

    def _stored(self) -> dict[str, Any]:
        self._unsaved = False
        return {"targets": self._sequence.to_json()}

    @callback
    def start_new_window(self, namespace: str, target: str) -> None:
        """Accept the next new sequence id of a subscription, whatever its value.

        Called after each successful subscribe or renewal; ``target`` is the
        subscription's target path (``households/<id>``, ``groups/<id>``...).
        Sonos does not say whether sequence ids start again for a new
        subscription; if they do, this lets its events in (see
        ``api.sequence``).
        """
        self._sequence.start_new_window(namespace, unquote(target.rpartition("/")[2]))

    @callback
    def async_register(self) -> Callable[[], None]:
        """Register the webhook; return the function that unregisters it."""
        webhook.async_register(
            self._hass,
            DOMAIN,
            "Sonos Cloud events",
            self.webhook_id,
            self._async_handle,
            allowed_methods=["POST"],
        )
        return lambda: webhook.async_unregister(self._hass, self.webhook_id)

    async def async_callback_url(self, entry: ConfigEntry) -> str:
        """Return the URL to enter as the key's event callback URL.

        The cloudhook once made stays (the user has entered it at Sonos);
        one is made when Home Assistant Cloud is subscribed and connected;
        otherwise Home Assistant's own (external) URL.
        """
        if url := entry.data.get(CONF_CLOUDHOOK_URL):
            return str(url)
        if "cloud" not in self._hass.config.components:
            return self._own_url()
        # Imported only where Home Assistant Cloud runs: it pulls in a lot.
        from homeassistant.components import cloud  # noqa: PLC0415

        if cloud.async_active_subscription(self._hass):
            try:
                url = await cloud.async_get_or_create_cloudhook(
                    self._hass, self.webhook_id
                )
            except cloud.CloudNotAvailable:
                LOGGER.debug("Home Assistant Cloud is not connected; no cloudhook")
            else:
                self._hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_CLOUDHOOK_URL: url}
                )
                return url
        return self._own_url()

    def _own_url(self) -> str:
        """Return Home Assistant's own URL of the webhook."""
        try:
            return webhook.async_generate_url(
                self._hass, self.webhook_id, prefer_external=True
            )
        except NoURLAvailableError:
            return webhook.async_generate_path(self.webhook_id)

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        if (body := await async_read_body(request)) is None:
            self._log_rejection("Event body is too large", request.remote)
            return web.Response(status=200)
        try:
            event = parse_event(
                request.headers, body, self._client_id, self._client_secret
            )
        except SonosEventError as err:
            self._log_rejection(str(err), request.remote)
            return web.Response(status=200)
        accepted = self._sequence.accept(
            event.namespace, event.target_value, event.seq_id
        )
        self._unsaved = True
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        if not accepted:
            LOGGER.debug("Dropping replayed or late event %s", event.seq_id)
            return web.Response(status=200)
        try:
            decoded = decode_event(event)
        except SonosInvalidResponseError as err:
            LOGGER.debug("Ignoring %s event: %s", event.type, err)
            return web.Response(status=200)
        if decoded is not None:
            self._on_event(decoded)
        return web.Response(status=200)

    def _log_rejection(self, reason: str, remote: str | None) -> None:
        """Warn once per kind of rejection, so a flood cannot fill the log."""
        if reason in self._rejections_logged:
            LOGGER.debug("Ignored event POST from %s: %s", remote, reason)
            return
        self._rejections_logged.add(reason)
        LOGGER.warning("Ignored an event POST from %s: %s", remote, reason)


async def async_delete_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's cloudhook, if it made one and it is still there."""
    if CONF_CLOUDHOOK_URL not in entry.data or "cloud" not in hass.config.components:
        return
    from homeassistant.components import cloud  # noqa: PLC0415

    # Gone already (ValueError) or Home Assistant Cloud left: nothing to delete.
    with suppress(cloud.CloudNotAvailable, ValueError):
        await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])


def reachable_from_internet(url: str) -> bool:
    """Whether Sonos could post to this URL: HTTPS to a host that is not local.

    Sonos only posts over HTTPS, from the internet: an internal address, a
    bare path or plain HTTP can never receive an event.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or host == "localhost":
        return False
    if host.endswith((".local", ".lan", ".internal", ".home.arpa")):
        return False
    try:
        address = ip_address(host)
    except ValueError:
        return True
    return address.is_global
