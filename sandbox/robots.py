"""A local, protocol-faithful stand-in for WeCom, DingTalk and Feishu custom group robots.

One aiohttp app serves the three webhook APIs the way the platforms document them:

* WeCom 群机器人: ``POST /cgi-bin/webhook/send?key=K`` (text, markdown ≤ 4096 bytes, image as
  base64 + md5 ≤ 2 MB, file by ``media_id``, news) and ``POST /cgi-bin/webhook/upload_media?key=K&type=file``
  (multipart field ``media``, ≤ 20 MB; the media_id is valid 3 days); 20 messages a minute, then
  errcode 45009; an unknown key is errcode 93000.
* DingTalk 自定义机器人: ``POST /robot/send?access_token=T&timestamp=ms&sign=S`` where S is the
  URL-encoded base64 of HMAC-SHA256(key=secret, ``timestamp + "\\n" + secret``), and the timestamp is
  within an hour; a bad one is errcode 310000. 20 messages a minute; one more gets errcode 130101 and
  blocks the robot for 10 minutes (every message meanwhile gets 130101 too).
* Feishu 自定义机器人: ``POST /open-apis/bot/v2/hook/{token}``, ``timestamp`` (s) and ``sign`` in the
  body, sign = base64(HMAC-SHA256(key=``timestamp + "\\n" + secret``, message=b"")), within an hour,
  else code 19021; 100 a minute and 5 a second, else code 11232; a body over 20 KB is refused.

Everything that arrived (accepted or not) is recorded for tests and the demo, and faults can be
injected per robot (a 5xx, an answer that never comes). ``clock`` (unix seconds) drives the rate
windows and the timestamp checks, so tests run on a fake clock; ``scale`` shortens the windows.
Standalone, like the Telegram sandbox: it imports nothing of gridbot.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
MARKDOWN_LIMIT = 4096
IMAGE_LIMIT = 2 * 1024 * 1024
FILE_LIMIT = 20 * 1024 * 1024
FEISHU_BODY_LIMIT = 20 * 1024
SIGN_WINDOW = 3600.0
DINGTALK_BLOCK = 600.0
MEDIA_LIFETIME = 3 * 24 * 3600.0
#: (count, seconds) windows per platform.
LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    WECOM: ((20, 60.0),),
    DINGTALK: ((20, 60.0),),
    FEISHU: ((100, 60.0), (5, 1.0)),
}
RATE_CODES = {WECOM: 45009, DINGTALK: 130101, FEISHU: 11232}


@dataclass(frozen=True)
class Arrival:
    """One request to a robot, as the platform saw it, and its answer's code (0: accepted)."""

    platform: str
    token: str
    at: float
    body: dict[str, Any]
    code: int

    @property
    def accepted(self) -> bool:
        return self.code == 0

    @property
    def msgtype(self) -> str:
        return str(self.body.get("msgtype") or self.body.get("msg_type") or "")


@dataclass
class Robot:
    platform: str
    token: str
    secret: str | None
    sent: deque[float] = field(default_factory=lambda: deque(maxlen=100))
    blocked_until: float = 0.0
    #: Injected faults, consumed one per request: an HTTP status, or "hang" (never answers).
    faults: deque[int | str] = field(default_factory=deque)


class FakeRobots:
    """The three platforms' state: registered robots, uploads and everything that arrived."""

    def __init__(self, *, clock: Callable[[], float] = time.time, scale: float = 1.0) -> None:
        self.clock = clock
        self.scale = scale
        self.base_url = ""
        self.robots: dict[tuple[str, str], Robot] = {}
        self.media: dict[str, tuple[str, bytes, float]] = {}
        self.arrivals: list[Arrival] = []
        self.hang = asyncio.Event()  # set on shutdown: hanging requests end

    def add(self, platform: str, *, secret: str | None = None, token: str | None = None) -> str:
        """Register a robot; returns its webhook URL (the server must be running for a full URL)."""
        token = token or secrets.token_hex(16)
        self.robots[(platform, token)] = Robot(platform, token, secret)
        return self.url(platform, token)

    def url(self, platform: str, token: str) -> str:
        paths = {
            WECOM: f"/cgi-bin/webhook/send?key={token}",
            DINGTALK: f"/robot/send?access_token={token}",
            FEISHU: f"/open-apis/bot/v2/hook/{token}",
        }
        return self.base_url + paths[platform]

    def fail_next(self, platform: str, token: str, *faults: int | str) -> None:
        """The robot's next requests answer these HTTP statuses (or ``"hang"``: no answer at all)."""
        self.robots[(platform, token)].faults.extend(faults)

    def received(self, platform: str | None = None, token: str | None = None) -> list[Arrival]:
        """What the robots accepted (messages shown in their groups), in order."""
        return [
            arrival
            for arrival in self.arrivals
            if arrival.accepted and platform in (None, arrival.platform) and token in (None, arrival.token)
        ]

    def refused(self, code: int | None = None) -> list[Arrival]:
        return [arrival for arrival in self.arrivals if not arrival.accepted and code in (None, arrival.code)]

    # --- the checks every platform makes ---------------------------------------------------

    def over_limit(self, robot: Robot, now: float) -> bool:
        """Whether one more message now breaks a window (DingTalk: and starts its 10-minute block)."""
        if robot.blocked_until > now:
            return True
        for count, seconds in LIMITS[robot.platform]:
            recent = [at for at in robot.sent if at > now - seconds * self.scale]
            if len(recent) >= count:
                if robot.platform == DINGTALK:
                    robot.blocked_until = now + DINGTALK_BLOCK * self.scale
                return True
        return False

    def signed(self, robot: Robot, timestamp: str, sign: str, *, milliseconds: bool) -> bool:
        if robot.secret is None:
            return True
        try:
            stamp = int(timestamp)
        except ValueError:
            return False
        seconds = stamp / 1000 if milliseconds else stamp
        if abs(self.clock() - seconds) > SIGN_WINDOW:
            return False
        text = f"{timestamp}\n{robot.secret}".encode()
        if milliseconds:  # DingTalk: the string is the message, the secret the key
            digest = hmac.new(robot.secret.encode(), text, hashlib.sha256).digest()
        else:  # Feishu: the string is the key, the message is empty
            digest = hmac.new(text, b"", hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), sign)

    def record(self, robot: Robot | None, platform: str, token: str, body: dict[str, Any], code: int) -> None:
        now = self.clock()
        if code == 0 and robot is not None:
            robot.sent.append(now)
        self.arrivals.append(Arrival(platform, token, now, body, code))


KEY = web.AppKey("robots", FakeRobots)


def _answer(platform: str, code: int, message: str, **extra: Any) -> web.Response:
    if platform == FEISHU:
        return web.json_response({"code": code, "msg": message, "data": {}, **extra})
    return web.json_response({"errcode": code, "errmsg": message, **extra})


async def _robot_of(
    request: web.Request, platform: str, token: str
) -> tuple[FakeRobots, Robot | None, web.Response | None]:
    """The fakes, the robot a request names (None: no such robot), and an injected fault's answer, if one is due."""
    robots = request.app[KEY]
    robot = robots.robots.get((platform, token))
    return robots, robot, await _fault(robots, robot)


async def _fault(robots: FakeRobots, robot: Robot | None) -> web.Response | None:
    if robot is None or not robot.faults:
        return None
    fault = robot.faults.popleft()
    if fault == "hang":
        await robots.hang.wait()
        raise web.HTTPServiceUnavailable()
    return web.Response(status=int(fault), text="upstream error")


def _wecom_problem(robots: FakeRobots, body: dict[str, Any]) -> tuple[int, str]:
    msgtype = body.get("msgtype")
    content = body.get(str(msgtype))
    if not isinstance(content, dict):
        return 40008, "invalid message type"
    if msgtype == "markdown" and len(str(content.get("content", "")).encode()) > MARKDOWN_LIMIT:
        return 40058, "markdown.content exceed max length 4096"
    if msgtype == "image":
        try:
            image = base64.b64decode(str(content.get("base64", "")), validate=True)
        except ValueError:
            return 40009, "invalid image"
        if len(image) > IMAGE_LIMIT:
            return 40009, "invalid image size"
        if hashlib.md5(image).hexdigest() != content.get("md5"):
            return 301019, "media md5 not match"
    if msgtype == "file":
        media = robots.media.get(str(content.get("media_id")))
        if media is None or media[2] + MEDIA_LIFETIME * robots.scale < robots.clock():
            return 40007, "invalid media_id"
    return 0, "ok"


async def wecom_send(request: web.Request) -> web.Response:
    token = request.query.get("key", "")
    robots, robot, fault = await _robot_of(request, WECOM, token)
    if fault is not None:
        return fault
    body = await request.json()
    if robot is None:
        code, message = 93000, "invalid webhook url"
    elif robots.over_limit(robot, robots.clock()):
        code, message = RATE_CODES[WECOM], "api freq out of limit"
    else:
        code, message = _wecom_problem(robots, body)
    robots.record(robot, WECOM, token, body, code)
    return _answer(WECOM, code, message)


async def wecom_upload(request: web.Request) -> web.Response:
    token = request.query.get("key", "")
    robots, robot, fault = await _robot_of(request, WECOM, token)
    if fault is not None:
        return fault
    if robot is None:
        return _answer(WECOM, 93000, "invalid webhook url")
    if request.query.get("type") != "file":
        return _answer(WECOM, 40004, "invalid media type")
    data = await request.post()
    media = data.get("media")
    if not isinstance(media, web.FileField):
        return _answer(WECOM, 40005, "invalid file")
    content = media.file.read()
    if not 5 < len(content) <= FILE_LIMIT:
        return _answer(WECOM, 40006, "invalid file size")
    media_id = secrets.token_hex(24)
    robots.media[media_id] = (media.filename, content, robots.clock())
    return _answer(WECOM, 0, "ok", type="file", media_id=media_id, created_at=str(int(robots.clock())))


@dataclass(frozen=True)
class _Answers:
    """A signing platform's answers, in the order it checks: the token, the signature, the rate, the type."""

    no_robot: tuple[int, str]
    bad_sign: tuple[int, str]
    too_fast: str
    bad_type: tuple[int, str]
    types: tuple[str, ...]
    ok: str


_SIGNING = {
    DINGTALK: _Answers(
        (300001, "token is not exist"), (310000, "sign not match"), "send too fast, exceed 20 times per minute",
        (40035, "invalid msgtype"), ("text", "markdown", "link", "actionCard", "feedCard"), "ok",
    ),
    FEISHU: _Answers(
        (19001, "param invalid: incoming webhook access token invalid"),
        (19021, "sign match fail or timestamp is not within one hour from current time"), "frequency limited",
        (19002, "params error, msg_type need"), ("text", "post", "interactive", "share_chat", "image"), "success",
    ),
}  # fmt: skip


def _signed_verdict(
    robots: FakeRobots, robot: Robot | None, platform: str, msgtype: object, stamp: str, sign: str
) -> tuple[int, str]:
    answers = _SIGNING[platform]
    if robot is None:
        return answers.no_robot
    if not robots.signed(robot, stamp, sign, milliseconds=platform == DINGTALK):
        return answers.bad_sign
    if robots.over_limit(robot, robots.clock()):
        return RATE_CODES[platform], answers.too_fast
    if msgtype not in answers.types:
        return answers.bad_type
    return 0, answers.ok


async def dingtalk_send(request: web.Request) -> web.Response:
    token = request.query.get("access_token", "")
    robots, robot, fault = await _robot_of(request, DINGTALK, token)
    if fault is not None:
        return fault
    body = await request.json()
    query = request.query
    code, message = _signed_verdict(
        robots, robot, DINGTALK, body.get("msgtype"), query.get("timestamp", ""), query.get("sign", "")
    )
    robots.record(robot, DINGTALK, token, body, code)
    return _answer(DINGTALK, code, message)


async def feishu_send(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    robots, robot, fault = await _robot_of(request, FEISHU, token)
    if fault is not None:
        return fault
    raw = await request.read()
    body = json.loads(raw)
    if len(raw) > FEISHU_BODY_LIMIT:
        code, message = 9499, "request body too large (max 20 KB)"
    else:
        stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
        code, message = _signed_verdict(robots, robot, FEISHU, body.get("msg_type"), stamp, sign)
    robots.record(robot, FEISHU, token, body, code)
    return _answer(FEISHU, code, message)


async def control_add(request: web.Request) -> web.Response:
    """``POST /control/robots {"platform", "secret"?}`` → ``{"url"}``: a robot, when the fake runs as a process."""
    data = await request.json()
    return web.json_response({"url": request.app[KEY].add(str(data["platform"]), secret=data.get("secret"))})


async def control_arrivals(request: web.Request) -> web.Response:
    """``GET /control/arrivals``: everything that arrived, each body as its SHA-256 (bodies can be large)."""
    return web.json_response(
        [
            {
                "platform": a.platform, "token": a.token, "at": a.at, "code": a.code, "msgtype": a.msgtype,
                "body": hashlib.sha256(json.dumps(a.body, sort_keys=True).encode()).hexdigest(),
            }
            for a in request.app[KEY].arrivals
        ]
    )  # fmt: skip


def create_robots_app(robots: FakeRobots) -> web.Application:
    app = web.Application(client_max_size=FILE_LIMIT + 1024 * 1024)
    app[KEY] = robots
    app.router.add_post("/cgi-bin/webhook/send", wecom_send)
    app.router.add_post("/cgi-bin/webhook/upload_media", wecom_upload)
    app.router.add_post("/robot/send", dingtalk_send)
    app.router.add_post("/open-apis/bot/v2/hook/{token}", feishu_send)
    app.router.add_post("/control/robots", control_add)
    app.router.add_get("/control/arrivals", control_arrivals)
    return app


@asynccontextmanager
async def running_robots(
    *, clock: Callable[[], float] = time.time, scale: float = 1.0, host: str = "127.0.0.1"
) -> AsyncIterator[FakeRobots]:
    """Serve the fake robots on a free port while the block runs; ``base_url`` is set inside."""
    robots = FakeRobots(clock=clock, scale=scale)
    runner = web.AppRunner(create_robots_app(robots), shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, 0).start()
        bound_host, bound_port = runner.addresses[0][:2]
        robots.base_url = f"http://{bound_host}:{bound_port}"
        yield robots
    finally:
        robots.hang.set()
        await runner.cleanup()


async def _serve(scale: float, port: int) -> None:
    robots = FakeRobots(scale=scale)
    runner = web.AppRunner(create_robots_app(robots), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    host, bound = runner.addresses[0][:2]
    robots.base_url = f"http://{host}:{bound}"
    print(robots.base_url, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """``python -m sandbox.robots [--scale S] [--port P]``: serve the fakes as their own process
    (as the platforms are remote); prints the base URL, then serves until killed."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="rate windows multiplied by this")
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    asyncio.run(_serve(arguments.scale, arguments.port))


if __name__ == "__main__":
    main()
