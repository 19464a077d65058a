"""``python -m sandbox``: serve a sandbox for manual experiments or an out-of-process bot."""

from __future__ import annotations

import argparse

from aiohttp import web

from sandbox.limits import RateLimits
from sandbox.server import DEFAULT_TOKEN, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="gridbot_sandbox_bot")
    parser.add_argument("--privacy-mode", action="store_true", help="bot sees only commands/mentions/replies")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    args = parser.parse_args(argv)
    app = create_app(
        token=args.token,
        bot_username=args.bot_username,
        privacy_mode=args.privacy_mode,
        rate_limits=RateLimits.off() if args.no_rate_limits else None,
    )
    print(f"Bot API: http://{args.host}:{args.port}/bot  token: {args.token}")
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
