"""The bot's HTTP client for the Bot API: PTB's ``BaseRequest`` on an aiohttp session.

Every message a resident posts costs the bot at least one Bot API call (its ✍ reaction), so the
client's own overhead per request decides how large a burst the bot absorbs. PTB's default
``HTTPXRequest`` spends about half of the bot's CPU in a burst inside httpx and httpcore
(``benchmarks/ingest_bench.py``); aiohttp, which the bot already runs for its webhook server,
does the same request for a fraction of that. The wire format is PTB's own: parameters as a
form, files as multipart, the JSON-encoded values from ``RequestData``. Like PTB's default client
it goes through the proxy the environment names (HTTPS_PROXY, NO_PROXY): Telegram is often
reached through one.

aiohttp has no write timeout of its own: ``write_timeout`` bounds the whole request together with
the read timeout (``total``), so that a stalled upload still ends.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from core.redact import without_credentials

#: PTB's defaults (``HTTPXRequest``), in seconds.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


class AiohttpRequest(BaseRequest):
    """One aiohttp session per instance, opened by ``initialize`` and closed by ``shutdown``."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = READ_TIMEOUT,
        on_status: Callable[[int], None] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        #: Told every answer's HTTP status (the metrics count the Bot API's errors by code).
        self._on_status = on_status
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None
        #: The environment's proxies (HTTPS_PROXY …), read at ``initialize``, and the one for each origin.
        self._proxies: dict[str, str] = {}
        self._proxy_of: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call does not give one."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent): it must be created inside the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )
            self._proxies = getproxies()
            self._proxy_of = {}

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; network failures become PTB's ``TimedOut`` and ``NetworkError``."""
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write + (connect or 0) + (pool or 0),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                body = await response.read()
        except TimeoutError as err:  # aiohttp's socket timeouts are TimeoutErrors too
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # Not chained: aiohttp's own message names the proxy URL, credentials included (a 407).
            raise NetworkError(without_credentials(f"aiohttp.{err.__class__.__name__}: {err}")) from None
        if self._on_status is not None:
            self._on_status(response.status)
        return response.status, body

    def _proxy(self, url: str) -> str | None:
        """The proxy for ``url``'s origin, decided once per origin (aiohttp's ``trust_env`` would
        read the environment and ~/.netrc again on every request: a third of a reaction's cost)."""
        scheme, host = urlsplit(url)[:2]
        origin = f"{scheme}://{host}"
        if origin not in self._proxy_of:
            proxy = self._proxies.get(scheme)
            self._proxy_of[origin] = None if proxy is None or proxy_bypass(host) else proxy
        return self._proxy_of[origin]


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """A form of the JSON-encoded parameters; multipart when the call uploads files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    # Raw UTF-8 filenames, as httpx and Telegram's own clients send them (aiohttp would %-quote 台账.xlsx).
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
