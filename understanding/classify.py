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

_ZERO = re.compile(r"零报告|零上报|无异常情况报告")
_ALL_NORMAL = re.compile(r"无异常|情况正常|一切正常|均正常|无新增")
_GRID = re.compile(r"网格|全组|本组|辖区|全村|本村|小区|片区|社区|楼栋|各户|全体|组")
_NOTICE = re.compile(
    r"温馨提示|通知|公告|请各位|各位居民|请大家|请广大|请全体|提醒大家|紧急提醒|@所有人|完成打卡|按时打卡|未打卡|务必|请于|"
    r"大家注意|请注意|每户"
)
_QUESTION = re.compile(
    r"[?]|吗|请问|怎么|怎样|什么|为什么|哪里|哪儿|哪个|哪|几点|几次|几天|多少|多久|能不能|可不可以|"
    r"是否(?![^\s:]{0,6}:)|要不要|"  # 是否有症状：否 is a form's field, not a question
    r"需不需要|有没有|行不行|是不是|咋|啥时候|何时|谁|吧$"
)
_CHECKIN_CUE = re.compile(r"打卡|报平安|健康|报到|体温正常|一切正常|都挺好|都好|均正常|都正常|正常|平安|无异常")
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
        + (2.0 if _CHECKIN_CUE.search(e.text) else 0.0)
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
    question = _QUESTION.search(text) is not None
    if _ZERO.search(text):
        return "other" if question else "zero"  # 今天还要零报告吗？ asks, it does not report
    if _ALL_NORMAL.search(text) and _GRID.search(text) and not question and not _household_facts(e):
        return "zero"  # a leader's 网格无异常; a household's own "all normal" names its home
    scores = _scores(e)
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    if _NOTICE.search(text):
        return "other"  # the grid's own broadcast, whatever it mentions
    if question and (best < _MIN_EVIDENCE_IN_QUESTION or not e.has_subject):
        return "other"
    return kind if best >= _MIN_EVIDENCE else "other"
