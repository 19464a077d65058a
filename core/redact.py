"""Keep secrets out of log lines: credentials in URLs (``user:password@`` in HTTPS_PROXY)."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]+@")


def without_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it replaced by ``***@``."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


_TOKEN_QUERY = re.compile(r"(?P<name>[?&](?:key|access_token)=)(?P<value>[^&#\s]+)")
_HOOK_PATH = re.compile(r"(?P<name>/hook/)(?P<value>[^/?#\s]+)")


def mask_secret(secret: str) -> str:
    """A secret as an operator may see it: its first four characters, enough to tell two apart."""
    return f"{secret[:4]}****" if len(secret) > 8 else "****"


def without_tokens(url: str) -> str:
    """A robot webhook URL with its key or token masked (WeCom ``key=``, DingTalk ``access_token=``,
    Feishu ``/hook/<token>``): the URL alone lets anyone post into the group."""
    url = _TOKEN_QUERY.sub(lambda match: match["name"] + mask_secret(match["value"]), url)
    return _HOOK_PATH.sub(lambda match: match["name"] + mask_secret(match["value"]), url)
