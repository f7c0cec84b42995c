"""Event bodies that arrive in several TCP packets, or are too large."""

import asyncio
import fcntl
import json
import struct
import termios

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import KITCHEN, WEBHOOK_ID, signed_event_headers
from tests.simulator import SonosCloudSimulator
from tests.test_webhook import KITCHEN_ENTITY

from .helpers import volume_headers, volume_of


def _metadata_body() -> bytes:
    """Return a metadata event of about 3 KB, as long artwork URLs make them."""
    image = "https://art.example.invalid/" + "a" * 900
    body = {
        "container": {"name": "Split Album", "type": "album", "imageUrl": image},
        "currentItem": {
            "track": {
                "name": "Split Song",
                "artist": {"name": "The Packets"},
                "album": {"name": "Split Album"},
                "images": [{"url": image}, {"url": image + "b"}],
                "durationMillis": 200_000,
            }
        },
    }
    data = json.dumps(body).encode()
    assert len(data) > 3000
    return data


def _server_has_read_everything(ha_client: TestClient) -> bool:
    """Whether Home Assistant took every byte sent so far off its sockets."""
    server = ha_client.server.runner.server
    assert server is not None
    if not server.connections:
        return False  # not even accepted yet
    for handler in server.connections:
        assert handler.transport is not None
        socket = handler.transport.get_extra_info("socket")
        unread = fcntl.ioctl(socket.fileno(), termios.FIONREAD, b"\0\0\0\0")
        if struct.unpack("i", unread)[0]:
            return False
    return True


async def _send_in_pieces(
    ha_client: TestClient, head: dict[str, str], pieces: list[bytes]
) -> bytes:
    """POST an event over a raw socket, one write per piece; return the answer.

    Each piece is sent only once Home Assistant has read the ones before, so
    each reaches the webhook as a packet of its own.
    """
    lines = [
        f"POST /api/webhook/{WEBHOOK_ID} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        "Content-Type: application/json",
        *(f"{name}: {value}" for name, value in head.items()),
    ]
    reader, writer = await asyncio.open_connection(
        ha_client.server.host, ha_client.server.port
    )
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        for piece in pieces:
            await writer.drain()
            for _ in range(10_000):
                if _server_has_read_everything(ha_client):
                    break
                await asyncio.sleep(0)
            else:
                pytest.fail("Home Assistant did not read the request")
            writer.write(piece)
        await writer.drain()
        return await reader.read()  # Connection: close ends it after the answer
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize(
    ("namespace", "split_at"),
    [("playerVolume", 10), ("playbackMetadata", 1400)],
    ids=["volume-after-10-bytes", "3kb-metadata-after-1400-bytes"],
)
async def test_event_body_in_several_packets(
    hass: HomeAssistant,
    ha_client: TestClient,
    simulator: SonosCloudSimulator,
    push_integration: MockConfigEntry,
    namespace: str,
    split_at: int,
) -> None:
    """A signed event whose body came in two packets is read whole and applied."""
    if namespace == "playerVolume":
        headers = volume_headers(10**12)
        body = json.dumps({"volume": 44, "muted": False}).encode()
    else:
        group_id = simulator.group_id_of(KITCHEN)
        headers = signed_event_headers(
            str(10**12), namespace, "metadataStatus", "groupId", group_id
        )
        body = _metadata_body()
    headers["Content-Length"] = str(len(body))

    answer = await _send_in_pieces(
        ha_client, headers, [body[:split_at], body[split_at:]]
    )
    await hass.async_block_till_done()

    assert answer.startswith(b"HTTP/1.1 200")
    state = hass.states.get(KITCHEN_ENTITY)
    if namespace == "playerVolume":
        assert state.attributes["volume_level"] == 0.44
    else:
        assert state.attributes["media_title"] == "Split Song"


@pytest.mark.parametrize("chunked", [False, True], ids=["announced", "chunked"])
async def test_too_large_body_is_refused_unread(
    hass: HomeAssistant,
    ha_client: TestClient,
    push_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    chunked: bool,
) -> None:
    """A body over the limit is refused, announced or not; the rest goes unread."""
    headers = volume_headers(10**12)
    start = b'{"volume": 44, "muted": false, "pad": "'
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
        chunk = b"x" * 64 * 1024
        pieces = [
            b"%x\r\n%s\r\n" % (len(start), start),
            *(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)),
            b"0\r\n\r\n",
        ]
    else:
        headers["Content-Length"] = str(10**9)  # never sent
        pieces = [start]

    answer = await _send_in_pieces(ha_client, headers, pieces)

    assert answer.startswith(b"HTTP/1.1 200")
    assert volume_of(hass, KITCHEN_ENTITY) == 0.18
    assert "Event body is too large" in caplog.text
