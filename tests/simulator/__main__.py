"""Run the simulator standalone with the demo household: ``python -m tests.simulator``.

Loopback only: the simulator hands out tokens to anyone who asks, so it must
never be reachable from another machine.
"""

import argparse
import sys

from aiohttp import web

from . import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SonosCloudSimulator
from .local import LocalPlayers

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, refuse non-loopback hosts, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tests.simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="skip the consent page and redirect straight back with a code",
    )
    parser.add_argument("--access-token-ttl", type=int, default=86400)
    parser.add_argument(
        "--local-sockets",
        action="store_true",
        help="give every player its own websocket on 127.0.0.1 (local events)",
    )
    parser.add_argument(
        "--callback-url",
        help="Event Callback URL for webhooks (loopback only, e.g. "
        "http://127.0.0.1:8123/api/webhook/<id>)",
    )
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK_HOSTS:
        parser.error(
            f"refusing to bind to {args.host!r}: use 127.0.0.1, ::1 or localhost"
        )
    try:
        sim = SonosCloudSimulator(
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            auto_approve=args.auto_approve,
            access_token_ttl=args.access_token_ttl,
            callback_url=args.callback_url,
        )
    except ValueError as err:
        parser.error(str(err))
    sim.image_root = f"http://{args.host}:{args.port}/images"
    household_id = sim.add_demo_household()
    host = f"[{args.host}]" if ":" in args.host else args.host
    root = f"http://{host}:{args.port}"
    print(  # noqa: T201
        f"Sonos cloud simulator on {root}\n"
        f"  client id:     {DEMO_CLIENT_ID}\n"
        f"  client secret: {DEMO_CLIENT_SECRET}\n"
        f"  authorize:     {root}/login/v3/oauth\n"
        f"  token:         {root}/login/v3/oauth/access\n"
        f"  control API:   {root}/control/api/v1\n"
        f"  household:     {household_id}\n"
        f"  callback URL:  {sim.callback_url or '(none: subscribe answers 403)'}\n"
        f"  Sonos app:     {root}/simulator/app/<Control API path> (no token)",
        flush=True,
    )
    if args.local_sockets:
        serve_local_sockets(sim)
    web.run_app(sim.app, host=args.host, port=args.port, print=None)
    return 0


def serve_local_sockets(sim: SonosCloudSimulator) -> None:
    """Start the players' websockets with the server; close them with it."""
    players = LocalPlayers(sim)

    async def start(_app: web.Application) -> None:
        await players.start()
        for player_id, player in players.players.items():
            name = sim.model.players[player_id].name
            print(f"  local socket:  {player.url} ({name})", flush=True)  # noqa: T201

    async def close(_app: web.Application) -> None:
        await players.close()

    sim.app.on_startup.append(start)
    sim.app.on_cleanup.append(close)


if __name__ == "__main__":
    sys.exit(main())
