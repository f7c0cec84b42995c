"""Link the sonos_cloud integration to the simulator, as a user would.

Adds the simulator's application credentials, takes the config flow through
the simulator's OAuth sign-in (its consent page, "Allow") and, after a
restart of the simulator (which keeps its tokens in memory only), answers
Home Assistant's request to link the account again. Part of
``scripts/develop_bootstrap.py``'s ``setup``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from scripts.hass_client import DOMAIN, HassError, HomeAssistant, say, wait_loaded
from tests.simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

CREDENTIAL_NAME = "Sonos simulator"


async def link(hass: HomeAssistant, simulator_url: str) -> str | None:
    """Add the simulator's credentials and link sonos_cloud, unless linked.

    Return the id of the entry when one was created.

    The simulator keeps its tokens in memory only, so after a restart of
    scripts/develop it refuses the stored ones and Home Assistant asks to link
    the account again: that reauthentication is done here too.
    """
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    if entries:
        await relink(hass, simulator_url, entries[0])
        return None

    credentials = await hass.ws({"type": "application_credentials/list"})
    if any(
        c["domain"] == DOMAIN and c["client_id"] == DEMO_CLIENT_ID for c in credentials
    ):
        say("application credentials for the simulator already exist")
    else:
        await hass.ws(
            {
                "type": "application_credentials/create",
                "domain": DOMAIN,
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "name": CREDENTIAL_NAME,
            }
        )
        say(f"added application credentials {CREDENTIAL_NAME!r} ({DEMO_CLIENT_ID})")

    result = await hass.request(
        "POST",
        "/api/config/config_entries/flow",
        json_body={"handler": DOMAIN, "show_advanced_options": False},
        headers=frontend_base(hass),
    )
    result = await oauth(hass, simulator_url, result)
    if result.get("type") != "create_entry":
        raise HassError(
            f"linking did not create an entry: {result.get('type')} "
            f"{result.get('reason') or result.get('errors') or ''}"
        )
    say(f"linked {DOMAIN}: config entry {result['result']['title']!r} created")
    return str(result["result"]["entry_id"])


def frontend_base(hass: HomeAssistant) -> dict[str, str]:
    """Header from which Home Assistant builds the OAuth redirect URI.

    Its frontend sends it; without the "my" integration the redirect goes
    straight back to this Home Assistant.
    """
    return {"HA-Frontend-Base": hass.url}


async def relink(
    hass: HomeAssistant, simulator_url: str, entry: dict[str, Any]
) -> None:
    """Leave a working entry alone; answer Home Assistant's reauth request."""
    flow = await wait_loaded(hass, allow_reauth=True)
    if flow is None:
        say(f"{DOMAIN} is already linked ({entry['title']}); nothing to do")
        return
    say(f"{DOMAIN}: the simulator restarted and forgot its tokens; linking again")
    result = await hass.request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        json_body={},
        headers=frontend_base(hass),
    )
    result = await oauth(hass, simulator_url, result)
    if result.get("type") != "abort" or result.get("reason") != "reauth_successful":
        raise HassError(
            f"linking again failed: {result.get('type')} {result.get('reason')}"
        )
    await wait_loaded(hass)
    say(f"{DOMAIN} linked again")


async def oauth(
    hass: HomeAssistant, simulator_url: str, result: dict[str, Any]
) -> dict[str, Any]:
    """Take a flow from its first answer through the simulator's sign-in."""
    flow_id = result["flow_id"]
    path = f"/api/config/config_entries/flow/{flow_id}"
    if result.get("type") == "form" and result.get("step_id") == "pick_implementation":
        result = await hass.request(
            "POST",
            path,
            json_body={"implementation": _implementation_options(result)[0]},
            headers=frontend_base(hass),
        )
    if result.get("type") != "external":
        raise HassError(f"expected the OAuth step, the flow answered {result}")
    authorize_url = result["url"]
    if not authorize_url.startswith(simulator_url + "/"):
        raise HassError(
            f"the flow wants to sign in at {authorize_url.split('?')[0]}, "
            f"not at the simulator {simulator_url}; is SONOS_CLOUD_ROOT_URL set?"
        )
    say("signing in at the simulator")
    callback = await _simulator_consent(hass.session, authorize_url)
    if not callback.startswith(f"{hass.url}/auth/external/callback?"):
        raise HassError(f"the simulator redirected to {callback}")
    await hass.request("GET", callback[len(hass.url) :])
    answer: dict[str, Any] = await hass.request("POST", path, json_body={})
    return answer


def _implementation_options(result: dict[str, Any]) -> list[str]:
    """Keys of the implementations offered by a pick_implementation form."""
    for field in result.get("data_schema", []):
        if field.get("name") == "implementation":
            options = field.get("options") or []
            keys = [o[0] if isinstance(o, list) else o for o in options]
            if isinstance(options, dict):
                keys = list(options)
            ours = [k for k in keys if DOMAIN in str(k)]
            return ours or keys or [field.get("default")]
    raise HassError(f"cannot read the implementations from {result}")


async def _simulator_consent(session: aiohttp.ClientSession, url: str) -> str:
    """Sign in at the simulator; return where it redirects the browser to."""
    for attempt in (url, _with_query(url, approve="1")):
        async with session.get(attempt, allow_redirects=False) as response:
            if response.status == 302:
                return response.headers["Location"]
            if response.status != 200:
                text = await response.text()
                raise HassError(
                    f"the simulator refused the sign-in: HTTP {response.status} "
                    f"{text[:200]}"
                )
        # 200 is the consent page: press "Allow".
    raise HassError("the simulator did not redirect back after consent")


def _with_query(url: str, **extra: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in extra]
    return urlunsplit(parts._replace(query=urlencode([*query, *extra.items()])))
