"""The parser against labelled messages: the dev set (contract-exact) and our own cases.

``pytest -s`` prints each set's table (kind accuracy, per-field precision/recall/F1) and misses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .scoring import load_cases, parse_contract, score

DATA = Path(__file__).parent / "data"
KIND_ACCURACY = 1.0
FIELD_F1 = 1.0


@pytest.mark.parametrize("name", ["dev-messages.jsonl", "cases.jsonl"])
def test_labelled_messages_meet_the_thresholds(name: str) -> None:
    report = score(load_cases(DATA / name), parse_contract)
    print()
    print(report.table(name))
    assert report.kind_accuracy >= KIND_ACCURACY
    weak = {field: s.f1 for field, s in report.fields.items() if (s.support or s.fp) and s.f1 < FIELD_F1}
    assert not weak, f"fields below F1 {FIELD_F1}: {weak}"


def test_case_ids_are_unique() -> None:
    for name in ("dev-messages.jsonl", "cases.jsonl"):
        ids = [case.id for case in load_cases(DATA / name)]
        assert len(ids) == len(set(ids)), name
