"""The players' local websocket API: addresses, framing and events, without I/O.

Every Sonos player serves the Control API's namespaces on
``wss://<LAN address>:1443/websocket/api`` (the ``websocketUrl`` of each
player in the cloud's groups answer). Each message is a JSON array
``[header, body]``: commands carry ``namespace`` (with ``:1``), ``command``,
the target ids and a ``cmdId`` the answer echoes with ``success``; a refusal
is ``success: false`` with a ``globalError`` body; events are
``[{"namespace", "type", <target id>}, body]``.

Only addresses in a home network are ever contacted: a ``websocketUrl`` comes
from the cloud, and a URL naming the internet, or a host name that could
resolve anywhere, must not receive the account's token (``local_websocket_url``).
"""

from collections.abc import Mapping
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from .errors import SonosError
from .events import MAX_EVENT_BYTES, SonosEvent
from .namespace import TargetKind
from .namespaces import ALL

LOCAL_PROTOCOL = "v1.api.smartspeaker.audio"
"""``Sec-WebSocket-Protocol`` of the players' websocket."""
NAMESPACE_VERSION = 1
MAX_MESSAGE_BYTES = MAX_EVENT_BYTES
"""Larger messages are refused, as for cloud events."""
NOT_AUTHORIZED = "ERROR_NOT_AUTHORIZED"
"""What a player answers when it wants the account's token (2025 firmware)."""
COORDINATOR_CHANGED = "groupCoordinatorChanged"
"""Event type: a group is no longer coordinated by the player that sent it."""

_HOME_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "127.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
"""Private (RFC 1918, unique local), link-local and loopback networks only.

``ip_address.is_private`` is wider: it also takes documentation and
benchmarking ranges (192.0.2.0/24, 198.18.0.0/15...), which no player uses.
"""

TARGET_OF_NAMESPACE: Mapping[str, str] = {
    namespace.name: namespace.target.id_field for namespace in ALL if namespace.pushed
}
"""The header field that names each namespace's target."""


class SonosLocalCommandError(SonosError):
    """A player refused a command (``success: false``)."""


class SonosLocalAuthError(SonosLocalCommandError):
    """A player wants the account's token, or refused the one it was sent."""


def local_websocket_url(url: object) -> str | None:
    """Return ``url`` if it is ``wss://`` on a home-network address, else None.

    The host must be an IP address literal in a private, link-local or
    loopback network (IPv4-mapped IPv6 addresses count as their IPv4 one).
    """
    if not isinstance(url, str) or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError when the port is not a number in range
        address = ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return None
    if parts.scheme != "wss" or parts.username or parts.password:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not any(address in network for network in _HOME_NETWORKS):
        return None
    return url


def command_message(
    namespace: str,
    command: str,
    targets: Mapping[str, str],
    cmd_id: str,
    *,
    token: str | None = None,
    body: Mapping[str, Any] | None = None,
) -> str:
    """Return a command as the player expects it: ``[header, body]`` in JSON.

    ``token`` goes in the header as ``authorization: Bearer ...``, which is
    where players with Sonos' "Authentication" setting look for it.
    """
    header: dict[str, str] = {
        "namespace": f"{namespace}:{NAMESPACE_VERSION}",
        "command": command,
        **targets,
        "cmdId": cmd_id,
    }
    if token is not None:
        header["authorization"] = f"Bearer {token}"
    return json.dumps([header, dict(body or {})])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_message(text: str | bytes) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Return a message's header and body, or None when it is not ``[{}, {}]``."""
    if len(text) > MAX_MESSAGE_BYTES:
        return None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError, RecursionError:
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(part, dict) for part in data)
    ):
        return None
    return data[0], data[1]


def base_namespace(header: Mapping[str, Any]) -> str:
    """Return a header's namespace without its version (``playback:1``)."""
    namespace = header.get("namespace")
    return namespace.partition(":")[0] if isinstance(namespace, str) else ""


def command_error(header: Mapping[str, Any], body: Mapping[str, Any]) -> SonosError:
    """Return the error a refused command (``success: false``) stands for."""
    code = body.get("errorCode")
    code = code if isinstance(code, str) else None
    reason = body.get("reason")
    reason = reason if isinstance(reason, str) else None
    kind = SonosLocalAuthError if code == NOT_AUTHORIZED else SonosLocalCommandError
    return kind(
        f"The player refused {header.get('response') or 'a command'}: {code}",
        error_code=code,
        reason=reason,
    )


def parse_local_event(
    header: Mapping[str, Any], body: Mapping[str, Any]
) -> SonosEvent | None:
    """Return an event message as the ``SonosEvent`` a cloud POST would be.

    Local events have no sequence id (``seq_id`` is 0): there is nothing to
    replay into one socket, which the player itself writes. None when the
    message names no target this client knows.
    """
    namespace = base_namespace(header)
    event_type = header.get("type")
    if not isinstance(event_type, str):
        return None
    target_type = (
        TargetKind.GROUP.id_field
        if event_type == COORDINATOR_CHANGED
        else TARGET_OF_NAMESPACE.get(namespace)
    )
    if target_type is None:
        return None
    target = header.get(target_type)
    household_id = header.get("householdId")
    if not isinstance(target, str) or not target:
        return None
    return SonosEvent(
        seq_id=0,
        namespace=namespace,
        type=event_type,
        target_type=target_type,
        target_value=target,
        household_id=household_id if isinstance(household_id, str) else None,
        body=body,
    )
