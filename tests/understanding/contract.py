"""A checker for the parse contract's output shape (used by the fuzz and command tests)."""

from __future__ import annotations

import re
from collections.abc import Callable

KINDS = {"checkin", "order", "returnee", "zero", "visit", "disinfection", "other"}
SYMPTOMS = {"fever", "cough", "sore_throat", "fatigue", "smell_taste", "diarrhea", "breathing"}
HELP = {"medicine", "groceries", "health", "company", "errand", "cleaning", "repair"}
METHODS = {"spray", "wipe", "fumigate", "other"}
_HOUSEHOLD_FIELDS = {"address", "name", "persons", "temperature", "symptoms", "test", "abnormal"}
_FIELDS_OF = {
    "checkin": {"address", "name", "persons", "temperature", "symptoms", "test", "abnormal", "phone", "others"},
    "order": {"address", "name", "items", "urgent", "phone"},
    "returnee": {"address", "name", "origin", "arrival", "transport", "test", "id_last4", "phone"},
    "visit": {"address", "name", "help", "concern", "date"},
    "disinfection": {"place", "method", "agent", "operator", "date"},
    "zero": set(),
    "other": set(),
}
_ADDRESS_PART = re.compile(r"[0-9]+|[A-Z]")


def contract_errors(obj: object) -> list[str]:
    """What is wrong with *obj* as a contract object; empty when it is valid."""
    if not isinstance(obj, dict):
        return ["not an object"]
    kind = obj.get("kind")
    if kind not in KINDS:
        return [f"bad kind {kind!r}"]
    errors = []
    for key, value in obj.items():
        if key == "kind" or key.startswith("x_") or value is None:
            continue
        if key not in _FIELDS_OF[kind]:
            errors.append(f"{key} not allowed for {kind}")
            continue
        check = _CHECKS[key]
        if not check(value):
            errors.append(f"bad {key}: {value!r}")
    return errors


def _is_address(v: object) -> bool:
    return (
        isinstance(v, dict)
        and bool(v)
        and set(v) <= {"building", "unit", "room", "group", "number"}
        and all(isinstance(x, str) and _ADDRESS_PART.fullmatch(x) for x in v.values())
    )


def _is_text(v: object) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_item(v: object) -> bool:
    if not isinstance(v, dict) or not isinstance(v.get("name"), str) or not v["name"]:
        return False
    if set(v) - {"name", "qty", "unit"}:
        return False
    return ("qty" not in v or _is_number(v["qty"])) and ("unit" not in v or isinstance(v["unit"], str))


_CHECKS: dict[str, Callable[[object], bool]] = {
    "address": _is_address,
    "name": lambda v: isinstance(v, str) and 2 <= len(v) <= 4,
    "persons": lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
    "temperature": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 34 <= v <= 43,
    "symptoms": lambda v: isinstance(v, list) and set(v) <= SYMPTOMS and len(set(v)) == len(v),
    "test": lambda v: (
        isinstance(v, dict)
        and v.get("type") in {"pcr", "antigen"}
        and v.get("result") in {"negative", "positive", "done", "pending"}
    ),
    "abnormal": lambda v: isinstance(v, bool),
    "items": lambda v: isinstance(v, list) and all(_is_item(i) for i in v),
    "urgent": lambda v: isinstance(v, bool),
    "phone": lambda v: isinstance(v, str) and re.fullmatch(r"1[3-9][0-9]{9}", v) is not None,
    "origin": lambda v: isinstance(v, str) and bool(v),
    "arrival": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
    "transport": lambda v: (
        isinstance(v, dict)
        and v.get("mode") in {"train", "flight", "car", "bus", "other"}
        and set(v) <= {"mode", "number"}
    ),
    "id_last4": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9]{3}[0-9X]", v) is not None,
    "others": lambda v: isinstance(v, list) and bool(v) and all(_is_household(h) for h in v),
    "help": lambda v: isinstance(v, list) and bool(v) and set(v) <= HELP and len(set(v)) == len(v),
    "concern": lambda v: v is True,
    "place": _is_text,
    "method": lambda v: v in METHODS,
    "agent": _is_text,
    "operator": lambda v: isinstance(v, str) and 2 <= len(v) <= 4,
    "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
}


def _is_household(v: object) -> bool:
    """One of ``others``: the check-in fields of a household, each valid as at the top level, and
    the bot's own ``x_`` flags (``x_correction``: that household's values correct the day's)."""
    if not isinstance(v, dict):
        return False
    fields = {key: value for key, value in v.items() if not key.startswith("x_")}
    return set(fields) <= _HOUSEHOLD_FIELDS and all(
        _CHECKS[key](value) for key, value in fields.items() if value is not None
    )
