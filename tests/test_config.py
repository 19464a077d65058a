"""Configuration: one validated object; every problem is one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from core.config import ConfigError, find_config_path, load_settings


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings(None, environ={})
    assert settings.timezone == "Asia/Shanghai"
    assert settings.telegram.mode == "polling"
    assert settings.database.url.get_secret_value() == "sqlite+aiosqlite:///gridbot.db"
    assert settings.telegram.base_url == "https://api.telegram.org/bot"


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    settings = load_settings(example, environ={})
    assert settings.schedule.grid_report.hour == 16


def test_environment_supplies_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "from-file"\n')
    settings = load_settings(path, environ={"GRIDBOT_TELEGRAM_TOKEN": "123:from-env"})
    assert settings.require_token() == "123:from-env"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('timezone = "Mars/Olympus"', "timezone: an IANA time zone"),
        ('[telegram]\nmode = "carrier-pigeon"', "telegram.mode: "),
        ('[telegram]\ntokn = "x"', "telegram.tokn: unknown key"),
        ('[database]\nurl = "sqlite:///x.db"', "database.url: sqlite+aiosqlite://"),
        ('[telegram]\nmode = "webhook"', "telegram.webhook.url: required"),
        ('[telegram]\nmode = "webhook"\nwebhook = { url = "https://x" }', "telegram.webhook.secret: required"),
        ("[telegram.webhook]\nport = 70000", "telegram.webhook.port: "),
        ('[admins]\nuser_ids = ["bob"]', "admins.user_ids.0: "),
        ("timezone = ", "not valid TOML"),
        ('[schedule]\ndays_off = ["2026-13-01"]', "schedule.days_off.0: "),
        ('[schedule]\ngrid_report = "25:00"', "schedule.grid_report: "),
        ("[metrics]\nport = 0", "metrics.port: "),
        ('[metrics]\nlisten = "http://0.0.0.0/"', "metrics.listen: an address to listen on"),
        (
            '[telegram]\nmode = "webhook"\nwebhook = { url = "https://x", secret = "s", port = 9464 }\n'
            "[metrics]\nenabled = true",
            "metrics.port: must differ from telegram.webhook.port",
        ),
        ("[retry]\nfirst_delay = 5\nmax_delay = 1", "retry.max_delay: must not be below first_delay"),
        ("[database]\nbusy_timeout = 0", "database.busy_timeout: "),
        ('[robots]\npublic_url = "http://bot.example.cn"', "robots.public_url: an https URL expected"),
        ('[robots]\npublic_url = "bot.example.cn"', "robots.public_url: an https URL expected"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, body), environ={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_public_url_is_https_or_this_machine_and_loses_its_trailing_slash(tmp_path: Path) -> None:
    for given, kept in (("https://bot.example.cn/grid/", "https://bot.example.cn/grid"),
                        ("http://localhost:8080", "http://localhost:8080")):  # fmt: skip
        settings = load_settings(write(tmp_path, f'[robots]\npublic_url = "{given}"'), environ={})
        assert settings.robots.public_url == kept
    assert load_settings(None, environ={}).robots.public_url is None


def test_missing_token_says_where_to_put_it() -> None:
    with pytest.raises(ConfigError, match=r"telegram\.token: missing .*GRIDBOT_TELEGRAM_TOKEN"):
        load_settings(None, environ={}).require_token()


def test_config_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIDBOT_CONFIG", raising=False)
    assert find_config_path(None) is None
    write(tmp_path, "")
    assert find_config_path(None) == Path("config.toml")
    monkeypatch.setenv("GRIDBOT_CONFIG", "/etc/gridbot.toml")
    assert find_config_path(None) == Path("/etc/gridbot.toml")
    assert find_config_path("mine.toml") == Path("mine.toml")


def test_cli_reports_config_error_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[database]\nurl = "mysql://nope"')
    with pytest.raises(SystemExit) as caught:
        main(["org", "show", "-c", str(path)])
    assert str(caught.value).startswith("配置错误：database.url: ")


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    body = (
        '[telegram]\ntoken = "123:SECRET-token"\nmode = "webhook"\n'
        '[telegram.webhook]\nurl = "https://x"\nsecret = "SECRET_hook"\n'
        '[database]\nurl = "postgresql+asyncpg://gridbot:SECRET-pw@db/gridbot"\n'
    )
    settings = load_settings(write(tmp_path, body), environ={})
    for shown in (repr(settings), str(settings), repr(settings.telegram), str(settings.database)):
        assert "SECRET" not in shown
    assert settings.database.shown_url == "postgresql+asyncpg://gridbot:***@db/gridbot"
    assert settings.require_token() == "123:SECRET-token"


@pytest.mark.parametrize(
    "body",
    [
        '[telegram.webhook]\nsecret = "SECRET token!"',
        '[database]\nurl = "mysql://gridbot:SECRET-pw@db/gridbot"',
        '[telegram]\ntoken = ["SECRET-token"]',
    ],
)
def test_config_errors_do_not_echo_secrets(tmp_path: Path, body: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, body), environ={})
    assert "SECRET" not in str(caught.value)
    assert "\n" not in str(caught.value)
