"""Supply orders: the goods, how many of each, and whether it is urgent.

Each quantity takes its goods' name from the text next to it, before it (大米两袋) or after it
(两袋大米), whichever side the message uses; a stretch of text names one item only.  Names lose
the verbs and fillers around them (帮忙买, 还有, 送到), descriptive words (5升的, 新鲜的) and
nothing else: names that contain numerals stay whole (84消毒液, 一次性手套).  Medicine stated
as running out with no name beside the quantity (格列美脲片吃完了 要两盒) names the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from handlers.understanding.lexicon import domain_words
from handlers.understanding.numerals import as_json_number
from handlers.understanding.quantities import DESCRIPTOR_PREFIX, Quantity, find_quantities
from handlers.understanding.scan import MASK, MAX_MATCHES, Scan

# Where one stretch of text ends: separators, masked (already understood) text, line breaks.
_BOUNDARY = re.compile(rf"[\s,.;:!?()\[\]<>\"'/|~{MASK}]+")
_LEAD = re.compile(
    r"^(?:麻烦|帮忙|帮我们家|帮我家|帮我们|帮我|帮|请|请帮忙|代购|购买|买|我要|我们要|我想要|想要|想买|要|需要|还需要|"
    r"急需|急要|再来|再要|来|还要|另外|还有|再|和|以及|跟|外加|加上|给我|一下|订|下单|购|需求|物资|所需物品|"
    r"今天|明天|家里|我家|我们家|一些|一点|点|些|的)+"
)
# Words that end a goods' name in speech but are not part of it (…还有, …送到, …谢谢).
_TAIL_WORDS = tuple(sorted((
    "还有", "和", "以及", "送到", "送来", "送过来", "送", "谢谢", "麻烦了", "麻烦", "吧", "哦", "啊", "呀", "的",
    "就行", "就好", "即可", "左右", "各", "等等", "等", "要", "需要", "来", "就可以", "可以", "都行", "也行",
), key=len, reverse=True))  # fmt: skip
_GOODS_TAGS = ("goods", "drug")
_PRONOUN = re.compile("我|你|咱|[他她](?:们|家|的|是|说)")  # not the 他 of 阿托伐他汀
_NEAR = 24  # how far back a quantity may look for its goods' name across a separator
_DESCRIPTION = re.compile(r"^.{0,8}的(?=.)")  # 新鲜的猪肉, 5升的花生油, 大一点的
# A name with these is a clause, not goods: 鸡蛋碎了, 心脏不好, 是不是.
_NOT_GOODS = re.compile(r"[了吗呢吧啊没不很太都也还就是过着谁哪啥怎]")
_PEOPLE = re.compile(r"^(?:老人|老头|老太太|老太|老人家|我妈|我爸|家里|孩子|小孩|宝宝|老伴|我们|我|家人)")
_RUNNING_OUT = re.compile(
    rf"(?P<name>[^\s,.;:!?(){MASK}]{{2,14}}?)(?:快|都|已经|马上)?(?:没了|没有了|吃完了|用完了|断了|不够了|见底了|快没|没药)"
)
_DRUG_SUFFIX = re.compile(r"(?:药|片|胶囊|颗粒|丸|散|糖浆|口服液|注射液|滴剂|喷雾|软膏|膏|贴|胰岛素)$")
# 买点饼干: goods without an amount.  After 要点 / 来点 the words must be known goods (要点 is
# also "the main point"); after 买点 / 带点 anything that reads as a name of goods is.
_BUY_CUE = re.compile(r"(?:(?P<buy>买|代购|带)|要|需要|来)(?:点|些|一些|一点)")
_BUY_HINT = re.compile("[点些]")
_LIST_SEPARATOR = re.compile(r"[^和及与跟、]+")  # 买些水果和牛奶: two items
_URGENT = re.compile(
    r"(?<!不)(?<!不着)(?<!不用)(?<!别)(?<!不太)(?:加急|急需|急用|着急|紧急|急(?![性诊]))|尽快|赶紧|越快越好|马上|立刻|火速|速送|快点"
)


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    qty: float | None = None
    unit: str | None = None
    start: int = 0

    def as_dict(self) -> dict[str, object]:
        item: dict[str, object] = {"name": self.name}
        if self.qty is not None:
            item["qty"] = as_json_number(self.qty)
        if self.unit is not None:
            item["unit"] = self.unit
        return item


def _strip_tail(name: str) -> str:
    while name.endswith(_TAIL_WORDS):
        name = name[: -len(next(w for w in _TAIL_WORDS if name.endswith(w)))]
    return name


def clean_name(raw: str) -> str:
    """Goods' name without the words around it; ``""`` when nothing that looks like goods is left."""
    name = _LEAD.sub("", raw.strip())
    pronoun = _PRONOUN.search(name)  # 鸡蛋我家是…: the goods end where the speaker begins
    name = name[: pronoun.start()] if pronoun else name
    name = _DESCRIPTION.sub("", DESCRIPTOR_PREFIX.sub("", name))
    name = _LEAD.sub("", _strip_tail(name))
    if not name or len(name) > 14 or not all(_inside_goods_word(name, m.start()) for m in _NOT_GOODS.finditer(name)):
        return ""
    tag = domain_words().get(name)
    if tag is not None and tag not in _GOODS_TAGS:
        return ""  # 核酸, 抗原, 孩子 …
    return name


@dataclass(frozen=True, slots=True)
class _Side:
    name: str  # cleaned; "" when nothing goods-like is there
    shared: bool  # the stretch runs into the neighbouring quantity (it may be that one's name)


def _sides(text: str, quantities: list[Quantity]) -> list[tuple[_Side, _Side]]:
    """For each quantity, the stretch of text just before and just after it."""
    sides = []
    for i, q in enumerate(quantities):
        lo = quantities[i - 1].end if i else 0
        hi = quantities[i + 1].start if i + 1 < len(quantities) else len(text)
        cut = max((m.end() for m in _BOUNDARY.finditer(text, lo, q.start)), default=lo)
        stop = _BOUNDARY.search(text, q.end, hi)
        end = stop.start() if stop else hi
        left = _Side(clean_name(text[cut : q.start]), shared=i > 0 and cut == lo)
        right = _Side(clean_name(text[q.end : end]), shared=i + 1 < len(quantities) and end == hi)
        sides.append((left, right))
    return sides


def _names_follow(sides: list[tuple[_Side, _Side]]) -> bool:
    """Whether this message names goods after their quantities (两袋大米) rather than before.

    The side holding more known goods wins (刘大爷家要两袋面粉一桶油: 面粉, 油 follow); on a tie,
    the first quantity named on one side only shows the writer's habit.
    """
    before = sum(_is_goods_word(left.name) for left, _ in sides if left.name)
    after = sum(_is_goods_word(right.name) for _, right in sides if right.name)
    if before != after:
        return after > before
    return next((bool(right.name) for left, right in sides if bool(left.name) != bool(right.name)), False)


def _previous_chunk(text: str, pos: int) -> str:
    """The separator-delimited chunk before *pos* (丙戊酸钠缓释片 一盒), if it is near."""
    before = text[max(0, pos - _NEAR) : pos].rstrip(" ")
    cut = max((m.end() for m in _BOUNDARY.finditer(before)), default=0)
    return before[cut:]


def _running_out_name(text: str) -> str:
    for m in islice(_RUNNING_OUT.finditer(text), MAX_MATCHES):
        name = clean_name(_PEOPLE.sub("", m["name"]))
        if name:
            return name
    return ""


def _is_goods_word(name: str) -> bool:
    """Whether *name* ends in a known goods word or a medicine's form (…片, …胶囊)."""
    words = domain_words()
    if _DRUG_SUFFIX.search(name):
        return True
    return any(words.get(name[i:]) in _GOODS_TAGS for i in range(len(name)))


def _inside_goods_word(name: str, pos: int) -> bool:
    """Whether ``name[pos]`` is part of a known goods word (the 不 of 尿不湿, not the 了 of 碎了)."""
    words = domain_words()
    return any(
        words.get(name[i:j]) in _GOODS_TAGS
        for i in range(max(0, pos - 4), pos + 1)
        for j in range(pos + 1, len(name) + 1)
    )


def read_items(scan: Scan) -> list[Item]:
    """Items in order of mention."""
    text = scan.masked
    quantities = [q for q in find_quantities(scan) if not q.descriptor]
    sides = _sides(text, quantities)
    running_out = _running_out_name(text) if quantities else ""
    after = _names_follow(sides)
    items: list[Item] = []
    for q, (left, right) in zip(quantities, sides, strict=True):
        first, second = (right, left) if after else (left, right)
        name = first.name or ("" if second.shared else second.name)
        if not name and not after:
            name = clean_name(_previous_chunk(text, q.start))
        name = name or running_out
        if name:
            items.append(Item(name, q.qty, q.unit, q.start))
    items.extend(_unquantified(text, quantities))
    items.sort(key=lambda item: item.start)
    return _dedupe(items)


def _unquantified(text: str, quantities: list[Quantity]) -> list[Item]:
    """帮忙买点饼干: goods asked for without an amount, where the words say they are goods."""
    found = []
    if _BUY_HINT.search(text) is None:
        return []
    for m in islice(_BUY_CUE.finditer(text), MAX_MATCHES):
        end_m = _BOUNDARY.search(text, m.end())
        end = end_m.start() if end_m else len(text)
        if any(m.end() <= q.start < end for q in quantities):
            continue
        for part in _LIST_SEPARATOR.finditer(text, m.end(), end):
            name = clean_name(part.group())
            if name and (m["buy"] or _is_goods_word(name)):
                found.append(Item(name, start=part.start()))
    return found


def _dedupe(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, float | None, str | None]] = set()
    unique = []
    for item in items:
        key = (item.name, item.qty, item.unit)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def is_urgent(text: str) -> bool:
    """急 / 加急 / 尽快 …, or a medicine stated as running out (chronic patients cannot wait)."""
    if _URGENT.search(text):
        return True
    running_out = islice(_RUNNING_OUT.finditer(text), MAX_MATCHES)
    return any("药" in m.group() or _DRUG_SUFFIX.search(_PEOPLE.sub("", m["name"])) for m in running_out)
