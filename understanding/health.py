"""Health facts of a check-in: temperatures, symptoms, tests and how many people it covers.

Conventions (parse contract): the highest temperature stated for anyone; a symptom only where
it is said (a high reading adds none), ``[]`` only for an explicit negation; tests read in the
residents' words (一道杠, 已采样, 结果还没出) including IME slips fixed by normalisation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import islice

from core.health import FEVER_THRESHOLD as FEVER_THRESHOLD  # re-exported: one definition, in core
from understanding.dates import earlier_days, names_earlier_day
from understanding.numerals import CN_NUMERAL_CHARS, to_number
from understanding.scan import MAX_MATCHES, Scan

# ---- temperature -----------------------------------------------------------------------------
_TEMPERATURE = re.compile(
    # 36.5 / 36.5度 / 36度5 / 三十六度四 / 三十六点五 / 体温37
    rf"(?<![\d.])(?P<i>3[4-9]|4[0-2])(?:(?:\.|点|度)(?P<f>\d{{1,2}})(?![\d.])|(?P<deg>度)|(?=[^\d.]|$))"
    rf"|(?<![{CN_NUMERAL_CHARS}])(?P<ci>三十[四五六七八九]|四十[一二]?)(?:(?:点|度)(?P<cf>[零一二三四五六七八九])|(?P<cdeg>度))"
)
# A bare integer (37) is a temperature only where the message says it is one.
_TEMPERATURE_CUE = re.compile(r"(?:体温|测温|温度|量了|测了|烧到|最高|发热|发烧|低烧|高烧)[^\d]{0,3}$")
# 三十六度几, 36度上下, 三十七度不到: a reading without its value (contract: no temperature).
_VAGUE = re.compile(r"\s?(?:几|多(?!少)|上下|左右|不到|出头)")
# What a correction says (体温37.8 不对不对 是36.8; 应该是36.6 不是37.6): the value it replaces goes.
CORRECTION = re.compile(
    r"不对|说错了?|写错了?|打错了?|看错了?|报错了?|搞错了?|弄错了?|记错了?|更正|纠正|修正|改一下|重新报|应该是|改成"
)
_NOT_THIS = re.compile(r"不是\s?$")
_WRONG_AFTER = re.compile(r"\s?(?:是|也是)?(?:打错|写错|报错|说错|发错|弄错|搞错|错)了?")
_CORRECTION_REACH = 16  # how far after a correction the value that replaces may come


def claim_temperatures(scan: Scan) -> list[float]:
    """Every body temperature stated today, claimed so it is not read as a quantity or a room.

    A vague reading (三十六度几) states no value; a reading a correction replaces (37.8 不对 是36.8,
    不是37.6) is dropped.
    """
    readings: list[tuple[float, int, int]] = []
    for m in scan.finditer(_TEMPERATURE):
        if m["ci"]:
            whole = to_number(m["ci"])
            frac = m["cf"]
            value = whole + (to_number(frac) or 0) / 10 if whole is not None and frac else whole
            stated = True
        else:
            value = float(m["i"]) + (float("0." + m["f"]) if m["f"] else 0.0)
            stated = (
                bool(m["f"] or m["deg"])
                or _TEMPERATURE_CUE.search(scan.text, max(0, m.start() - 8), m.start()) is not None
            )
        if value is None or not stated or not 34.0 <= value <= 43.0:
            continue
        scan.claim(*m.span())
        vague = not (m["f"] or m["cf"]) and _VAGUE.match(scan.text, m.end()) is not None
        denied = (
            _NOT_THIS.search(scan.text, max(0, m.start() - 3), m.start()) is not None
            or _WRONG_AFTER.match(scan.text, m.end()) is not None
        )
        if not (vague or denied):
            readings.append((round(value, 1), m.start(), m.end()))
    return [value for value, start, end in readings if not _corrected(scan.text, end, readings)]


def _corrected(text: str, end: int, readings: list[tuple[float, int, int]]) -> bool:
    """Whether a correction right after the value ending at *end* replaces it with a later one."""
    cue = CORRECTION.search(text, end, end + _CORRECTION_REACH)
    if cue is None or any(end < start < cue.start() for _, start, _ in readings):
        return False
    return any(cue.end() <= start <= cue.end() + _CORRECTION_REACH for _, start, _ in readings)


# ---- symptoms --------------------------------------------------------------------------------
_SYMPTOM_PATTERNS: dict[str, str] = {
    "fever": r"发烧|发热(?!门诊)|低烧|高烧|烧到|有点烧|还在烧|烧了",
    "cough": r"(?<![止治])(?:咳嗽|干咳|咳痰|咳)",
    "sore_throat": r"(?:嗓子|喉咙|咽喉)(?:有点|有些|很|特别|非常|好)?(?:疼|痛|干|哑|痒|不舒服|发炎|难受)|咽痛|刀片嗓|扁桃体发炎",
    "fatigue": r"乏力|没劲|没力气|全身无力|浑身无力|无力|没精神|疲劳|疲惫|疲乏|浑身软|(?:有点|很|特别|浑身)累",
    "smell_taste": r"(?:嗅觉|味觉)(?:和|、)?(?:嗅觉|味觉)?(?:都)?(?:没了|没有了|消失|丧失|失灵|减退|下降|不灵|异常|不好|失去)"
    r"|(?:失去|丧失|没有|没了)了?(?:嗅觉|味觉)|闻不[出到见]|尝不[出到]|吃不出味|(?:吃饭|吃东西)?没(?:有)?味道?",
    "diarrhea": r"腹泻|拉肚子|拉稀|闹肚子|跑肚",
    "breathing": r"呼吸困难|呼吸(?:有点|有些)?急促|呼吸不畅|呼吸费劲|喘不上气|喘不过气|喘不上来|上不来气|喘气费劲|"
    r"喘气困难|胸闷|胸口闷|气短|气喘|憋气|憋得慌|喘不动",
    # Bare 烧 counts only when denied (不咳不烧): as a positive it is 烧水, 红烧.
    "denied_fever": r"烧",
}
_SYMPTOM_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _SYMPTOM_PATTERNS.items()))
# A negation covers the symptoms listed right after it: 无发热咳嗽, 没有咳嗽发烧, 均未发热、咳嗽.
# Dialect negations count (冇咳嗽, 唔发热, 莫得发烧, 冒得咳嗽, 木有), and so does an emoji ❌ / 🚫
# (normalisation writes it as 无).  冒 is 没 only where it is not the 冒 of 感冒.
_NEGATION = re.compile(
    r"(?:没有任何|无任何|没有|没|无|不|未|均未|均无|都没|都没有|也没|也没有|并无|否认|冇|唔|莫得|莫有|(?<!感)冒得?|木有|"
    r"(?:没|冇|无)人)(?:出现|再|有|得|过|一声都没|一点都没)?\s?$"
)
# A form's answer after the symptom denies it too (发热:无, 咳嗽❌ → 咳嗽无, 乏力:否).
_AFTER_NEGATION = re.compile(r"\s?:?\s?(?:也|都)?(?:无|否|没有|没|冇|莫得|冒得|木有)(?![\u4e00-\u9fff])")
_LIST_JOINER = re.compile(r"(?:[,、/和或及与]|也没有?|以及|或者)?")
_NO_SYMPTOMS = re.compile(
    r"(?:无|没有?|没得|均无|都没有?|未见|未出现|没啥|没什么|无任何|没有任何|身体无|冇|莫得|冒得|木有)(?:任何)?"
    r"(?:症状|不适|异常症状|不舒服)"
    r"|症状[\s:]{0,2}(?:无|没有|否)(?![\u4e00-\u9fff])"
)


def mentions_symptom(text: str) -> bool:
    """Whether *text* names a symptom (干咳 starts with the surname 干, yet is no name)."""
    return any(m.lastgroup != "denied_fever" for m in _SYMPTOM_RE.finditer(text))


@dataclass(slots=True)
class SymptomReading:
    present: list[str]
    negated: bool  # an explicit "no symptoms" (or a denied symptom) was stated


def read_symptoms(text: str) -> SymptomReading:
    """Symptoms said to be present, in order of first mention, and whether any were denied.

    A symptom denied after a correction (有点咳嗽 哦不对 …我家没人咳) is withdrawn.
    """
    present: list[str] = []
    negated = _NO_SYMPTOMS.search(text) is not None
    correction = CORRECTION.search(text)
    open_negation = -1  # end of the last denied symptom: a list right after it is denied too
    for m in islice(_SYMPTOM_RE.finditer(text), MAX_MATCHES):
        name, start = m.lastgroup or "", m.start()
        denied = (
            _NEGATION.search(text, max(0, start - 7), start) is not None
            or (open_negation >= 0 and _LIST_JOINER.fullmatch(text, open_negation, start) is not None)
            or _AFTER_NEGATION.match(text, m.end()) is not None
        )
        if denied:
            negated = True
            open_negation = m.end()
            if correction is not None and start > correction.end() and name in present:
                present.remove(name)
            continue
        open_negation = -1
        if name != "denied_fever" and name not in present:
            present.append(name)
    return SymptomReading(present, negated)


# A reading or symptom placed on an earlier day and stated as over (前天烧到37.8 现在好了, 上周咳嗽
# 已经不咳了) is no fact of today: the whole stretch is claimed before today's facts are read.
_PAST_AND_OVER = re.compile(
    r"(?:大前天|前天|前儿个?|昨天|昨儿个?|昨晚|昨日|前几天|前两天|前阵子|前段时间|之前|上周|上礼拜|上个?星期|上个?月|那几天)"
    r"(?:[^.;\n]|(?<=\d)\.(?=\d)){0,16}?"
    r"(?:已经?(?:好了|好利索|痊愈|康复|退了|退烧|不烧|不咳|没事|恢复)|好利索了?|好了|退烧了|退了|不烧了|不咳了|没事了|痊愈了?|康复了?|"
    r"恢复正常|都好了)"
)
_PAST_HINT = re.compile("好|退|不[咳烧]|没事|痊愈|康复|恢复")  # what every such stretch says
_OVER_SINCE = re.compile(
    r"(?:发烧|发热|低烧|咳嗽|咳|拉肚子|腹泻|嗓子疼|喉咙疼|乏力)[^.;\n]{0,3}?"
    r"(?:大前天|前天|昨天|前几天|前两天|上周|上礼拜|上个?星期|之前)(?:就|已经|早就)?(?:好了|好利索了|退了|没事了)"
)


# Where a stretch that began on an earlier day comes to today (昨天发烧38度 今天36.5 已经退了):
# what follows is today's.
_TODAY = re.compile("今天|今日|今早|今儿|现在|目前")


def claim_past_and_over(scan: Scan) -> None:
    """Claim what the message says happened on an earlier day and is over, so it is not read."""
    for pattern in (_OVER_SINCE, _PAST_AND_OVER):
        for m in scan.finditer(pattern, _PAST_HINT):
            today = _TODAY.search(scan.text, m.start(), m.end())
            scan.claim(m.start(), m.end() if today is None else today.start())


# A reading or symptom bound to an earlier day (前天低烧37.6 今天36.6, 昨天晚上 37.9, 上个月底烧到38度) is
# that day's, said or not that it is over: the facts right after the day word are claimed unread.
# They run on without a break (低烧37.6) and stop at a line, today (今天, 现在, 这两天) or a later day;
# the first may follow a time of day (昨天晚上 37.9), not other words (昨天做了核酸 36.5).  What began
# then and goes on (从昨天开始发烧, 前天起一直咳嗽, 昨天到现在还烧) is today's too.
_ONGOING = re.compile(r"开始|起|以来|一直|还在|还是|至今|到现在|持续|没退|未退|到今")
_SINCE = re.compile(r"[从自打]\s?$")
_STOP = re.compile(r"[\n;!?]|今天|今日|今早|今晚|今儿|现在|目前|刚才|刚刚|刚量|这两天|这几天|最近|当前")
_FILLER = re.compile(r"(?:早上|上午|中午|下午|晚上|夜里|半夜|晚|早|量的|测的|量了|测了|体温|温度|是|的|有点)*")
_SEPARATOR = re.compile(r"[\s,.:、]+")
_EARLIER_REACH = 24  # how far after the day word its facts may come


def claim_earlier_days(scan: Scan, today: dt.date) -> None:
    """Claim the readings and symptoms the message binds to a day before *today*, so they are not read."""
    text = scan.masked
    if not names_earlier_day(text) or (_TEMPERATURE.search(text) is None and _SYMPTOM_RE.search(text) is None):
        return  # no earlier day, or nothing to bind to one (a travel report's 昨天 …): no dates looked for
    for start, end in islice(earlier_days(text, today), MAX_MATCHES):
        if _SINCE.search(text, max(0, start - 2), start):
            continue
        reach = min(len(text), end + _EARLIER_REACH)
        facts = sorted([*_TEMPERATURE.finditer(text, end, reach), *_SYMPTOM_RE.finditer(text, end, reach)], key=_span)
        previous = end
        for fact in facts:
            gap = text[previous : fact.start()]
            if fact.start() < previous or _STOP.search(gap) or _ONGOING.search(gap):
                break
            pieces = _SEPARATOR.split(gap)
            if len(pieces) > 1 and (previous != end or not all(_FILLER.fullmatch(p) for p in pieces[:-1])):
                break
            scan.claim(*fact.span())
            previous = fact.end()


def _span(m: re.Match[str]) -> int:
    return m.start()


# ---- tests -----------------------------------------------------------------------------------
_TEST_TYPE = re.compile(r"核酸|抗原|PCR")
# Results by how they are written.  A definite result (阴性, 两道杠) may come a few words after
# the test word (核酸已做 结果阴性); 正常 / 没事 only right after it (核酸正常, not 核酸已做 体温正常).
_DEFINITE = re.compile(
    r"(?P<positive>阳性|阳了|(?:两|二|2|双)(?:道|条)杠?|双杠|阳(?![台光]))"
    r"|(?P<negative>阴性|(?:一|1|单)(?:道|条)杠?|单杠|阴(?![天雨凉]))"
)
_NORMAL = re.compile(r"\s?:?\s?(?:检测|结果)?(?:都|均)?(?:正常|没事|没问题)")
_PENDING = re.compile(r"结果(?:还)?(?:没|未)出|(?:还)?没(?:出)?结果|未出结果|等(?:待)?结果|结果待出|待出结果|还没出")
_DONE = re.compile(r"已经?(?:做|采|检|测|完成)|(?:做|采|检|测)(?:了|过)|采样了|都做")
_DONE_BEFORE = re.compile(r"(?<![没未])(?:已经|已|刚)?(?:做了|做过|测了|测过|采了|去做了)(?:一?次|个)?$")
_RESULT_RANK = {"positive": 0, "negative": 1, "pending": 2, "done": 3}
_TEST_WINDOW = 12  # characters after the test word that may state its result


@dataclass(frozen=True, slots=True)
class TestResult:
    type: str
    result: str


def read_test(text: str) -> TestResult | None:
    """The most telling test stated: positive, then negative, then pending, then done.

    Each test word's result is the first one written after it (before the next test word), so
    核酸已做 抗原阴性 gives each its own; 做了核酸 reads the verb before it.
    """
    best: TestResult | None = None
    mentions = list(islice(_TEST_TYPE.finditer(text), MAX_MATCHES))
    for i, m in enumerate(mentions):
        kind = "antigen" if m.group() == "抗原" else "pcr"
        end = min(mentions[i + 1].start() if i + 1 < len(mentions) else len(text), m.end() + _TEST_WINDOW)
        definite = _DEFINITE.search(text, m.end(), end)
        if definite is not None:
            definite = _corrected_result(
                text, definite, mentions[i + 1].start() if i + 1 < len(mentions) else len(text)
            )
            name = definite.lastgroup or "done"
        elif _NORMAL.match(text, m.end()):
            name = "negative"
        elif _PENDING.search(text, m.end(), end):
            name = "pending"
        elif _DONE.search(text, m.end(), end) or _DONE_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            name = "done"
        else:
            continue
        if best is None or _RESULT_RANK[name] < _RESULT_RANK[best.result]:
            best = TestResult(kind, name)
    return best


def _corrected_result(text: str, definite: re.Match[str], limit: int) -> re.Match[str]:
    """The result a correction puts in place of *definite* (抗原阳性 看错了 是阴性), else itself."""
    cue = CORRECTION.search(text, definite.end(), min(limit, definite.end() + _CORRECTION_REACH))
    if cue is None:
        return definite
    again = _DEFINITE.search(text, cue.end(), min(limit, cue.end() + _CORRECTION_REACH // 2))
    return again or definite


# ---- persons ---------------------------------------------------------------------------------
_PERSONS = re.compile(
    rf"(?:全家|一家|家里|家中|在家|我们|我家|家|共|一共|合计|总共|总计)?\s?(?:共|有)?"
    rf"(?P<n>(?<![\d.])\d{{1,2}}|[{CN_NUMERAL_CHARS}仨俩]{{1,3}})\s?(?:口人|口|个人|人)(?![员份次民群数])"
    rf"|(?P<couple>老两口|我们俩|我俩|两口子|夫妻俩|老夫妻)"
    rf"|(?P<alone>就我一个|我一个人|只有我一个|独居|一个人住|就我自己)"
    rf"|人数\s?:?\s?(?P<count>\d{{1,2}})(?!\d)"
)


_PERSONS_HINT = re.compile("[人口俩独夫自数]")


def read_persons(scan: Scan) -> int | None:
    """How many people the check-in covers, where a count is stated (全家4口, 老两口, 就我一个人)."""
    for m in scan.finditer(_PERSONS, _PERSONS_HINT):
        if m["couple"]:
            count: float | None = 2
        elif m["alone"]:
            count = 1
        else:
            count = to_number(m["n"] or m["count"])
        if count is not None and count == int(count) and 1 <= count <= 30:
            scan.claim(*m.span())
            return int(count)
    return None


# ---- a household's facts -----------------------------------------------------------------------
@dataclass(slots=True)
class HealthFacts:
    """What a check-in states about one household (or about the whole message, for the classifier)."""

    temperatures: list[float]
    symptoms: SymptomReading
    test: TestResult | None
    persons: int | None

    @property
    def top(self) -> float | None:
        """Today's highest reading (the contract's ``temperature``)."""
        return max(self.temperatures, default=None)

    @property
    def abnormal(self) -> bool:
        """A reading from 37.3, any symptom, or a positive test."""
        top, test = self.top, self.test
        return bool(
            self.symptoms.present
            or (top is not None and top >= FEVER_THRESHOLD)
            or (test is not None and test.result == "positive")
        )

    @property
    def stated_symptoms(self) -> tuple[str, ...] | None:
        """The symptoms present; ``()`` where they are denied; None where nothing is said of them."""
        present = self.symptoms.present
        return tuple(present) if present or self.symptoms.negated else None


def read_health(scan: Scan, today: dt.date) -> HealthFacts:
    """Today's health facts in the unclaimed text (what is past is claimed first, unread)."""
    claim_past_and_over(scan)
    claim_earlier_days(scan, today)
    temperatures = claim_temperatures(scan)
    return HealthFacts(temperatures, read_symptoms(scan.masked), read_test(scan.masked), read_persons(scan))
