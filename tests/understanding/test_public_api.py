"""The parser's public face: code outside ``understanding/`` imports only the package itself, so
the parser's modules can change without touching the services (tests of the parser may look inside)."""

from __future__ import annotations

import ast
from pathlib import Path

import understanding

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "storage", "services", "schedules", "handlers", "bot", "sandbox", "demo", "benchmarks", "tests")


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_only_the_package_is_imported_from_outside() -> None:
    inside = ROOT / "tests" / "understanding"
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if inside not in path.parents
        for name in _imported_modules(path)
        if name.startswith("understanding.")
    }
    assert not offenders, sorted(offenders)


def test_the_public_names_are_there() -> None:
    assert set(understanding.__all__) <= set(dir(understanding))
