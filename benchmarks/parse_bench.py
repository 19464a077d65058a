"""Throughput of the message parser against a bare jieba segmentation of the same messages.

    python benchmarks/parse_bench.py [--rounds 30]

Prints the parser's messages/s over the dev set repeated, ``jieba.lcut``'s messages/s on the
same raw messages measured in the same run, their ratio (target ≥ 0.5: a whole parse costs at
most twice a bare segmentation), the slowest 4096-character adversarial message, and the wall
time of a cold ``echo 打卡 | gridbot parse`` (a new process; the dictionary cache is warm).

It also measures ``gridbot parse`` itself, JSON lines in and out through a pipe, beside the same
work in process (each JSON line read, parsed, and its contract object written as a JSON line): the
command's throughput is the extra time of all the rounds over a single round, so the process start
and the dictionaries' first load (the cold start above) are left out, and the ratio of the two is
printed (target >= 0.8).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "understanding" / "data" / "dev-messages.jsonl"
ADVERSARIAL = [
    "3-2-501 " * 512, "三十六度五" * 820, "1" * 4096, "张三" * 2048, "大米两袋" * 1024, "的" * 4096,
    "北京朝阳" * 1024, "我儿子" * 1365, "无发热咳嗽" * 819, "报备 李四 从北京朝阳坐G123回来 住7栋502 " * 120,
    "鸡蛋两斤西红柿三个" * 455, "十四组9号 邓春兰 在家两口 三十六度三 不咳不烧 " * 150,
]  # fmt: skip


def _messages() -> list[tuple[str, dt.date]]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [(c["text"], dt.date.fromisoformat(c["date"])) for c in map(json.loads, lines) if c]


def _rates(work: list[tuple[str, dt.date]], rounds: int, calls: list[Callable[[str, dt.date], object]]) -> list[float]:
    """Messages/s of each call, measured in alternating rounds so that a change in the machine's
    load during the run affects both alike (the ratio is what matters)."""
    spent = [0.0] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            for text, date in work:
                call(text, date)
            spent[i] += time.perf_counter() - start
    return [rounds * len(work) / seconds for seconds in spent]


def _cold_start() -> float | None:
    gridbot = _gridbot()
    if gridbot is None:
        return None
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([gridbot, "parse"], input="打卡\n".encode(), capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def _gridbot() -> str | None:
    gridbot = shutil.which("gridbot") or str(Path(sys.executable).with_name("gridbot"))
    return gridbot if os.path.exists(gridbot) else None


def _command_rates(gridbot: str, work: list[tuple[str, dt.date]], rounds: int) -> tuple[float, float]:
    """Messages/s of the same JSON lines parsed in process (each answered as a JSON line) and
    through ``gridbot parse``: (all rounds - one) / (their wall time - one round's), so the process
    start and the first use of the dictionaries are left out, as they are in process (warmed).
    Best of 3, the two measured in turn so that the machine's load hits both alike."""
    from understanding import parse_message

    one_round = [json.dumps({"text": text, "date": date.isoformat()}, ensure_ascii=False) for text, date in work]
    lines = one_round * rounds

    def in_process() -> float:
        start = time.perf_counter()
        for line in lines:
            message = json.loads(line)
            parsed = parse_message(message["text"], dt.date.fromisoformat(message["date"]))
            json.dumps(parsed.to_contract(), ensure_ascii=False)
        return time.perf_counter() - start

    def command(batch: list[str]) -> float:
        data = ("\n".join(batch) + "\n").encode()
        start = time.perf_counter()
        done = subprocess.run([gridbot, "parse"], input=data, capture_output=True, check=True)
        assert done.stdout.count(b"\n") == len(batch)
        return time.perf_counter() - start

    best = [float("inf")] * 3
    for _ in range(3):
        best = [min(b, t) for b, t in zip(best, (in_process(), command(lines), command(one_round)), strict=True)]
    own, whole, one = best
    return len(lines) / own, (len(lines) - len(one_round)) / max(whole - one, 1e-9)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()

    import jieba

    from understanding import parse_message

    jieba.setLogLevel(60)
    work = _messages()
    for text, date in work:  # warm both: dictionaries load on first use
        parse_message(text, date)
        jieba.lcut(text)

    parser_rate, jieba_rate = _rates(work, args.rounds, [parse_message, lambda text, _date: jieba.lcut(text)])
    print(
        f"messages: {len(work)} x {args.rounds} rounds (average {sum(len(t) for t, _ in work) / len(work):.0f} chars)"
    )
    print(f"parser:     {parser_rate:10.0f} messages/s")
    print(f"jieba.lcut: {jieba_rate:10.0f} messages/s")
    print(f"ratio:      {parser_rate / jieba_rate:10.2f}  (target >= 0.5)")

    today = dt.date(2026, 11, 24)
    worst = 0.0
    for text in ADVERSARIAL:
        text = text[:4096]
        parse_message(text, today)
        start = time.perf_counter()
        parse_message(text, today)
        worst = max(worst, time.perf_counter() - start)
    print(f"slowest 4096-char adversarial message: {worst * 1000:.1f} ms  (target < 50 ms)")

    gridbot = _gridbot()
    if gridbot is not None:
        process_rate, command_rate = _command_rates(gridbot, work, args.rounds)
        print(f"in process, JSON out:     {process_rate:10.0f} messages/s")
        print(f"`gridbot parse`, JSON in/out: {command_rate:6.0f} messages/s")
        print(f"ratio:      {command_rate / process_rate:10.2f}  (target >= 0.8)")

    cold = _cold_start()
    if cold is None:
        print("cold `echo 打卡 | gridbot parse`: gridbot not installed beside this Python")
    else:
        print(f"cold `echo 打卡 | gridbot parse`: {cold:.2f} s wall, best of 3  (target < 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
