"""The command line as an operator meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def gridbot(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it: its own process, no inherited configuration."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_db_upgrade_is_repeatable(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "-c", str(cli_config)]) == 0
    assert main(["db", "upgrade", "-c", str(cli_config)]) == 0
    assert capsys.readouterr().out.count("数据库已升级到最新版本") == 2


def test_org_show_on_empty_database_and_unknown_code(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "show", "-c", str(cli_config)]) == 0
    assert capsys.readouterr().out.strip() == "还没有导入名册：请先运行 gridbot org import 名册.xlsx"
    assert main(["org", "show", "NOPE", "-c", str(cli_config)]) == 1
    assert capsys.readouterr().err.strip() == "找不到编码 NOPE"


def test_import_of_missing_path_is_one_line(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "import", "/nonexistent/roster.xlsx", "-c", str(cli_config)]) == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("找不到名册（需要 .xlsx 文件，或含 units.csv 和 households.csv 的文件夹）")
    )


def test_run_without_token_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///x.db"\n', encoding="utf-8")
    result = gridbot("run", "-c", str(config))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "配置错误：telegram.token: missing — set it in the config file or in $GRIDBOT_TELEGRAM_TOKEN (a token from @BotFather)"
    ]


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    # A folder where the SQLite file should be: it exists, and cannot be opened. In a subprocess, so that
    # the failed connect's aiosqlite worker thread must be done before the process's loop closes.
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}"\n', encoding="utf-8")
    result = gridbot("org", "show", "-c", str(config))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"无法打开数据库 sqlite+aiosqlite:///{tmp_path}：unable to open database file"
    ]


@pytest.mark.parametrize(
    "command", [["org", "show"], ["export", "--unit", "T1", "--from", "2026-12-01", "--to", "2026-12-01"]]
)
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    result = gridbot(*command, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "没有找到配置文件（-c、$GRIDBOT_CONFIG 或 ./config.toml），"
        f"要用的数据库文件 {tmp_path / 'gridbot.db'} 不存在；查看类命令不会新建数据库"
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_roster_is_named(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "import", str(cli_config), "-c", str(cli_config)]) == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("不是名册（需要 .xlsx 文件，或含 units.csv 和 households.csv 的文件夹）")
    )


def test_export_refuses_a_range_longer_than_a_year(cli_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["export", "--unit", "T1", "--from", "1900-01-01", "--to", "2026-01-01", "-c", str(cli_config)]
    assert main(args) == 1
    assert capsys.readouterr().err.strip() == "日期范围 1900-01-01 至 2026-01-01 太长：一次最多导出 366 天，请分段导出"
