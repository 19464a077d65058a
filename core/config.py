"""Settings: one validated object loaded from TOML, with secrets from the environment.

Every subcommand finds its file the same way (``-c``, then ``$GRIDBOT_CONFIG``, then
``./config.toml``) so that an operator never wonders which file the bot read.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
_NAMED = re.compile(r"[a-z_.]+: ")
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")

#: Environment variables that override a key, for secrets that should not sit in a file.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "GRIDBOT_TELEGRAM_TOKEN": ("telegram", "token"),
    "GRIDBOT_WEBHOOK_SECRET": ("telegram", "webhook", "secret"),
    "GRIDBOT_DATABASE_URL": ("database", "url"),
}


class ConfigError(Exception):
    """A configuration problem, worded as one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Section):
    listen: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8443
    url: str = ""
    secret: SecretStr = SecretStr("")
    path: str = "/telegram"
    #: A log line per webhook request (aiohttp's access log, at INFO); off: one per update is noise.
    access_log: bool = False

    @field_validator("secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr) -> SecretStr:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - only.
        text = value.get_secret_value()
        if text and (len(text) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in text)):
            raise ValueError("1-256 characters of A-Z a-z 0-9 _ - expected")
        return value


class FloodSettings(_Section):
    """Telegram's documented flood limits, which the one paced sender (``bot.ratelimit``) keeps.

    ``scale`` multiplies every window, to match a sandbox whose windows are scaled the same way;
    ``enabled = false`` only where the Bot API enforces nothing (the offline demo and tests).
    """

    enabled: bool = True
    per_bot_per_second: Annotated[int, Field(ge=1)] = 30
    per_group_per_minute: Annotated[int, Field(ge=1)] = 20
    per_private_per_second: Annotated[int, Field(ge=1)] = 1
    private_burst: Annotated[int, Field(ge=1)] = 3
    scale: Annotated[float, Field(gt=0)] = 1.0


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = DEFAULT_TELEGRAM_BASE_URL
    base_file_url: str = DEFAULT_TELEGRAM_FILE_URL
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()
    flood: FloodSettings = FloodSettings()

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramSettings:
        if self.mode == "webhook":
            if not self.webhook.url:
                raise ValueError('webhook.url: required when mode = "webhook"')
            if not self.webhook.secret.get_secret_value():
                raise ValueError('webhook.secret: required when mode = "webhook"')
        return self


class DatabaseSettings(_Section):
    #: Secret because a PostgreSQL URL may carry a password; ``shown_url`` is the printable form.
    url: SecretStr = SecretStr("sqlite+aiosqlite:///gridbot.db")
    #: SQLite: seconds a write waits for another writer (``gridbot org import`` beside the bot).
    busy_timeout: Annotated[float, Field(gt=0, le=600)] = 10.0

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("sqlite+aiosqlite://... or postgresql+asyncpg://... expected")
        return value

    @property
    def shown_url(self) -> str:
        """The URL with any password masked, for messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.url.get_secret_value()).render_as_string(hide_password=True)

    @property
    def sqlite_file(self) -> Path | None:
        """The file a SQLite URL opens (and would create); None for PostgreSQL or an in-memory database."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url.get_secret_value())
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)


class MetricsSettings(_Section):
    """The status server (``/healthz``, ``/metrics``), in polling mode as in webhook mode."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 9464

    @field_validator("listen")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME.fullmatch(value):
                raise ValueError("an address to listen on expected, such as 127.0.0.1 or 0.0.0.0") from None
        return value


class RetrySettings(_Section):
    """How the bot's long-running tasks retry after an error (database or Telegram unreachable)."""

    first_delay: Annotated[float, Field(gt=0)] = 1.0
    max_delay: Annotated[float, Field(gt=0)] = 60.0

    @model_validator(mode="after")
    def _ordered(self) -> RetrySettings:
        if self.max_delay < self.first_delay:
            raise ValueError("max_delay: must not be below first_delay")
        return self


class AdminSettings(_Section):
    user_ids: list[int] = []


class ReturneePolicy(_Section):
    monitor_days: Annotated[int, Field(ge=0, le=60)] = 14
    test_days: list[Annotated[int, Field(ge=0, le=60)]] = [1, 3, 7]


#: Days between a paired household's visits when neither the pairing nor a tag of ``[policy.visits]`` says.
DEFAULT_VISIT_DAYS = 30
#: How often a disinfection point is due, as officials write it (also the roster's 消杀点位 sheet).
FREQUENCY_WORDS: dict[str, int] = {
    "daily": 1, "每天": 1, "每日": 1, "一日一次": 1, "天": 1, "日": 1,
    "weekly": 7, "每周": 7, "每星期": 7, "一周一次": 7, "周": 7,
}  # fmt: skip


def frequency_days(text: str) -> int | None:
    """``daily`` / 每天 → 1, ``weekly`` / 每周 → 7, ``3`` / 3天 / 每3天 → 3; None when it is not a frequency."""
    word = text.strip().lower()
    if word in FREQUENCY_WORDS:
        return FREQUENCY_WORDS[word]
    digits = word.removeprefix("每").removesuffix("天").removesuffix("日")
    return int(digits) if digits.isdigit() and 1 <= int(digits) <= 365 else None


class PointSetting(_Section):
    """A disinfection point every grid has (unless its roster lists its own): place and frequency."""

    place: Annotated[str, Field(min_length=1, max_length=64)]
    every: str | int = "daily"

    @field_validator("every")
    @classmethod
    def _frequency(cls, value: str | int) -> str | int:
        if frequency_days(str(value)) is None:
            raise ValueError("daily, weekly or a number of days (1-365) expected")
        return value

    @property
    def every_days(self) -> int:
        return frequency_days(str(self.every)) or 1


class DisinfectionPolicy(_Section):
    points: list[PointSetting] = []


class LedgerPolicy(_Section):
    """The population ledgers' categories by the roster's tags (台账: 流动, 重点人群)."""

    floating_tags: list[str] = ["流动", "流动人口", "租户", "外来"]
    key_tags: list[str] = ["独居老人", "空巢老人", "低保", "特困", "残疾", "慢病", "孕妇", "居家监测", "精神障碍"]


class PolicySettings(_Section):
    returnee: ReturneePolicy = ReturneePolicy()
    #: Days between visits by the household's tag (独居老人 = 7); ``default`` for paired households without one.
    visits: dict[str, Annotated[int, Field(ge=1, le=365)]] = {}
    disinfection: DisinfectionPolicy = DisinfectionPolicy()
    ledger: LedgerPolicy = LedgerPolicy()
    #: Days after a record's own (local) day on which editing its message still changes it: 0 = that
    #: day only. Past records are the grid leader's to correct, never a late edit's.
    edit_window_days: Annotated[int, Field(ge=0, le=30)] = 0


class ScheduleSettings(_Section):
    #: Run the daily jobs and the outbox on the wall clock; off where a test or the demo drives time.
    enabled: bool = True
    reminders: list[time] = [time(10, 0), time(15, 0)]
    grid_report: time = time(16, 0)
    village_digest: time = time(16, 30)
    town_digest: time = time(17, 0)
    #: Sent digests stay live (edited in place when a unit below confirms or changes) until this
    #: local time; then the day's ledger is sent once more where the digest changed after it went out.
    day_close: time = time(23, 30)
    returnee_followup: time = time(9, 0)
    #: Each helper's private list of the households due a visit this week: weekday (1 = Monday) and time.
    visit_reminder: time = time(8, 30)
    visit_reminder_weekday: Annotated[int, Field(ge=1, le=7)] = 1
    days_off: list[date] = []


class PrivacySettings(_Section):
    """《个人信息保护法》: keep personal details no longer than the work needs them.

    A record's personal details (message texts, health details, names, phones) are erased or
    masked once its day is more than ``retain_days`` old; the inbox keeps a processed update
    ``inbox_replay_days`` for replay. The daily purge runs at ``purge_at`` (local time).
    """

    retain_days: Annotated[int, Field(ge=1, le=3650)] = 30
    inbox_replay_days: Annotated[int, Field(ge=0, le=30)] = 1
    purge_at: time = time(3, 0)


#: Hosts a ``[robots] public_url`` may name over plain http: this machine only.
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class RobotSettings(_Section):
    """Group robots. DingTalk and Feishu robots take no files: with ``public_url`` (the bot's own
    server as the world reaches it) a digest's chart and ledger reach them as links
    ``{public_url}/files/{token}``, valid ``link_days``; without it, as nothing (text only)."""

    public_url: str | None = None
    link_days: Annotated[int, Field(ge=1, le=30)] = 3

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        local = parts.scheme == "http" and parts.hostname in _LOOPBACK
        if not (parts.scheme == "https" or local) or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("an https URL expected (http only for localhost), such as https://bot.example.cn")
        return value.rstrip("/")


class Settings(_Section):
    """The whole configuration. Frozen: settings are read once and passed down, never mutated."""

    timezone: str = "Asia/Shanghai"
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    admins: AdminSettings = AdminSettings()
    policy: PolicySettings = PolicySettings()
    schedule: ScheduleSettings = ScheduleSettings()
    metrics: MetricsSettings = MetricsSettings()
    retry: RetrySettings = RetrySettings()
    privacy: PrivacySettings = PrivacySettings()
    robots: RobotSettings = RobotSettings()

    @model_validator(mode="after")
    def _ports_apart(self) -> Settings:
        hook = self.telegram.webhook
        if (
            self.metrics.enabled
            and self.telegram.mode == "webhook"
            and self.metrics.port == hook.port
            and self.metrics.listen == hook.listen
        ):
            raise ValueError("metrics.port: must differ from telegram.webhook.port")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone such as Asia/Shanghai expected") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        """Return the bot token, or explain where to put it: only ``run`` needs one."""
        token = self.telegram.token.get_secret_value()
        if not token:
            raise ConfigError(
                "telegram.token: missing — set it in the config file or in $GRIDBOT_TELEGRAM_TOKEN "
                "(a token from @BotFather)"
            )
        return token


def find_config_path(explicit: str | None) -> Path | None:
    """``-c PATH``, else ``$GRIDBOT_CONFIG``, else ``./config.toml`` if it exists."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("GRIDBOT_CONFIG")
    if from_env:
        return Path(from_env)
    default = Path("config.toml")
    return default if default.exists() else None


def _apply_env(raw: dict[str, Any], environ: dict[str, str]) -> None:
    for variable, path in ENV_OVERRIDES.items():
        value = environ.get(variable)
        if not value:
            continue
        node = raw
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "missing"
    if not key:
        return message
    if _NAMED.match(message):  # a section's own check names its key: "max_delay: ..."
        return f"{key}.{message}"
    return f"{key}: {message}"


def load_settings(path: Path | None, environ: dict[str, str] | None = None) -> Settings:
    """Read, merge the environment, validate; any problem becomes one ``ConfigError`` line."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    _apply_env(raw, dict(os.environ) if environ is None else environ)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
