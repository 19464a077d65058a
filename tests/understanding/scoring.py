"""Scoring the parser against labelled messages: kind accuracy and per-field precision/recall/F1.

A field counts as a true positive when both the parser and the label state it with the same
value; a wrong value is both a false positive and a false negative.  Values are compared as the
contract means them: numbers numerically, ``symptoms`` and ``items`` in any order, ``urgent:
false`` and ``concern: false`` as absent, ``others`` household by household in order, ``origin`` after stripping the suffixes 省/市/区/县/自治区/特别行政区.

Run ``python -m tests.understanding.scoring FILE.jsonl`` to print the table and the misses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

FIELDS = (
    "address", "name", "persons", "temperature", "symptoms", "test", "abnormal", "items", "urgent",
    "phone", "origin", "arrival", "transport", "id_last4", "others", "help", "concern", "place", "method",
    "agent", "operator", "date",
)  # fmt: skip
_PLACE_SUFFIX = re.compile("特别行政区|自治区|省|市|区|县")

Parse = Callable[[str, dt.date], dict[str, object]]


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    date: dt.date
    expect: dict[str, object]


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(Case(raw["id"], raw["text"], dt.date.fromisoformat(raw["date"]), raw["expect"]))
    return cases


def _canonical(name: str, value: object) -> object:
    if value is None or (name == "urgent" and value is False):
        return None
    if name == "origin" and isinstance(value, str):
        return _PLACE_SUFFIX.sub("", value)
    if name in ("symptoms", "help") and isinstance(value, list):
        return sorted(value)
    if name == "concern" and value is False:
        return None
    if name == "others" and isinstance(value, list):
        return [
            {k: _canonical(k, v) for k, v in other.items() if _canonical(k, v) is not None and not k.startswith("x_")}
            for other in value
        ]
    if name == "items" and isinstance(value, list):
        return sorted(json.dumps(_numbers(item), sort_keys=True, ensure_ascii=False) for item in value)
    return _numbers(value)


def _numbers(value: object) -> object:
    """Numbers as floats (2 == 2.0), booleans kept apart from numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return value


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    total: int = 0
    kind_correct: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: {name: FieldScore() for name in FIELDS})
    misses: list[tuple[Case, dict[str, object]]] = field(default_factory=list)

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.total if self.total else 1.0

    def table(self, title: str) -> str:
        lines = [
            f"{title}: {self.total} messages, kind accuracy {self.kind_accuracy:.3f}",
            f"{'field':<12}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}",
        ]
        for name, s in self.fields.items():
            if s.support or s.fp:
                lines.append(f"{name:<12}{s.support:>8}{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}")
        for case, got in self.misses:
            lines.append(f"  miss {case.id}: {case.text!r}")
            lines.append(f"       got    {json.dumps(got, ensure_ascii=False)}")
            lines.append(f"       expect {json.dumps(case.expect, ensure_ascii=False)}")
        return "\n".join(lines)


def score(cases: Iterable[Case], parse: Parse) -> Report:
    report = Report()
    for case in cases:
        got = parse(case.text, case.date)
        report.total += 1
        report.kind_correct += got.get("kind") == case.expect.get("kind")
        missed = got.get("kind") != case.expect.get("kind")
        for name, s in report.fields.items():
            mine, theirs = _canonical(name, got.get(name)), _canonical(name, case.expect.get(name))
            if mine is not None and mine == theirs:
                s.tp += 1
                continue
            if mine is not None:
                s.fp += 1
                missed = True
            if theirs is not None:
                s.fn += 1
                missed = True
        if missed:
            report.misses.append((case, got))
    return report


def parse_contract(text: str, message_date: dt.date) -> dict[str, object]:
    """The contract object the bot stores and ``gridbot parse`` prints: what is scored."""
    from understanding import parse_message

    return parse_message(text, message_date).to_contract()


def main(paths: list[str]) -> int:
    for path in paths:
        print(score(load_cases(Path(path)), parse_contract).table(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
