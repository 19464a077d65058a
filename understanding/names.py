"""Personal names, found from context, never guessed from arbitrary words.

A name is looked for only where the message puts one: after a label (姓名：, 户主：, 居民), after
a self-introduction (我是, 我叫) or a family word (我儿子, 我女婿叫), after a report verb
(报备 张三), right before or after the address (张三 3-2-501, 33-2-1402薛梅), or as a message's
first or last word on its own.  The text there is segmented with jieba; the candidate is its
first (or last) word, joined with the next when jieba split a surname from the given name
(胡/建华, 诸葛/明), and must be two to four Chinese characters starting with a surname.  Where the
context is weaker (next to an address, alone), the word must also be one jieba does not know as
an ordinary word: either unknown to its dictionary (found by its HMM) or tagged as a name there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib import resources

from understanding import segment
from understanding.health import mentions_symptom
from understanding.lexicon import domain_words, words_tagged
from understanding.quantities import quantities_in, quantity_in
from understanding.scan import MASK, Scan

_HAN = re.compile(r"[\u4e00-\u9fff]{2,4}")
# A region ends at whatever cannot be part of a name.
_REGION_END = re.compile(rf"[^\u4e00-\u9fff]|{MASK}")
_REGION_CHARS = 10
# Words that follow a name in run-on messages; jieba's HMM tends to glue their first character
# onto an unknown name (钟兰报/到), so a region is cut before them.
_AFTER_NAME = re.compile(
    r"报到|打卡|报平安|今天|今日|今早|昨天|昨晚|前天|明天|后天|下周|上周|本周|体温|测温|量了|全家|一家|家里|家中|在家|"
    r"老伴|我们|从|住|的|说|聊|帮|电话|手机|身份证|报备|回来|坐|乘|开车|自驾|已经|核酸|抗原|发烧|发热|咳|要|买|需要|想|订|家"
)
_BUY_VERB = re.compile(r"\s?(?:要|买|需要|订|来|急需|想要|帮忙买|帮买)")
_SEPARATOR = re.compile(rf"[\s,.;:!?()\[\]<>\"'/{MASK}]")  # what a name may stand between
_LEAD_GAP = re.compile(r"[\s:()的]{0,3}")
_READ_RUN = re.compile(rf"[\s{MASK}]{{0,12}}")  # claimed figures (a reading, a headcount) and spaces
# What stands between a name and the address after it: 张三 住3-2-501, 李秀梅家(…), …送到3-2-501.
_TRAIL_GAP = re.compile(r"[\s:()]{0,2}(?:送到|送至|送去|住在|家住|家在|地址是|家是|住|家|在)?[\s:()]{0,3}$")
# In a strong context a dictionary word is still a name unless it is a very common word (明天).
_COMMON_IN_STRONG = 3000
# A dictionary word is an everyday word, not a name, from this frequency on (jieba's counts)…
_RARE_WORD = 200
# …and so is a word jieba tags as a name (its tags are loose: 谢谢, 文明) from this one on.
_COMMON_NAME_WORD = 500
_TRAILING_NOT_NAME = ("家", "的", "说", "报到", "打卡")
# Common surnames that jieba's dictionary knows as function words (莫, 何, 曾 …): alone before a
# word between separators (莫|英勇) they still start a name, unlike 都|挺好.
_SURNAMES_JIEBA_CALLS_FUNCTION_WORDS = frozenset("于何曾向莫常尚")
# Adverbs that begin a resident's "all fine" (都挺好, 也还行, 还可以) and, in practice, no name.
_ADVERBS = frozenset("都也还就挺很蛮没不才又再均")
# A surname with a form of address (方大姐, 王师傅) names nobody in particular: not a name.
_TITLES = ("大姐", "大哥", "大爷", "大妈", "大娘", "阿姨", "师傅", "老师", "奶奶", "爷爷", "叔叔", "婶", "姐", "哥",
           "叔", "伯", "嫂", "老太", "老头", "老板", "总", "主任", "书记", "大夫", "医生", "老汉", "婆婆", "公公",
           "老爷子", "老太太", "二婶", "大婶")  # fmt: skip


class Role(IntEnum):
    """Who the context says the name belongs to (order = precedence)."""

    SUBJECT = 0  # 姓名：/ 居民 / 报备 X: the person the message is about
    RELATIVE = 1  # 我儿子X: a family member (a returnee's name)
    SELF = 2  # 我是X / 我叫X: the writer
    NEAR_ADDRESS = 3  # next to the household's address
    ALONE = 4  # the message's first or last word on its own


_STRONG = (Role.SUBJECT, Role.RELATIVE, Role.SELF)
# The person a record is about when the writer is a worker (a visit): never the writer, never a
# word standing alone (志愿者黄磊 …).
NAMED_TARGET_ROLES = frozenset({Role.SUBJECT, Role.NEAR_ADDRESS})
_SUBJECT_CUE = re.compile(
    r"(?:姓名|名字|户主|业主|住户|居民|租户|返乡人员|返津人员|返京人员|外来人员|人员|本人|联系人|报告人|"
    r"报备|报平安|打卡|登记)[\s:]{0,2}"
)
_SELF_CUE = re.compile(r"(?:我是|我叫|俺是|俺叫|本人是)")
# The person reported on for someone else (帮对门的严桂珍报一下) and the person a visit is for
# (低保户 焦德海, 独居老人彭玉珍): their names follow these words.
_ON_BEHALF_CUE = re.compile(
    r"(?:(?:帮|替|给)(?:对门|隔壁|楼上|楼下|邻居|对面|邻居家)(?:家)?(?:的)?"
    r"|低保户|五保户|独居老人|空巢老人|孤寡老人|留守老人|困难户|特困户|残疾人|独居的|孤老|老人)[\s:]{0,2}"
)
# Who sends a report for others (楼栋长孙立强代报, 联户长报两家): never the household's name.
_REPORTER = re.compile(
    r"(?:(?:联户长|楼栋长|单元长|网格员|网格长|志愿者|组长|邻居)[\u4e00-\u9fff]{0,4}?)?"
    r"(?:代报|帮报|代为上报|代填|代发|报两家|报三家|报几家)"
    r"|(?:联户长|楼栋长|单元长|网格员|网格长)(?:[\u4e00-\u9fff]{2,3}(?=[\s:]))?"
)
# A name given again after a correction (名字打错了 不是林晓 是林晓东): the new one.
_CORRECTED_CUE = re.compile(
    r"(?:名字|姓名|名)(?:打错了?|写错了?|说错了?|报错了?|弄错了?|错了|不对)[\s,]{0,2}(?:不是[\u4e00-\u9fff]{2,4}[\s,]{0,2})?"
    r"(?:应该是|是|叫)|不是[\u4e00-\u9fff]{2,4}[\s,]{0,2}(?:应该是|是|叫)(?=[\u4e00-\u9fff]{2,4}(?:[\s,.]|$))"
    # 李敏 不对 是李明 36.6: a name, the cue, then the name that replaces it.
    r"|(?:不对|打错了|写错了|说错了)[\s,]{0,2}(?:应该是|是|叫)(?=[\u4e00-\u9fff]{2,3}(?:[\s,.\d]|$))"
)
_CORRECTED_HINT = re.compile("错|不对|不是")
# A place named next to the address (东湾村七组4号, 阳光花园3-2-501) is no person; even after a strong
# cue (报备 东湾村七组4号) one of three characters or more is none.
_PLACE_WORD = re.compile(r"(?:村|庄|屯|镇|乡|寨|社区|小区|花园|家园|苑|大院|新村|街道|公寓)$")
_REPORTER_HINT = re.compile("代|帮报|报[两三几]家|户长|栋长|元长|网格")
# Words that stand where a name may be but are the act of reporting for someone else.
_NOT_NAMES = frozenset(
    {
        "代报",
        "帮报",
        "代发",
        "代填",
        "帮忙",
        "帮发",
        "全楼",
        "全栋",
        "全组",
        "全村",
        "全体",
        "全部",
        "全家",
        "全户",
        "莫得事",
        "莫得",
        "莫事",
        "冒得事",
        "冒得",
        "冇事",
    }
)


@cache
def _kin_cue() -> re.Pattern[str]:
    kin = "|".join(words_tagged("kin"))
    return re.compile(rf"(?:{kin})(?:叫|是|名叫|名字叫)?")


@cache
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    text = resources.files("understanding.data").joinpath("surnames.txt").read_text("utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) == 2)


@dataclass(frozen=True, slots=True)
class NameMatch:
    name: str
    role: Role
    start: int
    end: int


def _has_surname(word: str) -> bool:
    single, compound = _surnames()
    return (word[:2] in compound and len(word) >= 3) or word[0] in single


def _plausible(word: str, role: Role, merged: bool, isolated: bool) -> bool:
    """Whether *word*, found where *role* says a name may be, is one.

    Residents' names are often ordinary words too (田野, 江山, 柳青), so a dictionary word is
    refused only as far as the context is weak: a strong cue (姓名：, 报备) admits all but very
    common words; a word standing alone next to the address admits rarer words; a word run
    together with other text must be one jieba does not know, or knows as a name.
    """
    if not _HAN.fullmatch(word) or not _has_surname(word) or word in domain_words() or word.endswith(_TITLES):
        return False
    if word in _NOT_NAMES or ((role not in _STRONG or len(word) > 2) and _PLACE_WORD.search(word)):
        return False
    if role not in _STRONG and word[0] in _ADVERBS:
        return False  # 都挺好, 也还行, 还可以: where the context is weak, a reply, not a name
    if quantity_in(word) or mentions_symptom(word):  # 段一袋 (带鱼段 and its amount), 干咳
        return False
    lex = segment.lexicon()
    freq = lex.freq.get(word, 0)
    if role in _STRONG:
        return freq < _COMMON_IN_STRONG
    if merged or freq == 0:  # jieba's HMM or our surname join made it: not an ordinary word
        return True
    if isolated:  # standing alone next to the address: a name unless it is an everyday word…
        # …though a word jieba also knows as a name (黎明, 宁静, 向阳) is one there.
        return not _ordinary(word) or (word in lex.names and freq < _COMMON_IN_STRONG)
    return word in lex.names and freq < _COMMON_NAME_WORD


def _join(tokens: list[str]) -> tuple[str, bool]:
    """The name at the start of *tokens*, mending the ways jieba's HMM cuts unknown names.

    It splits a surname from the given name (胡/建华, 诸葛/明), cuts a three-character name
    after two (唐娜/佳), or glues the next word's first character on (钟兰报/到).  Returns the
    name and whether it was mended (so it is no dictionary word).
    """
    lex = segment.lexicon()
    single, compound = _surnames()
    first = tokens[0]
    following = tokens[1] if len(tokens) > 1 else ""
    surname = first in compound or (first in single and first not in lex.function_chars)
    if surname and 1 <= len(following) <= 2 and following not in _TRAILING_NOT_NAME:
        return first + following, True
    if (
        len(first) == 2
        and first[0] in single
        and lex.freq.get(first, 0) < _RARE_WORD
        and len(following) == 1
        and following not in lex.function_chars
        and following not in lex.verb_chars
        and following not in _TRAILING_NOT_NAME
    ):
        return first + following, True
    if len(first) >= 3 and following and lex.freq.get(first[-1] + following, 0) >= _RARE_WORD:
        return first[:-1], True
    return first, False


def _strip(word: str) -> str:
    for tail in _TRAILING_NOT_NAME:
        if word.endswith(tail) and len(word) - len(tail) >= 2:
            return word[: -len(tail)]
    return word


def _ordinary(word: str) -> bool:
    """A word residents use for something else than naming a person (全家, 挺好, 柴油)."""
    if word in domain_words():
        return True
    lex = segment.lexicon()
    return lex.freq.get(word, 0) >= (_COMMON_NAME_WORD if word in lex.names else _RARE_WORD)


def _words(region: str, closed: bool) -> list[str]:
    """jieba's words of *region*, except that a name standing alone between separators is whole.

    jieba's HMM splits unknown three-character names in odd places (陶静/有, 朱有/才): a
    closed region of three characters (four with a compound surname) that starts with a
    surname and holds no ordinary word is one name; two characters are one word anyway.
    """
    if closed and len(region) == 2:
        return [region]
    if (
        closed
        and len(region) == 3
        and _has_surname(region)
        and region[:2] not in domain_words()
        and not _ordinary(region[1:])
        and region not in segment.lexicon().freq
    ):
        return [region]  # whatever jieba's cut, the rule below would keep it whole: skip the cut
    words = segment.cut(region)
    if (
        closed
        and len(words) > 1
        and (len(region) == 3 or (len(region) == 4 and region[:2] in _surnames()[1]))
        and _has_surname(region)
        and words[0] not in domain_words()
        and (
            not any(_ordinary(w) for w in words[1:] if len(w) >= 2)
            or (len(words) == 2 and words[0] in _SURNAMES_JIEBA_CALLS_FUNCTION_WORDS)
        )
    ):
        return [region]
    return words


def _names_goods(text: str, pos: int) -> bool:
    """Whether the word ending at *pos* begins goods with an amount (柴油5升, 黄桃|罐头一盒).

    Only a verb between them (张三要两斤鸡蛋) shows that the word before was the buyer.
    """
    stop = _SEPARATOR.search(text, pos)
    amount = quantity_in(text, pos, stop.start() if stop else len(text))
    return amount is not None and _BUY_VERB.match(text, pos, amount.start()) is None


def _after_amount(text: str, pos: int) -> bool:
    """Whether the word starting at *pos* follows an amount (三斤|蒲地蓝) or is inside one (3|包海苔)."""
    return any(m.start() < pos <= m.end() for m in quantities_in(text, max(0, pos - 8), pos + 2))


def _forward(scan: Scan, pos: int, role: Role, past_place: bool = True) -> NameMatch | None:
    """The name starting at *pos* (after a gap); a place standing there first (报备 西柳村 王建业) is
    stepped over once when *past_place*."""
    text = scan.masked
    gap = _LEAD_GAP.match(text, pos)
    start = gap.end() if gap else pos
    if _AFTER_NAME.match(text, start):  # 孙子从石家庄…: the cue is followed by no name (not 从石)
        return None
    stop = _REGION_END.search(text, start, start + _REGION_CHARS)
    end = stop.start() if stop else min(len(text), start + _REGION_CHARS)
    closed = end == len(text) or _SEPARATOR.match(text, end) is not None
    follow = _AFTER_NAME.search(text, start + 2, min(end, start + 5))
    if follow is not None:  # 黄志刚报到, 包文杰今天上午…: the name ends where these words begin
        end, closed = follow.start(), True
    region = text[start:end]
    if len(region) < 2:
        return None
    word, merged = _join(_words(region, closed))
    word = _strip(word)
    if past_place and word == region and len(word) > 2 and _PLACE_WORD.search(word):
        return _forward(scan, end, role, past_place=False)
    if _names_goods(text, start + len(word)):
        return None
    if _plausible(word, role, merged, isolated=word == region):
        return NameMatch(word, role, start, start + len(word))
    return None


def _backward(scan: Scan, pos: int, role: Role) -> NameMatch | None:
    text = scan.masked
    gap = _TRAIL_GAP.search(text, max(0, pos - 8), pos)
    end = gap.start() if gap else pos
    lo = max(0, end - _REGION_CHARS)
    region = text[lo:end]
    cut = max((m.end() for m in _REGION_END.finditer(region)), default=0)
    region = region[cut:]
    if len(region) < 2:
        return None
    start = end - len(region)
    tokens = _words(region, closed=start == 0 or _SEPARATOR.match(text, start - 1) is not None)
    word, merged = tokens[-1], False
    if len(tokens) > 1:
        joined, merged = _join(tokens[-2:])
        word = joined if merged else word
    word = _strip(word)
    if _after_amount(text, end - len(word)):
        return None
    if _plausible(word, role, merged, isolated=word == region):
        return NameMatch(word, role, end - len(word), end)
    return None


def _alone(scan: Scan) -> NameMatch | None:
    """The first or last whitespace-separated word of the message, if it is a name by itself."""
    # Words wholly understood already (a date, a reading: 11月20号 李建华 …) stand before no name.
    words = [m for m in re.finditer(r"[^\s,.;:!?()]+", scan.masked) if m.group().strip(MASK)]
    for m in (words[:1] + words[-1:]) if words else []:
        if 2 <= len(m.group()) <= 4:
            found = _forward(scan, m.start(), Role.ALONE)
            if found and found.end == m.end():
                return found
    return None


def find_name(scan: Scan, address_span: tuple[int, int] | None, roles: frozenset[Role]) -> NameMatch | None:
    """The name the strongest context points at (the first one, among equals), of one of *roles*.

    Contexts are tried strongest first and the search stops at the first name: segmenting is
    the costly part of parsing, so text that cannot change the answer is not segmented.
    """
    cues = (
        (_CORRECTED_CUE, Role.SUBJECT, _CORRECTED_HINT),
        (_SUBJECT_CUE, Role.SUBJECT, None),
        (_ON_BEHALF_CUE, Role.SUBJECT, None),
        (_kin_cue(), Role.RELATIVE, None),
        (_SELF_CUE, Role.SELF, None),
    )
    for cue, role, hint in cues:
        if role in roles:
            for m in scan.finditer(cue, hint):
                if name := _forward(scan, m.end(), role):
                    return name
    if address_span is not None and Role.NEAR_ADDRESS in roles:
        before = _backward(scan, address_span[0], Role.NEAR_ADDRESS)
        if name := before or _forward(scan, address_span[1], Role.NEAR_ADDRESS):
            return name
        # A reading run on between the address and the name (五零一三十六度五张丽): past it.
        after = _READ_RUN.match(scan.masked, address_span[1])
        if (
            after is not None
            and after.end() > address_span[1]
            and (name := _forward(scan, after.end(), Role.NEAR_ADDRESS))
        ):
            return name
    return _alone(scan) if Role.ALONE in roles else None


def name_after(scan: Scan, pos: int) -> NameMatch | None:
    """The name right after *pos*, where a label puts one (操作人：吕德华)."""
    return _forward(scan, pos, Role.SUBJECT)


def claim_reporter(scan: Scan) -> None:
    """Claim who reports for others (楼栋长孙立强代报), so the reporter is not the household named."""
    for m in scan.finditer(_REPORTER, _REPORTER_HINT):
        scan.claim(*m.span())


def has_relative_subject(scan: Scan) -> bool:
    """Whether the message reports on a family member or another person (我闺女…, 我家老大…)."""
    return _kin_cue().search(scan.masked) is not None
