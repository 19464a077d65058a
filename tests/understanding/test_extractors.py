"""The extractors one by one: addresses as rosters write them, numerals, dates, places, names."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from understanding.address import Address, normalise_address
from understanding.dates import claim_dates
from understanding.normalise import normalise_text
from understanding.numerals import to_digits, to_number
from understanding.places import find_places, pick_origin
from understanding.scan import Scan

from .scoring import parse_contract


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("3-2-501", "b3-u2-r501"),
        ("3栋2单元501室", "b3-u2-r501"),
        ("3号楼2单元501", "b3-u2-r501"),
        ("三号楼二单元五零一", "b3-u2-r501"),
        ("３－２－５０１", "b3-u2-r501"),
        ("3棟2單元501室", "b3-u2-r501"),
        ("3幢2单元0501", "b3-u2-r501"),
        ("3号楼2门501", "b3-u2-r501"),
        ("南园小区3栋2单元501室", "b3-u2-r501"),
        ("5-301", "b5-r301"),
        ("F座909", "bF-r909"),
        ("f座909室", "bF-r909"),
        ("32#1-1103", "b32-u1-r1103"),
        ("32号楼1-1103", "b32-u1-r1103"),
        ("3号楼12层1203", "b3-r1203"),
        ("二十三栋三单元一零零二", "b23-u3-r1002"),
        ("37号楼", "b37"),
        ("五组12号", "g5-n12"),
        ("第五组12号", "g5-n12"),
        ("十一队6号", "g11-n6"),
        ("三社5号", "g3-n5"),
        ("十四组", "g14"),
        ("１９组３号", "g19-n3"),
        ("西头岭村8号", "n8"),
    ],
)
def test_roster_addresses(written: str, key: str) -> None:
    address = normalise_address(written)
    assert address is not None and address.key() == key


@pytest.mark.parametrize("written", ["张三", "", "501", "12号", "3楼", "8网格", "2026-11-24", "13812345678", "11.15"])
def test_not_addresses(written: str) -> None:
    assert normalise_address(written) is None


def test_address_object() -> None:
    address = normalise_address("3-2-501")
    assert address == Address(building="3", unit="2", room="501")
    assert address.as_dict() == {"building": "3", "unit": "2", "room": "501"}
    assert hash(address) == hash(Address("3", "2", "501"))  # frozen: usable as a dict key


@pytest.mark.parametrize(
    ("token", "value"),
    [("12", 12), ("十二", 12), ("两", 2), ("二十三", 23), ("五零一", 501), ("一零零二", 1002), ("半", 0.5),
     ("三十六", 36), ("幺零二", 102), ("3.5", 3.5), ("张三", None), ("", None), ("1.2.3", None)],
)  # fmt: skip
def test_numerals(token: str, value: float | None) -> None:
    assert to_number(token) == value


def test_digits_are_canonical() -> None:
    assert to_digits("0501") == "501" and to_digits("3.5") is None


TODAY = dt.date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("昨天", "2026-11-23"), ("前天到的", "2026-11-22"), ("大后天", "2026-11-27"), ("今早", "2026-11-24"),
        ("本周五", "2026-11-27"), ("这周一", "2026-11-23"), ("上周日", "2026-11-22"), ("下周三", "2026-12-02"),
        ("上上周五", "2026-11-13"), ("星期六", "2026-11-28"), ("11月7日", "2026-11-07"), ("11.28", "2026-11-28"),
        ("2026-11-07", "2026-11-07"), ("十一月七号", "2026-11-07"), ("20号", "2026-11-20"), ("30号", "2026-11-30"),
        ("上个月28号", "2026-10-28"), ("下月3号", "2026-12-03"), ("1.3", "2027-01-03"),
    ],
)  # fmt: skip
def test_dates_resolve_against_the_message_date(text: str, date: str) -> None:
    dates = claim_dates(Scan(normalise_text(text)), TODAY)
    assert [d.date.isoformat() for d in dates] == [date]


def test_day_of_month_takes_the_nearest_month() -> None:
    early = dt.date(2026, 11, 2)
    assert [d.date for d in claim_dates(Scan("30号"), early)] == [dt.date(2026, 10, 30)]
    late = dt.date(2026, 11, 29)
    assert [d.date for d in claim_dates(Scan("2号"), late)] == [dt.date(2026, 12, 2)]


@pytest.mark.parametrize("text", ["5号楼", "36.5", "1.5斤", "18:00", "3号"])
def test_not_dates(text: str) -> None:
    from understanding.address import find_address
    from understanding.health import claim_temperatures
    from understanding.identifiers import claim_identifiers

    scan = Scan(normalise_text(text))
    claim_identifiers(scan)
    find_address(scan)
    claim_temperatures(scan)
    dates = claim_dates(scan, TODAY)
    assert all(d.date != dt.date(2026, 11, 3) or text == "3号" for d in dates)
    if text != "3号":
        assert dates == []


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("从北京朝阳回来", "北京市朝阳区"), ("上海浦东", "上海市浦东新区"), ("邯郸", "邯郸市"), ("石家庄", "石家庄市"),
        ("吉林四平", "吉林省四平市"), ("福建泉州晋江", "福建省泉州市晋江市"), ("广西桂林", "广西壮族自治区桂林市"),
        ("从江苏苏州吴中区回来", "江苏省苏州市吴中区"), ("香港", "香港特别行政区"), ("从美国回来", "美国"),
        ("报备 江山 从辽宁鞍山回来", "辽宁省鞍山市"), ("深圳", "深圳市"),
    ],
)  # fmt: skip
def test_origins(text: str, origin: str) -> None:
    place = pick_origin(find_places(Scan(normalise_text(text))))
    assert place is not None and place.name == origin


@pytest.mark.parametrize("text", ["和平", "东区网格", "今天天气好"])
def test_everyday_words_are_not_origins(text: str) -> None:
    assert pick_origin(find_places(Scan(text))) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("姓名：祝雨欣 体温36.5", "祝雨欣"),
        ("户主：邱桂兰 3-2-501 大米两袋", "邱桂兰"),
        ("我叫王芳 住十组6号 体温36.5", "王芳"),
        ("甄美华 32-2-1502 猕猴桃一箱", "甄美华"),
        ("33-2-1402薛梅 体温36.5度", "薛梅"),
        ("十八组诸葛明 核酸已做", "诸葛明"),
        ("司马丽（40-1-301）36.6", "司马丽"),
        ("李秀梅家(25-1-302)打卡 36.4", "李秀梅"),
        ("31号楼2单元1201黄志刚报到 36.5", "黄志刚"),
        ("报备 江山 从辽宁鞍山回来 今天到", "江山"),
    ],
)
def test_names_from_context(text: str, name: str) -> None:
    assert parse_contract(text, TODAY).get("name") == name


@pytest.mark.parametrize(
    "text",
    [
        "3-2-501 全家4口 体温36.5",  # 全家 begins with a surname character
        "十七组3号 方大姐 白糖一斤",  # a form of address, not a name
        "六组9号 柴油5升 化肥一袋",  # goods right after the address
        "我叫贝晶 我爱人今天从北京大兴回来 开车",  # the reporter, not the returnee
        "我家老大从贵州遵义开车回来 今天到",  # 从 is a surname too
        "代买 15-1-402 猪肉馅一斤",
    ],
)
def test_no_name_is_guessed(text: str) -> None:
    assert "name" not in parse_contract(text, TODAY)


def test_missing_fields_are_named_for_a_follow_up_question() -> None:
    assert parse_contract("帮我买两斤鸡蛋", TODAY)["x_missing"] == ["address"]
    assert "x_missing" not in parse_contract("3-2-501 张三 体温36.5", TODAY)


def test_numerals_in_names_and_words_are_left_alone() -> None:
    result = parse_contract("3-2-501 张三 一次性手套一盒 84消毒液两瓶 二甲双胍片三盒", TODAY)
    assert result["kind"] == "order" and result["name"] == "张三"
    items = result["items"]
    assert isinstance(items, list)
    assert [item["name"] for item in items] == ["一次性手套", "84消毒液", "二甲双胍片"]


def test_identity_number_is_never_echoed() -> None:
    result = parse_contract("报备 鞠红 黑龙江齐齐哈尔 今天 火车 身份证230202199201151824", TODAY)
    assert result["id_last4"] == "1824"
    assert "230202199201151824" not in repr(result)


def test_jieba_imports_quietly_from_source(tmp_path: Path) -> None:
    """A fresh install may have no .pyc for jieba, whose sources warn when compiled."""
    import jieba

    source = Path(jieba.__file__).parent
    shutil.copytree(
        source, tmp_path / "jieba", ignore=shutil.ignore_patterns("__pycache__", "lac_small", "posseg", "analyse")
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).parents[2])]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "GRIDBOT_CACHE_DIR": str(tmp_path / "cache"),
    }
    script = "from understanding import segment; print(' '.join(segment.cut('我女婿叫包文杰')))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], env=env, capture_output=True, check=True, timeout=120
    )
    assert done.stdout.decode().split() == ["我", "女婿", "叫", "包文杰"]
    assert done.stderr == b""


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("5 栋 1 0 2 王 桂 兰 3 6 . 5", "5栋102王桂兰36.5"),  # a space after every character
        ("五杠一杠三零二", "5-1-302"),  # a spoken dash
        ("抗原一道杠", "抗原一道杠"),  # …not the bars of a test
        ("电话一三八 零零一二 三四五六", "电话13800123456"),  # a phone spoken digit by digit
        ("幺五九一二三四五六七八", "15912345678"),
        ("一二三四五六七八九零一", "一二三四五六七八九零一"),  # eleven digits that are no phone
        ("体文三十六度五 核酸以做", "体温三十六度五 核酸已做"),  # voice-to-text homophones
        ("降糖药（二甲双胍缓释片）三盒", "二甲双胍缓释片三盒"),  # the drug named in brackets
        ("❌咳嗽 发烧🚫", "无咳嗽 发烧无"),  # emoji crosses deny
    ],
)
def test_writing_styles_normalise(written: str, normalised: str) -> None:
    assert normalise_text(written) == normalised


@pytest.mark.parametrize(
    ("text", "iso"),
    [("前儿个", "2026-11-22"), ("昨儿个", "2026-11-23"), ("上个月底", "2026-10-31"), ("这个月初", "2026-11-01")],
)
def test_spoken_dates(text: str, iso: str) -> None:
    mentions = claim_dates(Scan(text), dt.date(2026, 11, 24))
    assert [m.date.isoformat() for m in mentions] == [iso]
