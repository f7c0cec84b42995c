"""The simulated players' own websockets (the local API, section 9).

``LocalPlayers(sim)`` gives every player of the simulator its own
``wss://127.0.0.1:<port>/websocket/api`` endpoint, TLS with a self-signed
certificate made once per process (``use_certificate(1)`` switches a player
to another one), and puts those URLs in the groups answer.
Events come from the same model and the same renderer as the cloud's
webhook events, so both transports always tell the same state.

Each player has a ``mode``: ``open`` (no token needed), ``token`` (commands
without the account's valid bearer token are refused with
``ERROR_NOT_AUTHORIZED``, as with Sonos' "Authentication" setting), ``refuse``
(the handshake is answered 403), ``silent`` (a hung player: it accepts the
handshake, then answers neither commands nor pings). ``drop_after`` closes
each connection that many seconds after it opened; ``drop(code)`` closes them
now. For faults: ``send`` writes any frame to every connection, ``ping``
pings them (``pongs`` keeps the answers).

Choices where the reference leaves room (unverified against real players):
a socket serves its player, the groups it coordinates and its household;
a subscription to another group is answered with a ``groupCoordinatorChanged``
event (``GROUP_STATUS_MOVED``) and ``ERROR_INVALID_OBJECT_ID``; when a
subscribed group is re-formed or moves to another coordinator the socket
sends ``groupCoordinatorChanged`` and drops that subscription.
"""

import asyncio
from contextlib import suppress
from dataclasses import dataclass, field
import json
import ssl
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMessage, WSMsgType, web

from .tls import certificates, load_certificate

if TYPE_CHECKING:
    from .app import SonosCloudSimulator

PROTOCOL = "v1.api.smartspeaker.audio"
PATH = "/websocket/api"
MODES = ("open", "token", "refuse", "silent")
TARGETS = {
    "groups": "householdId",
    "favorites": "householdId",
    "playlists": "householdId",
    "playback": "groupId",
    "playbackMetadata": "groupId",
    "groupVolume": "groupId",
    "playerVolume": "playerId",
    "audioClip": "playerId",
}


@dataclass
class LocalCommand:
    """One command a player received."""

    namespace: str
    command: str
    targets: dict[str, str]
    authorization: str | None
    success: bool


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    subscriptions: set[tuple[str, str]] = field(default_factory=set)


class LocalPlayer:
    """One player's websocket endpoint."""

    def __init__(self, players: LocalPlayers, player_id: str) -> None:
        """Serve nothing until ``start``."""
        self._players = players
        self.player_id = player_id
        self.mode = "open"
        self.drop_after: float | None = None
        self.url = ""
        # Every handshake: the headers that matter, and whether it was accepted.
        self.handshakes: list[dict[str, str | None]] = []
        self.commands: list[LocalCommand] = []
        self.connections: list[_Connection] = []
        self.pings: list[bytes] = []
        self.pongs: list[bytes] = []
        # Frames a silent player read and left unanswered.
        self.unanswered: list[str] = []
        self.connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.certificate = b""

    @property
    def _sim(self) -> SonosCloudSimulator:
        return self._players.sim

    def use_certificate(self, index: int) -> None:
        """Present ``certificates()[index]`` from the next handshake on."""
        pem, self.certificate = certificates()[index]
        load_certificate(self._context, pem)

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 with the first certificate."""
        self.use_certificate(0)
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._context)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"wss://{host}:{port}{PATH}"

    async def close(self) -> None:
        """Stop listening and close every connection."""
        await self.drop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def drop(self, code: int = 1000) -> None:
        """Close every open connection, as a player that restarts does."""
        for connection in list(self.connections):
            await connection.ws.close(code=code)

    async def send(self, frame: str | bytes) -> None:
        """Write one frame, whatever it holds, to every open connection."""
        for connection in list(self.connections):
            if isinstance(frame, bytes):
                await connection.ws.send_bytes(frame)
            else:
                await connection.ws.send_str(frame)

    async def ping(self, payload: bytes) -> None:
        """Ping every open connection; their pongs land in ``pongs``."""
        for connection in list(self.connections):
            await connection.ws.ping(payload)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.handshakes.append(
            {
                "api_key": request.headers.get("X-Sonos-Api-Key"),
                "protocol": request.headers.get("Sec-WebSocket-Protocol"),
                "authorization": request.headers.get("Authorization"),
            }
        )
        protocols = request.headers.get("Sec-WebSocket-Protocol", "")
        if PROTOCOL not in (p.strip() for p in protocols.split(",")):
            return web.Response(status=400)
        if self.mode == "refuse" or not request.headers.get("X-Sonos-Api-Key"):
            return web.Response(status=403)
        # Pings are answered by hand: a silent player ignores them.
        ws = web.WebSocketResponse(
            protocols=(PROTOCOL,), heartbeat=None, autoping=False
        )
        await ws.prepare(request)
        connection = _Connection(ws)
        self.connections.append(connection)
        self.connected.set()
        drop = (
            asyncio.get_running_loop().call_later(
                self.drop_after, lambda: asyncio.ensure_future(ws.close())
            )
            if self.drop_after is not None
            else None
        )
        try:
            async for message in ws:
                await self._receive(connection, message)
        finally:
            if drop is not None:
                drop.cancel()
            self.connections.remove(connection)
            if not self.connections:
                self.connected.clear()
        return ws

    async def _receive(self, connection: _Connection, message: WSMessage) -> None:
        if message.type is WSMsgType.PING:
            self.pings.append(message.data)
        elif message.type is WSMsgType.PONG:
            self.pongs.append(message.data)
        if self.mode == "silent":
            if message.type is WSMsgType.TEXT:
                self.unanswered.append(message.data)
        elif message.type is WSMsgType.TEXT:
            await self._command(connection, message.data)
        elif message.type is WSMsgType.PING:
            with suppress(ConnectionResetError):  # the client closed meanwhile
                await connection.ws.pong(message.data)

    def _token_valid(self, authorization: str | None) -> bool:
        scheme, _, value = (authorization or "").partition(" ")
        token = self._sim._access_tokens.get(value)
        return (
            scheme == "Bearer"
            and token is not None
            and time.monotonic() < token.expires_at
        )

    async def _command(self, connection: _Connection, text: str) -> None:
        header, _body = json.loads(text)
        namespace = str(header.get("namespace", "")).partition(":")[0]
        command = str(header.get("command", ""))
        target_type = TARGETS.get(namespace, "playerId")
        targets = {
            key: header[key]
            for key in ("householdId", "groupId", "playerId")
            if key in header
        }
        authorization = header.get("authorization")
        error = None
        if self.mode == "token" and not self._token_valid(authorization):
            error = "ERROR_NOT_AUTHORIZED"
        elif command not in ("subscribe", "unsubscribe"):
            error = "ERROR_UNSUPPORTED_COMMAND"
        elif not self._serves(namespace, header.get(target_type)):
            error = "ERROR_INVALID_OBJECT_ID"
        self.commands.append(
            LocalCommand(namespace, command, targets, authorization, error is None)
        )
        answer: dict[str, Any] = {
            "namespace": header.get("namespace"),
            "response": command,
            "cmdId": header.get("cmdId"),
            **targets,
            "success": error is None,
            "type": "globalError" if error else "none",
        }
        if error is not None:
            await connection.ws.send_str(
                json.dumps([answer, {"_objectType": "globalError", "errorCode": error}])
            )
            group = self._sim.model.groups.get(header.get("groupId", ""))
            if target_type == "groupId" and group is not None:
                await self._coordinator_changed(connection, group.id)
            return
        key = (namespace, header[target_type])
        await connection.ws.send_str(json.dumps([answer, {}]))
        if command == "subscribe":
            connection.subscriptions.add(key)
            await self._send_event(connection, key)  # the current state, once
        else:
            connection.subscriptions.discard(key)

    def _serves(self, namespace: str, target: object) -> bool:
        model = self._sim.model
        player = model.players[self.player_id]
        match TARGETS.get(namespace):
            case "playerId":
                return target == self.player_id
            case "householdId":
                return target == player.household_id
            case "groupId":
                group = model.groups.get(str(target))
                return group is not None and group.coordinator_id == self.player_id
        return False

    async def _send_event(self, connection: _Connection, key: tuple[str, str]) -> None:
        namespace, target = key
        target_type = TARGETS[namespace]
        event_type, body = self._sim._event_body((namespace, target_type, target))
        body = self._sim._local(body)
        for listener in self._sim.event_listeners:
            listener(namespace, event_type, body)
        header = {
            "namespace": f"{namespace}:1",
            "type": event_type,
            "householdId": self._sim.model.players[self.player_id].household_id,
            target_type: target,
        }
        await connection.ws.send_str(json.dumps([header, body]))

    async def _coordinator_changed(
        self, connection: _Connection, group_id: str
    ) -> None:
        """Tell the socket that a group is not served here (any more)."""
        group = self._sim.model.groups.get(group_id)
        body: dict[str, Any] = {"groupStatus": "GROUP_STATUS_GONE"}
        if group is not None:
            coordinator = self._players.players[group.coordinator_id]
            body = {
                "groupStatus": "GROUP_STATUS_MOVED",
                "playerId": group.coordinator_id,
                "websocketUrl": coordinator.url,
            }
        header = {
            "namespace": "groups:1",
            "type": "groupCoordinatorChanged",
            "householdId": self._sim.model.players[self.player_id].household_id,
            "groupId": group_id,
        }
        await connection.ws.send_str(json.dumps([header, body]))

    async def on_change(self, namespace: str, target_id: str) -> None:
        """Send a change to every connection subscribed to it."""
        for connection in list(self.connections):
            if namespace == "groups":
                for key in sorted(connection.subscriptions):
                    if TARGETS[key[0]] == "groupId" and not self._serves(*key):
                        connection.subscriptions.discard(key)
                        await self._coordinator_changed(connection, key[1])
            if (namespace, target_id) in connection.subscriptions and (
                self._sim._target_exists(TARGETS[namespace], target_id)
            ):
                await self._send_event(connection, (namespace, target_id))


class LocalPlayers:
    """Every simulated player's websocket, and the events they send."""

    def __init__(self, sim: SonosCloudSimulator) -> None:
        """Serve the players the simulator has when ``start`` runs."""
        self.sim = sim
        self.players: dict[str, LocalPlayer] = {}
        self.certificate = b""
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start one endpoint per player; the groups answer then names them."""
        self.certificate = certificates()[0][1]
        for player_id in self.sim.model.players:
            player = LocalPlayer(self, player_id)
            await player.start()
            self.players[player_id] = player
            self.sim.websocket_urls[player_id] = player.url
        self.sim.model.listeners.append(self._on_change)

    async def close(self) -> None:
        """Stop every endpoint."""
        if self._on_change in self.sim.model.listeners:
            self.sim.model.listeners.remove(self._on_change)
        for player in self.players.values():
            await player.close()
        await self.drain()
        self.sim.websocket_urls.clear()

    async def drain(self) -> None:
        """Wait until every event caused so far was written to its sockets."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.wait(pending)

    def _on_change(self, namespace: str, _target_type: str, target_id: str) -> None:
        key = (namespace, target_id)
        for player in self.players.values():
            if namespace != "groups" and not any(
                key in connection.subscriptions for connection in player.connections
            ):
                continue  # one task per player and change would cost O(players)
            task = asyncio.get_running_loop().create_task(
                player.on_change(namespace, target_id)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
