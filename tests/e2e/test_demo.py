"""The demo, end to end: real Home Assistant, simulator, REST, Assist, browser.

Tests run in the order written and share one demo stack: the later ones
restart and finally unload it. Each test sets up the state it relies on.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import io
import json
import os
import re
import time
from typing import Any

from PIL import Image
import pytest

from scripts.develop_bootstrap import DASHBOARD_PATH
from scripts.hass_client import HomeAssistant, entry_status
from tests.conftest import BEDROOM, KITCHEN, LIVING_ROOM
from tests.simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

from .browser import BrowserError, find_chromium, open_page
from .conftest import REPO, Client, Demo, connect, eventually

ROOM_ENTITIES = {
    "media_player.living_room": "Living Room",
    "media_player.kitchen": "Kitchen",
    "media_player.bedroom": "Bedroom",
    "switch.living_room_crossfade": "Living Room Crossfade",
    "switch.kitchen_crossfade": "Kitchen Crossfade",
    "switch.bedroom_crossfade": "Bedroom Crossfade",
    "switch.living_room_night_sound": "Living Room Night sound",
    "switch.living_room_speech_enhancement": "Living Room Speech enhancement",
    "number.living_room_announcement_volume": "Living Room Announcement volume",
    "number.kitchen_announcement_volume": "Kitchen Announcement volume",
    "event.living_room_announcement": "Living Room Announcement",
    "event.kitchen_announcement": "Kitchen Announcement",
    "event.living_room_playback_error": "Living Room Playback error",
    "event.kitchen_playback_error": "Kitchen Playback error",
    "event.bedroom_playback_error": "Bedroom Playback error",
    # The household's service device and its one sensor enabled by default.
    "sensor.sonos_household_updates": "Sonos household Updates",
}
# A group id is its coordinator's player id and a serial number.
GROUP_PATH = r"/groups/{}:\d+/{}"
README_SCREENSHOT = REPO / "docs" / "images" / "dashboard.png"


def commands(requests: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """List (method, path) of the requests that change something (not GETs)."""
    return [(r["method"], r["path"]) for r in requests if r["method"] != "GET"]


async def _browser_tokens(client: Client) -> str:
    """Log the browser in on its own, as the frontend keeps a login (JSON)."""
    hass = HomeAssistant(client.simulator.session, client.demo.ha_url)
    await hass.login()
    tokens = hass.tokens
    return json.dumps(
        {
            **tokens,
            "hassUrl": hass.url,
            "clientId": hass.client_id,
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
        }
    )


async def _state_if(
    client: Client, entity_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    state = await client.state(entity_id)
    return state if check(state) else None


def _playing(state: dict[str, Any]) -> bool:
    return bool(state["state"] == "playing")


def _paused(state: dict[str, Any]) -> bool:
    return bool(state["state"] == "paused")


def _volume(level: float) -> Callable[[dict[str, Any]], bool]:
    def check(state: dict[str, Any]) -> bool:
        value = state["attributes"].get("volume_level")
        return value is not None and abs(value - level) < 0.005

    return check


async def _entity_of(client: Client, platform: str, domain: str) -> str | None:
    registry = await client.hass.ws({"type": "config/entity_registry/list"})
    found = [
        e["entity_id"]
        for e in registry
        if e["platform"] == platform and e["entity_id"].startswith(f"{domain}.")
    ]
    return found[0] if found else None


async def test_speakers_appear_with_room_names(client: Client) -> None:
    """Linking made one device per room, with the entities a user expects."""
    registry = await client.hass.ws({"type": "config/entity_registry/list"})
    ours = {
        e["entity_id"]
        for e in registry
        if e["platform"] == "sonos_cloud" and e["disabled_by"] is None
    }
    assert ours == set(ROOM_ENTITIES)
    for entity_id, name in ROOM_ENTITIES.items():
        state = await client.state(entity_id)
        assert state["attributes"]["friendly_name"] == name
        if entity_id.startswith("media_player."):
            assert state["state"] not in ("unavailable", "unknown"), entity_id

    devices = await client.hass.ws({"type": "config/device_registry/list"})
    areas = {
        area["area_id"]: area["name"]
        for area in await client.hass.ws({"type": "config/area_registry/list"})
    }
    rooms = {
        d["name"]: areas.get(d["area_id"])
        for d in devices
        if any(i[0] == "sonos_cloud" for i in d["identifiers"])
        and d["entry_type"] != "service"
    }
    assert rooms == {name: name for name in ("Living Room", "Kitchen", "Bedroom")}
    [household] = [
        d
        for d in devices
        if any(i[0] == "sonos_cloud" for i in d["identifiers"])
        and d["entry_type"] == "service"
    ]
    assert household["name"] == "Sonos household"

    credentials = await client.hass.ws({"type": "application_credentials/list"})
    assert [c["client_id"] for c in credentials] == [DEMO_CLIENT_ID]


async def test_services_send_one_request_each(client: Client) -> None:
    """REST service calls become the right Control API call, and show in HA."""
    await client.call(
        "media_player", "media_play", entity_id="media_player.living_room"
    )
    await eventually(
        "the Living Room to play",
        lambda: _state_if(client, "media_player.living_room", _playing),
    )
    mark = await client.simulator.mark()

    await client.call(
        "media_player", "media_pause", entity_id="media_player.living_room"
    )
    await client.call(
        "media_player",
        "volume_set",
        entity_id="media_player.kitchen",
        volume_level=0.42,
    )

    await eventually(
        "the Living Room to pause",
        lambda: _state_if(client, "media_player.living_room", _paused),
    )
    kitchen = await eventually(
        "the Kitchen at 42%",
        lambda: _state_if(client, "media_player.kitchen", _volume(0.42)),
    )
    assert kitchen["attributes"]["is_volume_muted"] is False
    requests = await client.simulator.since(mark)
    pause, volume = commands(requests)
    assert pause[0] == "POST"
    assert re.fullmatch(GROUP_PATH.format(LIVING_ROOM, "playback/pause"), pause[1])
    assert volume == ("POST", f"/players/{KITCHEN}/playerVolume")
    assert requests[-1]["json"] == {"volume": 42}
    # The state came back as events: Home Assistant asked Sonos nothing.
    assert len(requests) == 2


@dataclass(frozen=True)
class Sentence:
    """An Assist sentence, the scene it needs and what it must cause."""

    text: str
    entity_id: str
    player_id: str
    scene: tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]
    command: str  # how the path of the one Control API request ends
    body: dict[str, Any] | None
    done: Callable[[dict[str, Any], dict[str, Any]], bool]  # (before, after)


SENTENCES = [
    Sentence(
        "resume Kitchen",
        "media_player.kitchen",
        KITCHEN,
        ("media_pause", {}, _paused),
        "/playback/play",
        {},
        lambda _before, after: _playing(after),
    ),
    Sentence(
        "pause Kitchen",
        "media_player.kitchen",
        KITCHEN,
        ("media_play", {}, _playing),
        "/playback/pause",
        {},
        lambda _before, after: _paused(after),
    ),
    Sentence(
        "next track on Living Room",
        "media_player.living_room",
        LIVING_ROOM,
        ("media_play", {}, _playing),
        "/playback/skipToNextTrack",
        {},
        lambda before, after: (
            after["attributes"]["media_title"] != before["attributes"]["media_title"]
        ),
    ),
    Sentence(
        "set Bedroom volume to 20%",
        "media_player.bedroom",
        BEDROOM,
        ("volume_set", {"volume_level": 0.5}, _volume(0.5)),
        "/playerVolume",
        {"volume": 20},
        lambda _before, after: _volume(0.2)(after),
    ),
]


@pytest.mark.parametrize("sentence", SENTENCES, ids=lambda s: s.text)
async def test_assist_acts_on_the_named_room(
    client: Client, sentence: Sentence
) -> None:
    """Assist sentences reach the right room with one request each."""
    service, data, ready = sentence.scene
    await client.call("media_player", service, entity_id=sentence.entity_id, **data)
    before = await eventually(
        f"{sentence.entity_id} ready for {sentence.text!r}",
        lambda: _state_if(client, sentence.entity_id, ready),
    )
    mark = await client.simulator.mark()

    response = await client.ask(sentence.text)

    assert response["response_type"] == "action_done", response
    assert [t["id"] for t in response["data"]["success"]] == [sentence.entity_id]
    requests = await client.simulator.since(mark)
    assert len(requests) == 1, requests
    assert sentence.player_id in requests[0]["path"]
    assert requests[0]["path"].endswith(sentence.command)
    assert requests[0]["json"] == sentence.body
    await eventually(
        f"Home Assistant to show {sentence.text!r} done",
        lambda: _state_if(
            client, sentence.entity_id, lambda after: sentence.done(before, after)
        ),
    )


async def test_tts_speak_plays_an_audio_clip(client: Client) -> None:
    """tts.speak reaches the simulator as an audio clip Sonos could fetch."""
    flow = await client.hass.request(
        "POST",
        "/api/config/config_entries/flow",
        json_body={"handler": "e2e_speech"},
    )
    assert flow["type"] == "create_entry"
    speech = await eventually(
        "the speech entity", lambda: _entity_of(client, "e2e_speech", "tts")
    )
    mark = await client.simulator.mark()

    await client.call(
        "tts",
        "speak",
        entity_id=speech,
        media_player_entity_id="media_player.kitchen",
        message="Dinner is ready",
    )

    requests = await client.simulator.since(mark)
    assert commands(requests) == [("POST", f"/players/{KITCHEN}/audioClip")]
    clip = requests[0]["json"]
    assert clip["clipType"] == "CUSTOM"
    stream_url = clip["streamUrl"]
    assert stream_url.startswith(f"{client.demo.ha_url}/api/tts_proxy/")
    # Sonos fetches the audio itself, without Home Assistant credentials.
    async with client.simulator.session.get(stream_url) as response:
        assert response.status == 200
        assert response.content_type == "audio/mpeg"
        assert len(await response.read()) > 1000


async def test_dashboard_shows_the_playing_room(
    client: Client, request: pytest.FixtureRequest
) -> None:
    """Media control cards in Chromium show each room and the playing title.

    The picture is the README's screenshot: ``--update-screenshot`` writes it
    to docs/images, otherwise it stays with the demo's logs.
    """
    chromium = find_chromium()
    if chromium is None:
        reason = (
            "no Chromium to take the dashboard screenshot with: install the "
            "Debian package chromium or set CHROMIUM to a Chromium binary"
        )
        if os.environ.get("E2E_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    await client.call(
        "media_player", "media_play", entity_id="media_player.living_room"
    )
    await client.call("media_player", "media_pause", entity_id="media_player.kitchen")
    living = await eventually(
        "the Living Room to play",
        lambda: _state_if(client, "media_player.living_room", _playing),
    )
    title = living["attributes"]["media_title"]
    tokens = await _browser_tokens(client)

    profile = client.demo.directory / "chromium"
    async with open_page(chromium, profile) as page:
        # Log in the way the frontend remembers a login: tokens in localStorage.
        await page.goto(f"{client.demo.ha_url}/robots.txt")
        await page.evaluate(f"localStorage.setItem('hassTokens', {tokens!r})")
        await page.goto(f"{client.demo.ha_url}/{DASHBOARD_PATH}")
        try:
            await page.wait_for(CARDS_READY, limit=90)
        except BrowserError:
            failed = client.demo.directory / "dashboard-failed.png"
            failed.write_bytes(await page.screenshot())
            pytest.fail(f"the cards did not load; the page as it was: {failed}")
        await asyncio.sleep(2)  # the cards fade into their artwork's colours
        text = await page.evaluate(CARD_TEXT)
        png = await page.screenshot()

    for room in ("Living Room", "Kitchen", "Bedroom"):
        assert room in text
    assert title in text, text
    assert "unavailable" not in text.lower()
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1280, 800)
        target = client.demo.directory / "dashboard.png"
        if request.config.getoption("update_screenshot"):
            target = README_SCREENSHOT
        image.convert("RGB").save(target, optimize=True)


async def test_room_dialog_and_device_page(
    client: Client, request: pytest.FixtureRequest
) -> None:
    """A room's more-info dialog, device page and media browser show it.

    The pictures are in the README; ``--update-screenshot`` retakes them.
    """
    chromium = find_chromium()
    if chromium is None:
        reason = "no Chromium to take the room screenshots with"
        if os.environ.get("E2E_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    devices = await client.hass.ws({"type": "config/device_registry/list"})
    living_room = next(
        d
        for d in devices
        if any(i == ["sonos_cloud", LIVING_ROOM] for i in d["identifiers"])
    )
    tokens = await _browser_tokens(client)
    pages = {
        "more-info.png": (
            f"{DASHBOARD_PATH}?more-info-entity-id=media_player.living_room",
            "ha-more-info-dialog",
        ),
        "device.png": (
            f"config/devices/device/{living_room['id']}",
            "ha-config-device-page",
        ),
        "media-browser.png": (
            "media-browser/media_player.living_room",
            "ha-media-player-browse",
        ),
    }
    profile = client.demo.directory / "chromium-room"
    async with open_page(chromium, profile) as page:
        await page.goto(f"{client.demo.ha_url}/robots.txt")
        await page.evaluate(f"localStorage.setItem('hassTokens', {tokens!r})")
        for name, (path, element) in pages.items():
            await page.goto(f"{client.demo.ha_url}/{path}")
            expected = "Favorites" if name == "media-browser.png" else "Living Room"
            await page.wait_for(
                _deep_text_of(element) + f".includes({expected!r})", limit=90
            )
            await asyncio.sleep(2)  # artwork and fades
            text = await page.evaluate(_deep_text_of(element))
            assert expected in text
            if name == "device.png":
                assert "Night sound" in text
            png = await page.screenshot()
            target = client.demo.directory / name
            if request.config.getoption("update_screenshot"):
                target = README_SCREENSHOT.with_name(name)
            with Image.open(io.BytesIO(png)) as image:
                image.convert("RGB").save(target, optimize=True)


def _deep_text_of(element: str) -> str:
    """Return a script giving the text of the first such element, shadows included."""
    return f"""
(() => {{
  const deepText = (node) => {{
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    let text = node.shadowRoot ? deepText(node.shadowRoot) : '';
    for (const child of node.childNodes) text += deepText(child);
    return text;
  }};
  const find = (root) => {{
    for (const el of root.querySelectorAll('*')) {{
      if (el.localName === '{element}') return el;
      if (el.shadowRoot) {{ const hit = find(el.shadowRoot); if (hit) return hit; }}
    }}
    return null;
  }};
  const el = find(document);
  return el ? deepText(el).replace(/\\s+/g, ' ') : '';
}})()"""


# The three media control cards, found through the shadow roots, once each has
# loaded its artwork (the card takes its background colour from it).
CARDS_READY = """
(() => {
  const cards = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'hui-media-control-card') cards.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return cards.length === 3 && cards.every((card) => {
    const root = card.shadowRoot;
    const image = root && root.querySelector('.image');
    const block = root && root.querySelector('.color-block');
    if (!image || !block) return false;
    return image.style.backgroundImage === 'none' || !!block.style.backgroundColor;
  });
})()
"""
# Their text, shadow roots included (the title sits in a nested component).
CARD_TEXT = """
(() => {
  const deepText = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    let text = node.shadowRoot ? deepText(node.shadowRoot) : '';
    for (const child of node.childNodes) text += deepText(child);
    return text;
  };
  const texts = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'hui-media-control-card') texts.push(deepText(el));
      else if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return texts.join(' ').replace(/\\s+/g, ' ');
})()
"""


async def test_diagnostics_show_push_and_keep_secrets(client: Client) -> None:
    """Downloaded diagnostics show push working and no secret of any kind."""
    entry_id = (await entry_status(client.hass))["entry_id"]
    download = await client.hass.request(
        "GET", f"/api/diagnostics/config_entry/{entry_id}"
    )
    diagnostics = download["data"]

    assert diagnostics["push"]["event_received"] is True
    assert diagnostics["push"]["subscriptions"] > 0
    token = diagnostics["entry"]["data"]["token"]
    assert token["access_token"] == token["refresh_token"] == "**REDACTED**"
    log = client.demo.log.read_text()
    webhook_id = re.findall(r"/api/webhook/(\w+)", log)[-1]
    dumped = json.dumps(download)
    for secret in (DEMO_CLIENT_SECRET, webhook_id):
        assert secret not in dumped


@pytest.mark.usefixtures("socket_enabled")
async def test_restart_links_the_account_again(demo: Demo) -> None:
    """A new simulator forgets tokens and callback URL; the demo recovers.

    Home Assistant keeps its configuration; scripts/develop answers the
    reauthentication request through the OAuth flow and sets the callback
    URL again, and the speakers answer commands as before.
    """
    demo.stop()
    demo.start()

    output = demo.log.read_text().split(f"==== start {demo.starts}")[-1]
    assert "linking again" in output
    assert "linked again" in output
    assert "receives push events" in output
    # Linking again keeps the webhook: Sonos posts to the URL entered once.
    urls = re.findall(
        r"event callback URL of the simulator's key: (\S+)", demo.log.read_text()
    )
    assert len(urls) >= 2, urls
    assert len(set(urls)) == 1, urls
    async with connect(demo) as client:
        kitchen = await eventually(
            "the Kitchen to be back",
            lambda: _state_if(client, "media_player.kitchen", _paused),
        )
        assert kitchen["attributes"]["friendly_name"] == "Kitchen"
        mark = await client.simulator.mark()
        await client.call(
            "media_player", "media_play", entity_id="media_player.kitchen"
        )
        await eventually(
            "the Kitchen to play",
            lambda: _state_if(client, "media_player.kitchen", _playing),
        )
        requests = await client.simulator.since(mark)
        assert len(requests) == 1
        assert re.fullmatch(
            GROUP_PATH.format(KITCHEN, "playback/play"), requests[0]["path"]
        )


async def test_unload_stops_all_requests(client: Client) -> None:
    """Disabling the entry unsubscribes from events, then asks Sonos nothing."""
    entry_id = (await entry_status(client.hass))["entry_id"]
    mark = await client.simulator.mark()

    await client.hass.ws(
        {"type": "config_entries/disable", "entry_id": entry_id, "disabled_by": "user"}
    )

    entry = await entry_status(client.hass)
    assert entry["state"] == "not_loaded"
    unsubscribed = await client.simulator.since(mark)
    assert unsubscribed
    assert all(
        r["method"] == "DELETE" and r["path"].endswith("/subscription")
        for r in unsubscribed
    ), unsubscribed
    state = await client.state("media_player.kitchen")
    assert state["state"] == "unavailable"

    quiet_since = await client.simulator.mark()
    # Home Assistant skips unavailable entities: a command sends nothing.
    await client.call("media_player", "media_pause", entity_id="media_player.kitchen")
    await asyncio.sleep(10)
    assert await client.simulator.since(quiet_since) == []
