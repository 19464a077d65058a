"""The command line as an operator meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def gridbot(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it: its own process, no inherited configuration."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
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
    # In a subprocess: aiosqlite's worker thread outlives a failed connect and would trouble the next test's loop.
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:////nonexistent/dir/x.db"\n', encoding="utf-8")
    result = gridbot("org", "show", "-c", str(config))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "无法打开数据库 sqlite+aiosqlite:////nonexistent/dir/x.db：unable to open database file"
    ]


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
