"""Supply orders: the goods, how many of each, and whether it is urgent.

Each quantity takes its goods' name from the text next to it, before it (大米两袋) or after it
(两袋大米), whichever side the message uses; a stretch of text names one item only.  Names lose
the verbs and fillers around them (帮忙买, 还有, 送到), descriptive words (5升的, 新鲜的) and
nothing else: names that contain numerals stay whole (84消毒液, 一次性手套).

Goods stated as running out (二甲双胍片快吃完了, 家里米没了) are asked for: they name a quantity
that has no name beside it (格列美脲片吃完了 要两盒), and are items of their own unless an item
already covers them (救心丸吃完了 速效救心丸要3瓶; 降压药吃完了 氨氯地平片要两盒).  Only known goods
and medicines count, so 钱没了 and 电没了 order nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from understanding.lexicon import domain_words
from understanding.numerals import as_json_number, to_number
from understanding.quantities import DESCRIPTOR_PREFIX, Quantity, find_quantities, quantity_in
from understanding.scan import MASK, MAX_MATCHES, Scan

# Where one stretch of text ends: separators, masked (already understood) text, line breaks.
_BOUNDARY = re.compile(rf"[\s,.;:!?()\[\]<>\"'/|~{MASK}]+")
_LEAD = re.compile(
    r"^(?:能不能|能否|可不可以|可以|能|麻烦你|麻烦您|麻烦|帮忙带|帮我带|帮我捎|帮带|帮捎|帮忙|帮我们家|帮我家|帮我们|帮我|帮|请|请帮忙|代购|购买|买|我要|我们要|我想要|想要|想买|要|需要|还需要|"
    r"急需|急要|再来|再要|来|还要|另外|还有|再|和|以及|跟|外加|加上|给我|一下|订|下单|购|需求|物资|所需物品|换|"
    r"今天|明天|家里|我家|我们家|一些|一点|点|些|的)+"
)
# Request and courtesy words a resident puts before what they ask for (麻烦带一盒, 帮忙捎两盒过来,
# 顺路拿): never goods, and stripped only where what they lead is not known goods itself (带鱼).
_REQUEST = re.compile(
    r"(?:麻烦|劳驾|辛苦|拜托|帮忙|帮我|帮|给我|替我|给|顺路|顺便|顺手|请|您|你)*(?:捎带|捎|带|拿|送|取|买|代买|跑一趟)(?:点|些|个)?"
)
# Words that end a goods' name in speech but are not part of it (…还有, …送到, …谢谢).
_TAIL_WORDS = tuple(sorted((
    "还有", "和", "以及", "送到", "送来", "送过来", "送", "谢谢", "麻烦了", "麻烦", "吧", "哦", "啊", "呀", "的",
    "就行", "就好", "即可", "左右", "各", "等等", "等", "要", "需要", "来", "就可以", "可以", "都行", "也行",
    "吗", "呢", "行吗", "好吗", "可以吗", "再要", "还要", "再来", "再", "还",
), key=len, reverse=True))  # fmt: skip
_GOODS_TAGS = ("goods", "drug")
_PRONOUN = re.compile("我|你|咱|[他她](?:们|家|的|是|说)")  # not the 他 of 阿托伐他汀
_NEAR = 24  # how far back a quantity may look for its goods' name across a separator
_DESCRIPTION = re.compile(r"^.{0,8}的(?=.)")  # 新鲜的猪肉, 5升的花生油, 大一点的
# A name with these is a clause, not goods: 鸡蛋碎了, 心脏不好, 是不是.
_NOT_GOODS = re.compile(r"[了吗呢吧啊没不很太都也还就是过着谁哪啥怎]")
_PEOPLE = re.compile(
    r"^(?:俺娘|俺爹|俺妈|俺爸|俺家|老人|老头|老太太|老太|老人家|我妈|我爸|家里|孩子|小孩|宝宝|老伴|我们|我|家人)"
)
# What is running out is the text just before these words (降压药快吃完了, 油和面都没了).
_RUNNING_OUT = re.compile(
    r"(?:快|都|也|又|已经|马上|差不多)*(?:没了|没有了|吃完了|吃没了|用没了|用完了|吃光了|用光了|断了|不够了|不多了|见底了|快没|没药|"
    r"只剩|就剩|还剩|只有|断药)"
)
_RUNNING_OUT_HINT = re.compile("[完没光断够多底剩只]")
# An amount of what is left (胰岛素只剩两支了) is no amount asked for.
_LEFT_OVER = re.compile(r"(?:只剩|就剩|还剩|只有|剩下|剩)\s?$")
# A change to an item already asked for (鸡蛋两板改成一板), and an item taken back (挂面不要了).
_CHANGE = re.compile(r"(?:改成|改为|换成|换为|改)\s?$")
_DROPPED_HINT = re.compile("不要|不用|不需|取消|去掉|删掉|算了")
_DROPPED = re.compile(r"(?:也|就|先|暂时)?(?:不要了|不用了|不需要了|取消|去掉|删掉|算了)")
# 三块钱的葱, 10元的鸡蛋: goods by their price.
_MONEY_GOODS = re.compile(
    r"(?P<n>\d{1,4}(?:\.\d{1,2})?|[一二两三四五六七八九十半]{1,3})\s?(?:块钱|块|元钱|元)的(?P<name>[\u4e00-\u9fff]{1,8})"
)
# 西红柿 黄瓜 土豆各两斤: one amount for each goods listed before 各.
_EACH = re.compile(r"各\s?$")
_EACH_LIST = re.compile(rf"[^\s,、和及与跟{MASK}]+")
_RUNNING_OUT_NAME = 14  # how far back the name of what is running out may start
# Whose goods they are, before a goods word: 我家米, 老人的药 (not 奶奶, 里面).
_OWNER = re.compile(
    r"(?:我们家|我家|咱家|俺家|俺娘|俺爹|俺妈|俺爸|家里|家中|老人家|老人|老头|老太太|老太|我妈|我爸|孩子|小孩|宝宝|老伴|我们|我|家人|家|的)*"
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


def _without_request(name: str) -> str:
    """*name* without the request and courtesy words before it (麻烦带, 帮忙捎, 顺路拿; not the 带 of 带鱼)."""
    while (m := _REQUEST.match(name)) is not None and m.end() and not _starts_goods_word(name):
        name = name[m.end() :]
    return name


def clean_name(raw: str) -> str:
    """Goods' name without the words around it; ``""`` when nothing that looks like goods is left."""
    name = _without_request(_LEAD.sub("", raw.strip()))
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


@dataclass(frozen=True, slots=True)
class _RunningOut:
    item: Item  # no quantity: that is stated elsewhere, if at all
    known: bool  # known goods or a medicine, not just any word before 没了 (钱没了, 电没了)


def _running_out(text: str) -> list[_RunningOut]:
    """What the message says is running out, in order (油和面都没了: both)."""
    if _RUNNING_OUT_HINT.search(text) is None:
        return []
    found = []
    for m in islice(_RUNNING_OUT.finditer(text), MAX_MATCHES):
        lo = max(0, m.start() - _RUNNING_OUT_NAME)
        lo = max((b.end() for b in _BOUNDARY.finditer(text, lo, m.start())), default=lo)
        for part in _LIST_SEPARATOR.finditer(text, lo, m.start()):
            name = clean_name(_PEOPLE.sub("", part.group()))
            if name:
                known = _known_suffix(name)
                if known and _OWNER.fullmatch(name[: -len(known)]):
                    name = known  # 我家米, 家降压药 (我家 split by 我): whose goods they are is no part of them
                found.append(_RunningOut(Item(name, start=part.end() - len(name)), _is_running_out_goods(name)))
    return found


def _is_running_out_goods(name: str) -> bool:
    """Known goods (米, 尿不湿, 降压药), or a medicine by its form (格列美脲片, 癫痫药; not 照片)."""
    known = _known_suffix(name)
    if known:
        return len(known) > 1 or known == name  # 米, 大米 but not 奶奶
    return _DRUG_SUFFIX.search(name) is not None and (len(name) > 2 or name.endswith("药"))


def _covered(name: str, items: list[Item]) -> bool:
    """Whether an item already asks for what is running out: the same goods (救心丸 / 速效救心丸),
    or a named medicine for a kind of medicine (降压药 / 氨氯地平片, 老人的药 / 阿司匹林)."""
    category = name.endswith("药") and is_medicine(name)
    return any(
        name in item.name or item.name in name or (category and is_medicine(item.name) and not item.name.endswith("药"))
        for item in items
    )


def is_medicine(name: str) -> bool:
    """A medicine by its form (…片, …胶囊), a known medicine word, or one before its packaging (胰岛素笔芯)."""
    words = domain_words()
    return (
        _DRUG_SUFFIX.search(name) is not None
        or words.get(_known_suffix(name)) == "drug"
        or any(words.get(name[:i]) == "drug" for i in range(2, len(name)))
    )


def _known_suffix(name: str) -> str:
    """The longest known goods or medicine word that *name* ends in (``""`` if none)."""
    words = domain_words()
    return next((name[i:] for i in range(len(name)) if words.get(name[i:]) in _GOODS_TAGS), "")


def _starts_goods_word(name: str) -> bool:
    """Whether *name* begins with a known goods word (带鱼段, 拿铁)."""
    words = domain_words()
    return any(words.get(name[:i]) in _GOODS_TAGS for i in range(2, min(len(name), 6) + 1))


def _is_goods_word(name: str) -> bool:
    """Whether *name* ends in a known goods word or a medicine's form (…片, …胶囊)."""
    return _DRUG_SUFFIX.search(name) is not None or bool(_known_suffix(name))


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
    running_out = _running_out(text)
    unnamed = running_out[0].item.name if running_out else ""  # 格列美脲片吃完了 要两盒
    after = _names_follow(sides)
    items: list[Item] = []
    for q, (left, right) in zip(quantities, sides, strict=True):
        before = text[max(0, q.start - 4) : q.start]
        if _LEFT_OVER.search(before):
            continue
        if _CHANGE.search(before) and items:
            items.append(Item(_changed(text, q.start) or items[-1].name, q.qty, q.unit, q.start))
            continue
        if _EACH.search(before):
            items.extend(_each(text, q, items[-1].start if items else 0))
            continue
        first, second = (right, left) if after else (left, right)
        name = first.name or ("" if second.shared else second.name)
        if not name and not after:
            name = clean_name(_previous_chunk(text, q.start))
        name = name or unnamed
        if name:
            items.append(Item(name, q.qty, q.unit, q.start))
    items.extend(_unquantified(text, quantities))
    items.extend(_by_money(scan.text))
    for out in running_out:
        if out.known and not _covered(out.item.name, items):
            items.append(out.item)
    items.sort(key=lambda item: item.start)
    return _dedupe(_latest(_without_dropped(text, items)))


def _changed(text: str, pos: int) -> str:
    """The goods a change names (酸奶改成一箱), or ``""`` when it follows their old amount (两板改成)."""
    stem = _CHANGE.sub("", _previous_chunk(text, pos))
    return "" if quantity_in(stem) else clean_name(stem)


def _by_money(text: str) -> list[Item]:
    """Goods asked for by what they cost (三块钱的葱): the amount is in 元."""
    if "的" not in text:
        return []
    found = []
    for m in islice(_MONEY_GOODS.finditer(text), MAX_MATCHES):
        value, name = to_number(m["n"]), clean_name(m["name"])
        if value is not None and name:
            found.append(Item(name, value, "元", m.start()))
    return found


def _each(text: str, q: Quantity, lo: int) -> list[Item]:
    """The goods listed before 各 (西红柿 黄瓜 土豆各两斤), each with the amount *q*."""
    line_start = text.rfind("\n", 0, q.start) + 1
    lo = max(lo, line_start)
    names = []
    for part in _EACH_LIST.finditer(text, lo, text.rfind("各", lo, q.start)):
        name = clean_name(part.group())
        if name:
            names.append(Item(name, q.qty, q.unit, part.start()))
    return names


def _without_dropped(text: str, items: list[Item]) -> list[Item]:
    """The items not taken back later in the message (挂面不要了)."""
    if not items or _DROPPED_HINT.search(text) is None:
        return items
    dropped = set()
    for m in islice(_DROPPED.finditer(text), MAX_MATCHES):
        chunk = clean_name(_previous_chunk(text, m.start()))
        if chunk:
            dropped.add((chunk, m.start()))
    return [item for item in items if not any(name == item.name and item.start < at for name, at in dropped)]


def _latest(items: list[Item]) -> list[Item]:
    """Each goods once, at its first mention, with the amount stated last (a change wins)."""
    if len({item.name for item in items}) == len(items):
        return items
    last = {item.name: item for item in items if item.qty is not None}
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.name in seen:
            continue
        seen.add(item.name)
        final = last.get(item.name, item)
        kept.append(Item(item.name, final.qty, final.unit, item.start))
    return kept


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


def is_urgent(text: str, medicines: frozenset[str] = frozenset()) -> bool:
    """急 / 加急 / 尽快 …, or a medicine stated as running out (chronic patients cannot wait); *medicines*
    are names the message itself shows to be medicines (a drug in brackets after its class)."""
    if _URGENT.search(text):
        return True
    if "没药" in text:  # 家里没药了: no medicine named, but medicine all the same
        return True
    return any(is_medicine(out.item.name) or out.item.name in medicines for out in _running_out(text))
