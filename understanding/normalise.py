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


def normalise_text(text: str) -> str:
    """Return the canonical form of *text*.

    NFKC folds full-width digits, letters and punctuation to ASCII; OpenCC maps traditional to
    simplified characters; Latin letters are upper-cased (plates, flight numbers, ``F座``).  The
    ideographic full stop and comma become ``.`` and ``,`` *after* NFKC, so a decimal written as
    ``３６．４`` and one written ``36.4`` look alike.
    """
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: most messages already are
        text = unicodedata.normalize("NFKC", text)
    text = _NOISE.sub(" ", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _PUNCT_RE.sub(lambda m: _PUNCT[m.group()], _t2s().convert(text)).upper()
    text = _TYPO_RE.sub(lambda m: _TYPOS[m.group()], text)
    text = _BLANK_LINES.sub("\n", _SPACES.sub(" ", text))
    return text.strip()
