"""Sonos event callbacks: signature check and parsing, independent of HA.

Sonos signs each event with a plain SHA-256 over five headers plus the API key
and secret. The body is not covered, so a captured event could be replayed
with another body; callers must also drop sequence ids they have seen.
"""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
import hashlib
import hmac
import json
from typing import Any

from .errors import SonosError
from .namespace import NamespaceEvent
from .namespaces import ALL

MAX_EVENT_BYTES = 256 * 1024
"""Larger bodies are refused; a groups event of 32 rooms is far smaller."""

MAX_SEQ_DIGITS = 19
"""Longer sequence ids are refused; 19 digits fit a signed 64-bit integer."""

SIGNED_HEADERS = (
    "X-Sonos-Event-Seq-Id",
    "X-Sonos-Namespace",
    "X-Sonos-Type",
    "X-Sonos-Target-Type",
    "X-Sonos-Target-Value",
)


class SonosEventError(SonosError):
    """An event POST that is unsigned, wrongly signed or malformed."""


@dataclass(frozen=True, slots=True)
class SonosEvent:
    """One verified event: what changed, on which target, and the new state."""

    seq_id: int
    namespace: str
    type: str
    target_type: str
    target_value: str
    household_id: str | None
    body: Mapping[str, Any]


def event_signature(values: tuple[str, ...], client_id: str, client_secret: str) -> str:
    """Compute ``X-Sonos-Event-Signature`` from the signed header values."""
    digest = hashlib.sha256(
        "".join((*values, client_id, client_secret)).encode()
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def parse_seq_id(text: str) -> int:
    """Parse ``X-Sonos-Event-Seq-Id``: ASCII digits only, at most 19 of them.

    ``str.isdigit`` also takes "²" and other digits ``int`` refuses, and
    ``int`` refuses more than 4,300 digits; both must be a rejection.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_SEQ_DIGITS:
        raise SonosEventError("Event sequence id is not a number")
    return int(text)


def _refuse_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's JSON parser accepts."""
    raise ValueError(f"{name} is not JSON")


def parse_event(
    headers: Mapping[str, str], body: bytes, client_id: str, client_secret: str
) -> SonosEvent:
    """Verify an event POST and parse it; raise ``SonosEventError`` if it is bad."""
    values = tuple(headers.get(name, "") for name in SIGNED_HEADERS)
    if not all(values):
        raise SonosEventError("Event is missing Sonos headers")
    received = headers.get("X-Sonos-Event-Signature", "")
    expected = event_signature(values, client_id, client_secret)
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise SonosEventError("Event signature does not match")
    seq_id = parse_seq_id(values[0])
    if len(body) > MAX_EVENT_BYTES:
        raise SonosEventError("Event body is too large")
    try:
        data = json.loads(body, parse_constant=_refuse_constant) if body.strip() else {}
    except (ValueError, RecursionError) as err:
        # RecursionError: nested deeper than the parser goes.
        raise SonosEventError("Event body is not JSON") from err
    if not isinstance(data, dict):
        raise SonosEventError("Event body is not an object")
    return SonosEvent(
        seq_id=seq_id,
        namespace=values[1],
        type=values[2],
        target_type=values[3],
        target_value=values[4],
        household_id=headers.get("X-Sonos-Household-Id"),
        body=data,
    )


_BY_EVENT = {(namespace.name, namespace.event_type): namespace for namespace in ALL}


def decode_event(event: SonosEvent) -> NamespaceEvent[Any, Any] | None:
    """Parse a verified event's body into its namespace's typed payload.

    None for a namespace or event type this client does not follow; raises
    ``SonosInvalidResponseError`` for a body that does not parse.
    """
    namespace = _BY_EVENT.get((event.namespace, event.type))
    if namespace is None:
        return None
    return NamespaceEvent(
        namespace,
        event.target_value,
        event.household_id,
        namespace.parse_event(event.body),
    )
