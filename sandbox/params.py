"""Reading Bot API parameters the way Telegram accepts them.

Telegram takes parameters from the query string, a JSON body, a urlencoded form
or multipart/form-data.  In the form encodings every value is a string and
nested objects (``reply_markup``, ``entities``, ``reaction``, ``scope``,
``allowed_updates`` ...) arrive JSON-encoded -- PTB sends exactly that -- while a
JSON body carries them natively.  :class:`Params` hides the difference behind
typed getters that fail with Telegram's 400 descriptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self._values = values
        self._uploads = uploads

    def __contains__(self, name: str) -> bool:
        return name in self._values or name in self._uploads

    def loggable(self) -> dict[str, Any]:
        """The parameters for the call log, with uploads summarised instead of their bytes."""
        files = {
            name: {"filename": upload.filename, "size": len(upload.data)} for name, upload in self._uploads.items()
        }
        return {**self._values, **files}

    def string(self, name: str, *, missing: str | None = None) -> str | None:
        """A string parameter; ``missing`` is the description when it is required."""
        value = self._values.get(name)
        if value is None:
            if missing is not None:
                raise bad_request(missing)
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, missing: str | None = None) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            if missing is not None:
                raise bad_request(missing)
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        value = self._values.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if str(value).lower() in _TRUE:
            return True
        if str(value).lower() in _FALSE:
            return False
        raise bad_request(f"invalid {name} specified")

    def object(self, name: str, *, what: str) -> Any:
        """A nested object: native in a JSON body, a JSON string in a form.

        ``what`` names the object in Telegram's "can't parse ... JSON object" error.
        """
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None

    def chat_id(self) -> int | str:
        """``chat_id``: an integer id or an ``@username``."""
        value = self._values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def input_file(self, name: str) -> Upload | str | None:
        """A file parameter: an uploaded part (directly or via ``attach://``), or a file_id/URL string."""
        if name in self._uploads:
            return self._uploads[name]
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self._uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
            return upload
        return value if isinstance(value, str) else None


async def read_params(request: web.Request) -> Params:
    """Collect parameters from the query string and whatever body encoding was used."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values, uploads)
    try:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    values[name] = value
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    except ValueError:
        raise bad_request("can't parse JSON encoded request body") from None
    return Params(values, uploads)
