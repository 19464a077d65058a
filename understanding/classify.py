"""What a message is: a check-in, an order, a returnee report, a zero report, or something else.

Each kind collects evidence from the facts already extracted plus a few cue words; the kind with
the most evidence wins if it has enough.  Questions (…吗, 请问, 怎么) and notices (【温馨提示】)
are ``other`` unless they also carry a full report (a returnee reported while asking whether to
report).  A grid leader's 零报告 / 网格无异常 is ``zero``; a household's own "all normal" is a
check-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_ZERO = re.compile(
    r"零报告|零上报|无异常情况报告|(?<![\d.])0\s?报告|报零|报个零|零报|今日无返乡.{0,3}无发热|无返乡(?:人员)?.{0,3}无发热|"
    r"无发热(?:人员)?.{0,3}无返乡"
)
_ALL_NORMAL = re.compile(r"无异常|情况正常|一切正常|均正常|无新增|都正常|全部正常|都没有异常|没有异常")
# The area a leader answers for: a grid, a village group, a building, a 联户 of households.
_GRID = re.compile(
    r"网格|全组|本组|辖区|全村|本村|小区|片区|社区|楼栋|各户|全体|组|联户|本栋|本楼|这栋|整栋|全楼|单元|"
    r"(?:\d{1,2}|[一二两三四五六七八九十几])户|各家|几家"
)
# Chat platform notices (…撤回了一条消息, …拍了拍…, …加入了群聊): nobody wrote them.
_PLATFORM = re.compile(
    r"撤回了一条消息|拍了拍|加入了?群聊|加入了本群|移出了?群聊|退出了?群聊|修改群名|修改了群名|邀请.{1,30}加入|"
    r"群公告|开启了|关闭了|成为新群主|设置了|撤回了"
)
# A worker's record of a visit, and of disinfecting a place (not 消毒液 the goods).
_VISIT = re.compile(
    r"走访|探望|看望|(?<!送货)(?<![送到])上门(?!送|取|服务|核酸|采样|收)|入户(?!登记)|结对帮扶|帮扶|慰问"
)
_DISINFECTION = re.compile(r"消杀|消毒(?![液水剂片粉柜湿纸巾])|喷洒|喷雾|熏蒸|擦拭|(?:喷|擦)了一?遍")
# Still to come (明天上午消杀, 下周将开展走访): a notice, not a record.
_PLANNED = re.compile(
    r"明天|明日|后天|下周|下个?月|将于|将在|将对|将进行|将开展|即将|计划|准备|预计|届时|拟|今晚|稍后|待会|一会儿|点后|"
    r"请勿|请关好|请大家|注意避让"
)
_DONE = re.compile(r"了|已|完成|过")
# A question about a reading, not a report of one (37.3算发烧吗, 三十七度要不要去医院).
_HEALTH_QUESTION = re.compile(
    r"算(?:不算)?(?:发烧|发热|低烧|高烧|正常|异常)|是不是(?:发烧|发热|低烧)|(?:正常|要紧|严重|危险)吗|怎么办|"
    r"要不要(?:去医院|吃药|紧)|需不需要|该吃什么|吃什么药|有事吗|没事吧"
)
# A request is an order even when it is put as a question (能帮我带两斤鸡蛋吗).
_REQUEST = re.compile(
    r"能(?:不能)?帮(?:我|忙|我们)?(?:带|买|捎|代购|送)|可以帮(?:我|忙)?(?:带|买|捎)|麻烦.{0,6}(?:带|买|捎)"
)
# Not an order: a delivery made (已送到, 放门口了 请取一下), neighbours asked to lend (谁家有…借我).
_NOT_ORDER = re.compile(
    r"已送到|已经送到|送到了|已送达|放(?:在)?门口了|放门口|请取一下|请自取|记得取|已放|已经放|已配送|已经送过去|"
    r"谁家有|哪位邻居|哪家有|借我|借一下|借点|借给我|借用|匀一点|匀点"
)
_NOTICE = re.compile(
    r"温馨提示|通知|公告|请各位|各位居民|请大家|请广大|请全体|提醒大家|紧急提醒|@所有人|完成打卡|按时打卡|未打卡|务必|请于|"
    r"大家注意|请注意|每户"
)
_QUESTION = re.compile(
    r"[?]|吗|请问|怎么|怎样|什么|为什么|哪里|哪儿|哪个|哪|几点|几[次天](?<![这前那好]几[次天])|多少|多久|能不能|可不可以|"
    r"是否(?![^\s:]{0,6}:)|要不要|"  # 是否有症状：否 is a form's field, not a question
    r"需不需要|有没有|行不行|是不是|咋|啥时候|何时|谁|吧$"
)
_X_NOT_X = re.compile(r"(?<!不)([\u4e00-\u9fff])不\1")  # 算不算, 正不正常 (not the 对不对 of 不对不对)
_CHECKIN_CUE = re.compile(
    r"打卡|报平安|健康|报到|体温正常|一切正常|都挺好|都好|都还好|均正常|都正常|正常|平安|无异常|体温(?![计枪])|"
    r"没得事|冇事|莫得事|没啥事|没事"
)
# A vague reading (三十六度几) is a check-in's, though it states no value.
_VAGUE_READING = re.compile(r"(?:三十[五六七]|3[5-7])度(?:几|多|上下|左右|不到)")
_ORDER_CUE = re.compile(r"买|代购|下单|需要|急需|要|物资|订|团购|送|采购")
_RETURNEE_CUE = re.compile(
    r"报备|返乡|返津|返京|返回|回来|回到|回津|到津|抵达|抵津|来津|到达|外来人员|返程|从[^\s,]{2,8}(?:过来|来)|到的|来的"
)
_MIN_EVIDENCE = 2.0
_MIN_EVIDENCE_IN_QUESTION = 4.0


@dataclass(slots=True)
class Evidence:
    """Facts found in a message, as the classifier weighs them."""

    text: str
    has_address: bool = False
    household_address: bool = False  # names a home (a room or a house number), not just a group
    has_subject: bool = False  # a named person, a family member, or the writer's own household
    # Whether a person is named: looked for only when the answer matters (it costs a segmentation).
    names_someone: Callable[[], bool] = lambda: False
    temperatures: int = 0
    symptoms_stated: bool = False  # present or denied
    symptoms_present: bool = False
    has_test: bool = False
    has_persons: bool = False
    items: int = 0
    urgent: bool = False
    prices: int = 0
    origin: bool = False
    origin_cued: bool = False
    arrival: bool = False
    vehicle: bool = False
    id_number: bool = False


def _scores(e: Evidence) -> dict[str, float]:
    anchor = 1.0 if e.has_address else 0.0
    checkin = (
        (2.0 if e.temperatures else 0.0)
        + (2.0 if e.symptoms_stated else 0.0)
        + (1.0 if e.has_test else 0.0)
        + (1.0 if e.has_persons else 0.0)
        + (2.0 if _CHECKIN_CUE.search(e.text) or ("度" in e.text and _VAGUE_READING.search(e.text)) else 0.0)
    )
    order = (3.0 + e.items if e.items else 0.0) + (1.0 if _ORDER_CUE.search(e.text) else 0.0)
    if e.prices and not e.has_address:
        order = 0.0  # a price list
    returnee = (
        (2.0 if _RETURNEE_CUE.search(e.text) else 0.0)
        + (2.0 if e.origin_cued else 1.5 if e.origin else 0.0)
        + (1.5 if e.vehicle else 0.0)
        + (1.0 if e.arrival else 0.0)
        + (1.0 if e.id_number else 0.0)
    )
    if not (e.origin or e.vehicle):
        returnee = min(returnee, 1.5)  # returning from nowhere by no means is no report
    return {
        "checkin": checkin + anchor if checkin else 0.0,
        "order": order + anchor if order else 0.0,
        "returnee": returnee + anchor if returnee else 0.0,
    }


def _household_facts(e: Evidence) -> bool:
    return e.household_address or e.temperatures > 0 or e.has_persons or e.symptoms_present or e.names_someone()


def classify(e: Evidence) -> str:
    text = e.text
    if _PLATFORM.search(text):
        return "other"
    request = _REQUEST.search(text) is not None
    question = (
        _QUESTION.search(text) is not None or ("不" in text and _X_NOT_X.search(text) is not None)
    ) and not request
    if _ZERO.search(text):
        return "other" if question else "zero"  # 今天还要零报告吗？ asks, it does not report
    if _ALL_NORMAL.search(text) and _GRID.search(text) and not question and not _household_facts(e):
        return "zero"  # a leader's 网格无异常; a household's own "all normal" names its home
    if _NOTICE.search(text):
        return "other"  # the grid's own broadcast, whatever it mentions
    record = _worker_record(text)
    if record is not None:
        return "other" if question else record
    scores = _scores(e)
    if _NOT_ORDER.search(text):
        scores["order"] = 0.0
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    if question and (best < _MIN_EVIDENCE_IN_QUESTION or not e.has_subject or _HEALTH_QUESTION.search(text)):
        return "other"
    return kind if best >= _MIN_EVIDENCE else "other"


def _worker_record(text: str) -> str | None:
    """``visit`` or ``disinfection`` for a worker's record of one; ``other`` for one announced."""
    kind = "visit" if _VISIT.search(text) else "disinfection" if _DISINFECTION.search(text) else None
    if kind is not None and _PLANNED.search(text) and not _DONE.search(text):
        return "other"
    return kind
