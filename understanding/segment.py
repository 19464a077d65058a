"""Word segmentation with jieba and gridbot's domain dictionary, loaded fast and quietly.

jieba is imported lazily (``gridbot parse`` must start fast) and without ``pkg_resources``: jieba
0.42 imports it only to open its bundled files and falls back to a plain ``open`` without it,
which avoids both the slow import and setuptools' deprecation warning (and in setuptools ≥ 81,
where ``pkg_resources`` is gone, it is what jieba does anyway).

jieba's own start-up builds a prefix dictionary from ``dict.txt`` and caches it with marshal in
the system temp dir; adding a user dictionary word by word on top costs more on every start.  We
instead build one combined prefix dictionary (jieba's words + ``data/userdict.txt``) together
with the part-of-speech tags we need, and cache it with pickle in the user cache dir
(``$GRIDBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/gridbot``, else ``~/.cache/gridbot``), keyed
by a hash of both inputs.  Later starts load that one file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from understanding.lexicon import domain_words

log = logging.getLogger(__name__)

# Frequency given to domain words: enough for jieba to keep them whole against any split into
# common words, small enough not to swallow a neighbouring word's characters.
_USER_WORD_FREQ = 3000
_NAME_TAGS = frozenset({"nr"})
# Single characters jieba knows mainly as function words (从, 和, 向 …): many are also
# surnames, but one of them followed by a word is seldom a name (从贵州, 和平).
_FUNCTION_TAGS = frozenset({"p", "c", "d", "r", "u", "uj", "ul", "uz", "ug", "uv", "ud", "y", "f", "t"})
_VERB_TAGS = frozenset({"v", "vn", "q", "m", "zg"})
_CACHE_VERSION = "4"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What the parser looks up in jieba's dictionary besides segmenting."""

    names: frozenset[str]  # words jieba's dictionary tags as person names (nr)
    function_chars: frozenset[str]  # single characters tagged as function words (从, 和, 在)
    verb_chars: frozenset[str]  # single characters tagged as verbs or measure words (住, 报, 个)
    freq: dict[str, int]  # the prefix dictionary: word → frequency (0 for bare prefixes)
    total: int


_lock = threading.Lock()
_state: tuple[Any, Lexicon] | None = None


def _import_jieba() -> Any:
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes the import fail fast
    try:
        # jieba's sources hold regexes like "\." in plain strings: compiling them (when no .pyc
        # was written, e.g. a read-only install) warns, which must not reach the user.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


def cache_dir() -> Path:
    explicit = os.environ.get("GRIDBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gridbot"


def _build(jieba_dict: Path, user: list[str]) -> Lexicon:
    freq: dict[str, int] = {}
    names: set[str] = set()
    function_chars: set[str] = set()
    verb_chars: set[str] = set()
    total = 0
    with jieba_dict.open(encoding="utf-8") as f:
        for line in f:
            word, count, *tags = line.split()
            freq[word] = int(count)
            total += int(count)
            if tags and tags[0] in _NAME_TAGS:
                names.add(word)
            elif tags and len(word) == 1 and tags[0] in _FUNCTION_TAGS:
                function_chars.add(word)
            elif tags and len(word) == 1 and tags[0] in _VERB_TAGS:
                verb_chars.add(word)
    for word in user:
        names.discard(word)
        old = freq.get(word, 0)
        freq[word] = max(old, _USER_WORD_FREQ)
        total += freq[word] - old
    for word in list(freq):  # jieba's DAG walks prefixes: every prefix must be a key
        for end in range(1, len(word)):
            freq.setdefault(word[:end], 0)
    return Lexicon(
        names=frozenset(names),
        function_chars=frozenset(function_chars),
        verb_chars=frozenset(verb_chars),
        freq=freq,
        total=total,
    )


def _load() -> tuple[Any, Lexicon]:
    jieba = _import_jieba()
    jieba_dict = Path(jieba.__file__).with_name("dict.txt")
    user = sorted(domain_words())
    digest = hashlib.sha1(
        f"{_CACHE_VERSION}|{__name__}|{jieba.__version__}|{jieba_dict.stat().st_size}|{user}".encode()
    ).hexdigest()[:16]
    cache = cache_dir() / f"jieba-lexicon-{digest}.pickle"
    lexicon: Lexicon | None = None
    try:
        with cache.open("rb") as f:
            lexicon = pickle.load(f)
    except Exception:  # any unreadable cache (another version, a moved module) is rebuilt, never fatal
        lexicon = None
    if not isinstance(lexicon, Lexicon):
        lexicon = _build(jieba_dict, user)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(lexicon, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError as exc:  # a read-only home still parses, it just starts slower
            log.info("cannot cache the segmentation dictionary in %s: %s", cache.parent, exc)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = lexicon.freq, lexicon.total
    tokenizer.initialized = True
    return tokenizer, lexicon


def _loaded() -> tuple[Any, Lexicon]:
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _load()
    return _state


def lexicon() -> Lexicon:
    return _loaded()[1]


def cut(text: str) -> list[str]:
    """jieba's accurate mode with HMM (finds unknown names such as 霍思远)."""
    tokenizer = _loaded()[0]
    return list(tokenizer.cut(text, HMM=True))
