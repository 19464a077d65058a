"""Text normalisation: one canonical form that every extractor works on.

Residents type full-width digits, traditional characters, emoji, control characters and IME
slips.  Everything downstream is simpler (and its regexes linear) when it sees ASCII digits and
upper-case Latin letters, simplified Chinese, single spaces and a small set of punctuation.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_converter_lock = threading.Lock()
_converter: _Converter | None = None


def _t2s() -> _Converter:
    """OpenCC's traditional→simplified converter, created once (it is thread-safe to use)."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


# Control and format characters, variation selectors, private use, lone surrogates, emoji and
# pictographs: none carries meaning for the parser, and each would split a token if kept.
_NOISE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf\u2b00-\u2bff\ufe00-\ufe0f\ufeff"
    "\ud800-\udfff\ue000-\uf8ff\U0001f000-\U0001faff\U000e0000-\U000e007f]"
)
# An emoji cross by a symptom denies it (❌咳嗽, 咳嗽❌): written as 无 before the noise goes.
_CROSS = re.compile("[\u274c\u274e\u2716\u2717\u2718\u26d4\U0001f6ab\U0001f645]\ufe0f?")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r" ?\n[ \n]*")

# IME slips residents make all the time, read as what they mean (contract: 核算, 抗元 …).
_TYPOS = {
    "核算": "核酸",
    "合酸": "核酸",
    "抗元": "抗原",
    "抗源": "抗原",
    "体问": "体温",
    "体稳": "体温",
    "症壮": "症状",
    "症撞": "症状",
    "咳簌": "咳嗽",
    "咳漱": "咳嗽",
    "阳姓": "阳性",
    "阴姓": "阴性",
    "发骚": "发烧",
    "°C": "度",
    "°": "度",
    "℃": "度",
    "摄氏度": "度",
    "体文": "体温",
    "提文": "体温",
    "因性": "阴性",
    "音性": "阴性",
    "河酸": "核酸",
    "康原": "抗原",
    "以做": "已做",
    "以采": "已采",
    "以测": "已测",
    "以经": "已经",
    "以打": "已打",
    "八四消毒": "84消毒",
    "一条杆": "一条杠",
    "两条杆": "两条杠",
    "一道杆": "一道杠",
    "两道杆": "两道杠",
}
_TYPO_RE = re.compile("|".join(sorted(map(re.escape, _TYPOS), key=len, reverse=True)))

# Punctuation that NFKC leaves alone but that means the same as its ASCII counterpart.
_PUNCT = {"。": ".", "、": ",", "；": ";", "～": "~", "—": "-", "–": "-", "－": "-", "【": "[", "】": "]",
          "《": "<", "》": ">", "“": '"', "”": '"', "‘": "'", "’": "'", "…": ".", "•": "·", "・": "·"}  # fmt: skip
_PUNCT_RE = re.compile("[" + "".join(_PUNCT) + "]")


# Voice-to-text and spelled-out writing (contract: Writing styles).
_CN_DIGIT = "零〇一二三四五六七八九幺"
_CN_DIGIT_VALUE = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "幺": "1"}
# A phone spoken digit by digit (一三八…, 幺五九…), possibly in groups: eleven digits, some Chinese.
_SPOKEN_PHONE = re.compile(rf"(?<![{_CN_DIGIT}\d])[{_CN_DIGIT}\d](?:[ -]?[{_CN_DIGIT}\d]){{10}}(?![{_CN_DIGIT}\d])")
_SPOKEN_DIGIT_HINT = re.compile(f"[{_CN_DIGIT}]{{3}}")
# 五杠一杠三零二: numbers joined by a spoken dash are a dashed address (5-1-302), not 一道杠.
_NUMBER = rf"[{_CN_DIGIT}两十\d]{{1,5}}"
# The room, last, is read digit by digit and stops where a run-on reading begins (三零二三十六度五).
_SPOKEN_ROOM = rf"[{_CN_DIGIT}\d]{{3,4}}(?![十点度口人个])"
_SPOKEN_DASHES = re.compile(
    rf"(?<![道条{_CN_DIGIT}两十\d]){_NUMBER}(?:杠{_NUMBER})?杠(?:{_SPOKEN_ROOM}|{_NUMBER}(?![道条]))"
)
# A room number run on into a reading (5-1-30236.5, 2单元50136度5): a space between them.
_GLUED_READING = re.compile(r"(?<=[-元座#])(\d{3,4}?)(3[4-9](?:\.\d|度\d?)(?!\d))")
# A drug named in brackets after its class (降糖药(二甲双胍缓释片)) is the drug. The class is one
# or two characters before 药 (or a named illness's), so the words before it stay (急需降压药(…)).
_DRUG_IN_BRACKETS = re.compile(
    r"(?:心脏病|糖尿病|高血压|慢性病|[\u4e00-\u9fff]{1,2})?药\s?\((?P<drug>[\u4e00-\u9fffA-Z0-9]{2,16})\)"
)


def _spoken_phone(m: re.Match[str]) -> str:
    digits = "".join(_CN_DIGIT_VALUE.get(c, c) for c in m.group() if c not in " -")
    spoken = any(c in _CN_DIGIT_VALUE for c in m.group())
    return digits if spoken and re.fullmatch(r"1[3-9]\d{9}", digits) else m.group()


def _spoken_dashes(m: re.Match[str]) -> str:
    from understanding.numerals import to_digits

    parts = [to_digits(part) for part in m.group().split("杠")]
    return m.group() if None in parts else "-".join(p for p in parts if p is not None)


def _unspaced(text: str) -> str:
    """5 栋 1 0 2 王 桂 兰: a message typed with a space after every character, read as typed normally.

    Wider gaps (two spaces or more) still separate words.
    """
    tokens = text.split()
    if len(tokens) < 6 or sum(len(t) == 1 for t in tokens) < 0.75 * len(tokens):
        return text
    return " ".join(part.replace(" ", "") for part in re.split(r" {2,}|\n", text))


def normalise_text(text: str) -> str:
    """Return the canonical form of *text*.

    NFKC folds full-width digits, letters and punctuation to ASCII; OpenCC maps traditional to
    simplified characters; Latin letters are upper-cased (plates, flight numbers, ``F座``).  The
    ideographic full stop and comma become ``.`` and ``,`` *after* NFKC, so a decimal written as
    ``３６．４`` and one written ``36.4`` look alike.
    """
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: most messages already are
        text = unicodedata.normalize("NFKC", text)
    text = _NOISE.sub(" ", _CROSS.sub("无", text)).replace("\r\n", "\n").replace("\r", "\n")
    text = _PUNCT_RE.sub(lambda m: _PUNCT[m.group()], _t2s().convert(text)).upper()
    text = _unspaced(_TYPO_RE.sub(lambda m: _TYPOS[m.group()], text))
    text = _BLANK_LINES.sub("\n", _SPACES.sub(" ", text))
    if _SPOKEN_DIGIT_HINT.search(text):
        text = _SPOKEN_PHONE.sub(_spoken_phone, text)
    if "杠" in text:
        text = _SPOKEN_DASHES.sub(_spoken_dashes, text)
    text = _GLUED_READING.sub(r"\1 \2", text)
    if "药" in text:
        text = _DRUG_IN_BRACKETS.sub(lambda m: " " + m["drug"], text)
    return text.strip()


def drugs_in_brackets(text: str) -> frozenset[str]:
    """The drugs *text* names in brackets after their class (心脏药(地高辛) → 地高辛): medicines even
    when the parser knows neither their name nor its form, though normalising drops the class."""
    if "药" not in text:
        return frozenset()
    return frozenset(m["drug"] for m in _DRUG_IN_BRACKETS.finditer(unicodedata.normalize("NFKC", text).upper()))
