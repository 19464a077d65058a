"""``gridbot parse`` per the contract: one JSON object per input line, nothing else on stdout."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from understanding.command import run

from .contract import contract_errors

CONTRACT_EXAMPLES = [
    (
        "3栋2单元501 张三 全家4口 体温36.5 无症状 核酸已做",
        {"kind": "checkin", "address": {"building": "3", "unit": "2", "room": "501"}, "name": "张三",
         "persons": 4, "temperature": 36.5, "symptoms": [], "test": {"type": "pcr", "result": "done"},
         "abnormal": False},
    ),
    (
        "5-301 急需降压药一盒，大米两袋 电话13812345678",
        {"kind": "order", "address": {"building": "5", "room": "301"},
         "items": [{"name": "降压药", "qty": 1, "unit": "盒"}, {"name": "大米", "qty": 2, "unit": "袋"}],
         "urgent": True, "phone": "13812345678"},
    ),
    (
        '{"text": "报备：李四昨天从北京朝阳坐G123回来，住7栋502，电话13900001111", "date": "2026-11-24"}',
        {"kind": "returnee", "name": "李四", "origin": "北京市朝阳区", "arrival": "2026-11-23",
         "transport": {"mode": "train", "number": "G123"}, "address": {"building": "7", "room": "502"},
         "phone": "13900001111"},
    ),
    ("今天网格无异常，零报告", {"kind": "zero"}),
    (
        "代报：五组3号马长顺2口36.4 七组9号唐秀珍36.8 七组16号朱永强4口都正常",
        {"kind": "checkin", "address": {"group": "5", "number": "3"}, "name": "马长顺", "persons": 2,
         "temperature": 36.4, "abnormal": False,
         "others": [{"address": {"group": "7", "number": "9"}, "name": "唐秀珍", "temperature": 36.8, "abnormal": False},
                    {"address": {"group": "7", "number": "16"}, "name": "朱永强", "persons": 4, "abnormal": False}]},
    ),
    (
        "今天上午走访了3-2-501独居的王奶奶 量了血压正常 送了降压药",
        {"kind": "visit", "address": {"building": "3", "unit": "2", "room": "501"}, "help": ["health", "medicine"]},
    ),
    (
        '{"text": "昨天下午3号楼楼道和电梯用84消毒液喷洒消杀 操作人李建国", "date": "2026-11-24"}',
        {"kind": "disinfection", "place": "3号楼楼道和电梯", "method": "spray", "agent": "84消毒液",
         "operator": "李建国", "date": "2026-11-23"},
    ),
]  # fmt: skip


def _run(data: bytes, date: str | None = "2026-11-24", tz: str = "Asia/Shanghai") -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(date=date, tz=tz, stdin=io.BytesIO(data), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def _public(obj: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in obj.items() if not k.startswith("x_")}


def test_contract_examples() -> None:
    data = "\n".join(line for line, _ in CONTRACT_EXAMPLES).encode() + b"\n"
    code, out, err = _run(data)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [_public(json.loads(line)) for line in lines] == [expected for _, expected in CONTRACT_EXAMPLES]
    assert "张三" in lines[0]  # ensure_ascii=False: Chinese as written, not \u escapes


def test_one_line_out_per_line_in_whatever_the_line() -> None:
    lines = [b"", b"   ", b"\xff\xfe bad utf-8 \xc3", b'{"text": 5}', b'{"date": "2026-11-01"}', b"{not json",
             b'{"text": "3-2-501 \\u6253\\u5361", "date": "yesterday"}', "收到\u2028谢谢".encode(),
             b"\x00\x1b[31m", b"[1, 2]"]  # fmt: skip
    code, out, _ = _run(b"\n".join(lines) + b"\n")
    assert code == 0
    objs = [json.loads(line) for line in out.split("\n")[:-1]]
    assert len(objs) == len(lines)
    assert all(contract_errors(obj) == [] for obj in objs)
    assert objs[0] == {"kind": "other"}


def test_message_date_comes_from_the_line_then_the_flag() -> None:
    data = '{"text": "报备 王磊 从石家庄回来 昨天到", "date": "2026-03-01"}\n报备 王磊 从石家庄回来 昨天到\n'
    _, out, _ = _run(data.encode(), date="2026-11-24")
    assert [json.loads(line)["arrival"] for line in out.splitlines()] == ["2026-02-28", "2026-11-23"]


def test_a_missing_final_newline_still_gives_the_last_line() -> None:
    _, out, _ = _run(b"\xe6\x89\x93\xe5\x8d\xa1\n\xe6\x89\x93\xe5\x8d\xa1")
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize(("date", "tz"), [("2026-13-01", "Asia/Shanghai"), ("tomorrow", "UTC"), (None, "Mars/Base")])
def test_bad_flags_give_one_line_on_stderr_and_status_2(date: str | None, tz: str) -> None:
    code, out, err = _run(b"x\n", date=date, tz=tz)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_default_date_is_today_in_the_time_zone() -> None:
    code, out, _ = _run("报备 王磊 从石家庄回来 今天到\n".encode(), date=None, tz="Asia/Shanghai")
    assert code == 0 and json.loads(out)["arrival"]


def test_nothing_but_json_on_stdout_from_a_fresh_process(tmp_path: Path) -> None:
    """Run as the CLI would, in a new interpreter with an empty cache dir (jieba builds it)."""
    script = (
        "import sys; from understanding.command import run; "
        "raise SystemExit(run(date='2026-11-24', tz='Asia/Shanghai', stdin=sys.stdin.buffer, "
        "stdout=sys.stdout, stderr=sys.stderr))"
    )
    env = {**os.environ, "GRIDBOT_CACHE_DIR": str(tmp_path / "cache")}
    data = "\n".join(line for line, _ in CONTRACT_EXAMPLES) + "\n"
    for _ in range(2):  # first run builds the dictionary cache, the second loads it
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", script], input=data.encode(), capture_output=True,
            env=env, check=True, timeout=120,
        )  # fmt: skip
        lines = done.stdout.decode().splitlines()
        assert [_public(json.loads(line)) for line in lines] == [expected for _, expected in CONTRACT_EXAMPLES]
        assert done.stderr == b""
    assert list((tmp_path / "cache").glob("jieba-lexicon-*.pickle"))
