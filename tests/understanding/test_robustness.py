"""The parser never raises, always answers with a contract object, and stays linear in time.

Hypothesis feeds arbitrary Unicode (control characters, surrogates, emoji), texts stitched from
the parser's own vocabulary (where its regexes do the most work), and long repetitions.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .contract import contract_errors
from .scoring import parse_contract

TODAY = dt.date(2026, 11, 24)
LIMIT_SECONDS = 0.050
MAX_CHARS = 4096

# Pieces the extractors react to, so that generated texts exercise them in odd combinations.
FRAGMENTS = [
    "3-2-501", "5-301", "32#1-1103", "三号楼", "二单元", "五零一", "F座", "909", "五组", "12号", "十四组", "9号",
    "张三", "诸葛明", "我是", "我叫", "我儿子", "姓名：", "报备", "从", "北京朝阳", "石家庄", "回来", "昨天",
    "本周五", "下周三", "11月7日", "11.28", "20号", "G123", "CA1234", "京A·12345", "高铁", "自驾", "大巴",
    "体温", "36.5", "三十六度四", "36度8", "发烧", "无症状", "不咳不烧", "咳嗽", "核酸", "抗原", "一道杠",
    "两道杠", "已做", "全家4口", "老两口", "大米", "两袋", "半斤", "二两", "一斤半", "84消毒液", "买", "要",
    "急", "尽快", "吃完了", "零报告", "无异常", "网格", "13812345678", "身份证", "230202199201151824",
    "后四位", "0413", "吗", "？", "，", "、", " ", "\n", "\x00", "\u2028", "\ud800", "👍", "🌡️", "的", "了",
    "代报", "联户长", "；", "|", "冇", "唔", "莫得", "❌", "不对", "是", "改成", "不要了", "各", "只剩", "前天",
    "好了", "走访", "低保户", "送药", "消杀", "喷洒", "操作人", "过氧乙酸", "杠", "幺三八", "三十六度几", "降压药(",
    "硝苯地平片)", "撤回了一条消息", "报零",
]  # fmt: skip


@contextmanager
def no_logged_errors() -> Iterator[list[logging.LogRecord]]:
    """The parser logs (and swallows) unexpected exceptions; a test must see none."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.ERROR)
    logger = logging.getLogger("understanding")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
    assert not records, [r.getMessage() for r in records]


def check(text: str) -> dict[str, object]:
    with no_logged_errors():
        result = parse_contract(text, TODAY)
    assert contract_errors(result) == [], (text, result)
    json.dumps(result, ensure_ascii=False).encode("utf-8")  # printable as the command prints it
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_unicode(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_vocabulary_soup(text: str) -> None:
    check(text)


def _timed(text: str) -> float:
    """CPU seconds of one parse, the best of three: a busy machine slows the wall clock, and it
    is the parser's own work (no catastrophic backtracking) that the limit is about."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        check(text)
        best = min(best, time.process_time() - start)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join))
def test_long_repetitions_parse_fast(unit: str) -> None:
    text = (unit * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS]
    assert _timed(text) < LIMIT_SECONDS


ADVERSARIAL = [
    "3-2-501 " * 512, "三十六度五" * 820, "1" * 4096, "1-" * 2048, "张三" * 2048, "大米两袋" * 1024,
    "的" * 4096, "十组" * 2048, "北京朝阳" * 1024, " 1" * 2048, "京A" * 2048, "11月" * 2048, "5号" * 2048,
    "我儿子" * 1365, "3号楼" * 1365, "无发热咳嗽" * 819, "报备 李四 从北京朝阳坐G123回来 住7栋502 " * 120,
]  # fmt: skip


@pytest.mark.parametrize("text", [t[:MAX_CHARS] for t in ADVERSARIAL], ids=lambda t: repr(t[:8]))
def test_adversarial_repetitions_parse_fast(text: str) -> None:
    check(text)  # warm: first use loads the dictionaries
    assert _timed(text) < LIMIT_SECONDS


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=200))
def test_4096_characters_of_arbitrary_unicode_parse_fast(seed: str) -> None:
    text = (seed * (MAX_CHARS // len(seed) + 1))[:MAX_CHARS]
    assert _timed(text) < LIMIT_SECONDS


_ALPHABET = "".join(FRAGMENTS) + "0123456789-#.:/ 一二三四五六七八九十零两半栋楼单元室组号斤袋盒个"


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_4096_random_characters_parse_fast(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(_ALPHABET) for _ in range(MAX_CHARS))
    assert _timed(text) < LIMIT_SECONDS
