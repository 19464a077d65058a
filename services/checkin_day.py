"""A household's check-in of one day, derived from all of that day's check-in messages.

Residents write in pieces ("3-2-501 全家4口", a minute later "体温36.5 都好"), correct themselves
by editing, and write again in the evening. Deriving the day's row from every message, instead of
adding each message to a counter, makes merging, edits and redeliveries all the same operation:
recompute. The rules: temperature = highest stated, symptoms = union, test = latest stated,
persons = latest stated, abnormal = any. A message that corrects what was said before (刚才打错了
应该是36.6: ``x_correction``) replaces what it states instead, and abnormal is what the day then says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.health import FEVER_THRESHOLD


@dataclass(frozen=True)
class DayCheckin:
    persons: int | None = None
    temperature: float | None = None
    #: ``None``: nobody said; empty: explicitly no symptoms.
    symptoms: frozenset[str] | None = None
    test_type: str | None = None
    test_result: str | None = None
    abnormal: bool = False
    message_count: int = 0

    @classmethod
    def from_columns(cls, row: Mapping[Any, Any]) -> DayCheckin:
        """The day as stored (the inverse of ``columns``), to fold new messages into."""
        symptoms = row["symptoms"]
        return cls(
            persons=row["persons"],
            temperature=row["temperature"],
            symptoms=None if symptoms is None else frozenset(s for s in symptoms.split(",") if s),
            test_type=row["test_type"],
            test_result=row["test_result"],
            abnormal=row["abnormal"],
            message_count=row["message_count"],
        )

    def columns(self) -> dict[str, Any]:
        """The ``checkins`` columns (symptoms comma-separated in a stable order, '' = none)."""
        return {
            "persons": self.persons,
            "temperature": self.temperature,
            "symptoms": None if self.symptoms is None else ",".join(sorted(self.symptoms)),
            "test_type": self.test_type,
            "test_result": self.test_result,
            "abnormal": self.abnormal,
            "message_count": self.message_count,
        }

    def worse_than(self, before: DayCheckin) -> bool:
        """Does this day say something abnormal that ``before`` did not (so people must hear it)?"""
        if not self.abnormal:
            return False
        if not before.abnormal:
            return True
        hotter = (
            self.temperature is not None
            and self.temperature >= FEVER_THRESHOLD
            and self.temperature > (before.temperature or 0)
        )
        new_symptoms = bool((self.symptoms or frozenset()) - (before.symptoms or frozenset()))
        newly_positive = self.test_result == "positive" and before.test_result != "positive"
        return hotter or new_symptoms or newly_positive


def merge(parsed_messages: Iterable[Mapping[str, Any]], start: DayCheckin | None = None) -> DayCheckin:
    """Fold parse results, oldest first, into the day's check-in (or into ``start``: the day so far)."""
    day = start or DayCheckin()
    for parsed in parsed_messages:
        day = _corrected(day, parsed) if parsed.get("x_correction") else _added(day, parsed)
    return day


def _added(day: DayCheckin, parsed: Mapping[str, Any]) -> DayCheckin:
    test = parsed.get("test") or {}
    temperature = parsed.get("temperature")
    symptoms = parsed.get("symptoms")
    temperatures = [t for t in (day.temperature, temperature) if t is not None]
    return DayCheckin(
        persons=persons if (persons := parsed.get("persons")) is not None else day.persons,
        temperature=float(max(temperatures)) if temperatures else None,
        symptoms=day.symptoms if symptoms is None else (day.symptoms or frozenset()) | frozenset(symptoms),
        test_type=test.get("type", day.test_type),
        test_result=test.get("result", day.test_result),
        abnormal=day.abnormal or bool(parsed.get("abnormal")),
        message_count=day.message_count + 1,
    )


def _corrected(day: DayCheckin, parsed: Mapping[str, Any]) -> DayCheckin:
    """What a correction states replaces the day's so far; what it leaves out stands."""
    test = parsed.get("test") or {}
    temperature = parsed.get("temperature")
    symptoms = parsed.get("symptoms")
    corrected = DayCheckin(
        persons=persons if (persons := parsed.get("persons")) is not None else day.persons,
        temperature=float(temperature) if temperature is not None else day.temperature,
        symptoms=day.symptoms if symptoms is None else frozenset(symptoms),
        test_type=test.get("type", day.test_type),
        test_result=test.get("result", day.test_result),
        message_count=day.message_count + 1,
    )
    fever = corrected.temperature is not None and corrected.temperature >= FEVER_THRESHOLD
    return replace(corrected, abnormal=fever or bool(corrected.symptoms) or corrected.test_result == "positive")
