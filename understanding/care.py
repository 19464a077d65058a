"""Workers' records: a visit to a household (走访 / 探望 / 上门) and a disinfection (消杀 / 消毒).

Only what was done is recorded (parse contract): help planned for later (后天再来, 过两天帮他挂号)
is not in ``help``, though a need it reveals (降糖药不多了) is a ``concern``.  A disinfection's
place, agent and operator are kept as written after normalisation (八四 → 84); its method is the
first one named.  Both carry a ``date`` only when it is not the message's day.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import islice

from understanding.address import AddressMatch
from understanding.dates import claim_dates
from understanding.health import read_symptoms
from understanding.names import NAMED_TARGET_ROLES, find_name, name_after
from understanding.results import Disinfection, Visit
from understanding.scan import MAX_MATCHES, Scan

# What a visit did, by the words for it.  Medicine first: 代购了感冒药 is medicine, not groceries.
_HELP: tuple[tuple[str, str], ...] = (
    ("medicine", r"送药|代购药|配药|买药|拿药|取药|(?:送|代购|买|配|带|拿)了?[^\s,.;]{0,6}?药(?![箱店房])"),
    ("groceries", r"送菜|代购|送物资|买菜|(?:送|带|买)了?[^\s,.;]{0,6}?(?:菜|米|面|油|粮|物资|水果|牛奶|鸡蛋|面粉)"),
    ("health", r"(?:量|测|查)了?一?下?(?:血压|体温|血糖|心率)"),
    ("company", r"陪伴|陪[^\s,.;]{0,20}?(?:聊|说话|说了)|聊天|谈心|心理疏导|拉家常|唠嗑|说了会儿?话"),
    ("errand", r"代办|缴费|代缴|挂号|挂了[^\s,.;]{0,8}?号|办理了|代领|[交缴]了?[^\s,.;]{0,3}?费"),
    ("cleaning", r"打扫|清理|收拾|大扫除"),
    ("repair", r"维修|修(?:好|理|了)"),
)
_HELP_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _HELP))
# Help still to come is no help given: 后天再来送菜, 过两天帮他挂号, 下次带药.
_PLANNED = re.compile(r"(?:再|下次|下回|过两天|过几天|明天|后天|改天|回头|准备|打算|计划|将)[^\s,.;]{0,6}$")
_CONCERN = re.compile(
    r"身体不适|不舒服|摔倒|摔了|跌倒|受伤|擦伤|情绪(?:低落|不好|也不好|不稳|差)|没胃口|食欲不好|药快没了|药快吃完|药不多了|"
    r"药不够|断药|需要就医|去医院|送医|住院|需要?多?(?:关心|关注|照顾)|需跟进|需要帮助|行动不便了|血压(?:偏高|高)|血糖(?:偏高|高)|"
    r"(?:身体|腿脚|腿|腰|心脏|胃口|睡眠|精神)(?:不好|不太好|差|不行)"
)

_AGENT = re.compile(
    r"(?:\d{1,3}%的?)?(?:"
    r"84消毒[液水]|(?:含氯|季铵盐|过氧化物)(?:消毒(?:液|剂|水|片|粉)|泡腾片)|过氧乙酸|二氧化氯|(?:医用)?酒精|乙醇|"
    r"次氯酸钠?(?:溶液|消毒液)?|漂白[粉水]|双氧水|过氧化氢|来苏水?|戊二醛|消毒[液水剂片粉]|泡腾片)"
)
_AGENT_LABEL = re.compile(
    r"(?<![\u4e00-\u9fff])(?:药品|药剂|消毒剂|用药|药物|消毒药)(?:[\s:]{1,2})(?P<agent>[^\s,.;]{2,12})"
)
_METHODS: tuple[tuple[str, str], ...] = (
    ("spray", r"喷洒|喷雾|喷"),
    ("wipe", r"擦拭|擦"),
    ("fumigate", r"熏蒸|熏"),
    ("other", r"紫外线|臭氧|浸泡|拖地|照射"),
)
_METHOD_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _METHODS))
_OPERATOR_CUE = re.compile(
    r"(?:操作人|操作员|消杀员|消毒员|消杀人员|保洁员|保洁|执行人|实施人|负责人|消杀人)[\s:]{0,2}"
)
_PLACE_LABEL = re.compile(r"(?:地点|场所|位置|区域|消杀地点|消毒地点|消杀区域)[\s:]{1,2}(?P<place>[^\s,.;]{2,20})")
_PLACE_BY_VERB = re.compile(r"(?:对|把|给)(?P<place>[^\s,.;]{2,20}?)(?:都|全部|全)?(?:进行|用|喷|擦|熏|消)")
# A stretch of the message that may name the place, and the words around a place in it.
_CHUNK = re.compile(r"[^\s,.;:\[\]()<>!?]+")
_LEADING = re.compile(
    r"^(?:今天|今日|今早|昨天|昨日|昨晚|前天|上午|下午|早上|晚上|中午|傍晚|刚才|刚刚|已经|已|完成了?|我们|我|在|"
    r"(?:上|本|这)?(?:周|星期|礼拜)[一二三四五六日天]|\d{1,2}月\d{1,2}[日号]?)+"
)
_PLACE_END = re.compile(
    r"(?<![公共])用|的?工作|的(?=消|喷|擦|熏)|今天|今日|进行|喷洒|喷雾|喷了|喷|消杀|消毒|擦拭|擦了|擦|熏蒸|完成|已|紫外线|记录|操作|都(?=喷|擦|消)"
)


def _date(scan: Scan, today: dt.date) -> dt.date | None:
    """The day it was done, when the message names one other than its own day."""
    dates = claim_dates(scan, today)
    return dates[0].date if dates and dates[0].date != today else None


def read_visit(scan: Scan, today: dt.date, address: AddressMatch | None) -> Visit:
    """A visit's fields: the household, the person visited, the help given, any concern, the day."""
    text = scan.masked
    help_given: list[str] = []
    for m in islice(_HELP_RE.finditer(text), MAX_MATCHES):
        name = m.lastgroup or ""
        if _PLANNED.search(text, max(0, m.start() - 8), m.start()) is None and name not in help_given:
            help_given.append(name)
    concern = _CONCERN.search(text) is not None or bool(read_symptoms(text).present)
    person = find_name(scan, (address.start, address.end) if address else None, NAMED_TARGET_ROLES)
    return Visit(
        address=address.address if address else None,
        name=person.name if person else None,
        help=tuple(help_given) or None,
        concern=concern,
        date=_date(scan, today),
    )


def read_disinfection(scan: Scan, today: dt.date) -> Disinfection:
    """A disinfection's fields: place, method, agent, operator and the day."""
    text = scan.text
    labelled = _AGENT_LABEL.search(text)
    agent = labelled["agent"] if labelled else None
    if agent is None and (found := _AGENT.search(text)) is not None:
        agent = found.group()
    method = _METHOD_RE.search(text)
    operator = None
    for cue in scan.finditer(_OPERATOR_CUE):
        if (named := name_after(scan, cue.end())) is not None:
            operator = named.name
            break
    return Disinfection(
        place=_place(text, agent),
        method=method.lastgroup if method else None,
        agent=agent,
        operator=operator,
        date=_date(scan, today),
    )


def _place(text: str, agent: str | None) -> str | None:
    """The place disinfected: labelled (地点：…), the object of 对/把, else the first stretch that names one."""
    for pattern in (_PLACE_LABEL, _PLACE_BY_VERB):
        if (m := pattern.search(text)) is not None:
            return m["place"]
    for chunk in islice(_CHUNK.finditer(text), MAX_MATCHES):
        words = chunk.group()
        if _OPERATOR_CUE.match(words) or (agent is not None and words.startswith(agent)):
            continue
        words = _LEADING.sub("", words)
        end = _PLACE_END.search(words)
        place = words[: end.start()] if end else words
        if len(place) >= 2 and (agent is None or agent not in place):
            return place
    return None
