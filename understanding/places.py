"""Where a returnee comes from, named with China's administrative divisions.

The gazetteer (``data/gazetteer.tsv``: provinces, prefecture cities, districts and counties with
their short forms; see ``data/derive_data.py`` for its source) is matched greedily along the
text.  Consecutive names that nest (吉林 → 四平, 北京 → 朝阳) form a chain, which disambiguates
short forms (朝阳 under 北京 is 朝阳区, not 辽宁's 朝阳市).  The origin is the chain written as
full names of the levels the message names (上海浦东 → 上海市浦东新区, 邯郸 → 邯郸市); no
parent is added that was not written.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib import resources

from understanding.scan import MAX_MATCHES, Scan


@dataclass(frozen=True, slots=True)
class Division:
    id: int
    parent: int
    level: int  # 0 country, 1 province, 2 prefecture, 3 county/district
    full: str
    short: str


@dataclass(frozen=True, slots=True)
class Gazetteer:
    divisions: dict[int, Division]
    by_name: dict[str, tuple[Division, ...]]  # every full and short name → its divisions
    by_prefix: dict[str, tuple[str, ...]]  # first two characters → names, longest first

    def is_within(self, child: Division, ancestor: Division) -> bool:
        parent = child.parent
        while parent:
            if parent == ancestor.id:
                return True
            parent = self.divisions[parent].parent
        return False


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def _load() -> Gazetteer:
    text = resources.files("understanding.data").joinpath("gazetteer.tsv").read_text("utf-8")
    divisions: dict[int, Division] = {}
    by_name: dict[str, list[Division]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        row_id, parent, level, full, short = line.split("\t")
        division = Division(int(row_id), int(parent), int(level), full, short)
        divisions[division.id] = division
        for name in {full, short}:
            if len(name) >= 2:
                by_name.setdefault(name, []).append(division)
    by_prefix: dict[str, list[str]] = {}
    for name in by_name:
        by_prefix.setdefault(name[:2], []).append(name)
    return Gazetteer(
        divisions,
        {name: tuple(sorted(found, key=lambda d: d.level)) for name, found in by_name.items()},
        {prefix: tuple(sorted(names, key=len, reverse=True)) for prefix, names in by_prefix.items()},
    )


def gazetteer() -> Gazetteer:
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = _load()
    return _gazetteer


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # full names of the levels written, e.g. 北京市朝阳区
    start: int
    end: int
    levels: int
    cued: bool  # introduced by 从 / 来自 / 出发地


_ORIGIN_CUE = re.compile(r"(?:从|自|来自|出发地|始发地|来源地|出发|返程地|由)[\s:]{0,2}$")
_CHAIN_GAP = re.compile(r"[\s,]?")
# Counties' short forms are often everyday words (和平, 城区, 从江), and so are some countries'
# names (黑山, 多哥): alone, they count only where the message says a place comes (从…).
_MIN_UNCUED_LEVEL = 2


def _names_at(text: str, pos: int, gaz: Gazetteer) -> list[str]:
    return [name for name in gaz.by_prefix.get(text[pos : pos + 2], ()) if text.startswith(name, pos)]


def _chain_at(text: str, pos: int, gaz: Gazetteer) -> tuple[list[Division], int] | None:
    """The longest nesting chain of division names starting at *pos*, and where it ends."""
    chain: list[Division] = []
    while pos < len(text):
        choices: list[tuple[Division, int]] = []
        for name in _names_at(text, pos, gaz):  # longest name first
            options = gaz.by_name[name]
            if chain:
                options = tuple(d for d in options if gaz.is_within(d, chain[-1]))
            if options:
                choices.append((options[0], pos + len(name)))  # the highest level fits a bare name best
        if not choices:
            break
        # The longest name, unless a shorter one lets the chain go on (青岛|市南 rather than 青岛市|南).
        choice = next((c for c in choices if _continues(text, c, gaz)), choices[0])
        chain.append(choice[0])
        pos = choice[1]
        gap = _CHAIN_GAP.match(text, pos)
        if gap and gap.end() > pos and not _names_at(text, gap.end(), gaz):
            break
        pos = gap.end() if gap else pos
    return (chain, pos) if chain else None


def _continues(text: str, choice: tuple[Division, int], gaz: Gazetteer) -> bool:
    division, end = choice
    return any(gaz.is_within(d, division) for name in _names_at(text, end, gaz) for d in gaz.by_name[name])


def _render(chain: list[Division]) -> str:
    """Full names of the chain, a municipality written once (北京市 + 北京市 → 北京市)."""
    parts: list[str] = []
    for division in chain:
        if not parts or (division.full not in parts[-1] and parts[-1] not in division.full):
            parts.append(division.full)
    return "".join(parts)


def find_places(scan: Scan) -> list[Place]:
    """Every place chain in the unclaimed text, in text order."""
    gaz = gazetteer()
    text = scan.masked
    places: list[Place] = []
    pos = 0
    while pos < len(text) - 1 and len(places) < MAX_MATCHES:
        found = _chain_at(text, pos, gaz) if text[pos : pos + 2] in gaz.by_prefix else None
        if found is None:
            pos += 1
            continue
        chain, end = found
        cued = _ORIGIN_CUE.search(text, max(0, pos - 5), pos) is not None
        if cued or len(chain) > 1 or 1 <= chain[0].level <= _MIN_UNCUED_LEVEL:
            places.append(Place(_render(chain), pos, end, len(chain), cued))
            pos = end
        else:  # a word that is also a county (从江, 和平): the real place may start inside it
            pos += 1
    return places


def pick_origin(places: list[Place]) -> Place | None:
    """The origin: a place introduced by 从/来自 first, else the most detailed, else the first."""
    if not places:
        return None
    return max(places, key=lambda p: (p.cued, p.levels, -p.start))
