"""The HTML / MarkdownV2 parsers against TDLib's own test vectors, and text limits."""

from __future__ import annotations

import pytest

from sandbox.errors import ApiError
from sandbox.formatting import format_text
from sandbox.html import EntityParseError, parse_html
from sandbox.markdown import parse_markdown, parse_markdown_v2


def spans(entities: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(e["type"], e["offset"], e["length"]) for e in entities]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba>", 'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
        ("<b>不闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
    ],
)
def test_html_errors_match_tdlib(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟", [("italic", 5, 7), ("bold", 9, 3)]),
        ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a", [("italic", 6, 1)]),
        ("🏟 🏟&lt;<b></b>", "🏟 🏟<", []),
        ("网格<u>张三</u> &#128512;", "网格张三 😀", [("underline", 2, 2)]),
        ('<pre><code class="language-python">x</code></pre>', "x", [("pre", 0, 1)]),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st", [("spoiler", 0, 1), ("spoiler", 1, 1)]),
        ("<blockquote expandable>引用</blockquote>", "引用", [("expandable_blockquote", 0, 2)]),
    ],
)
def test_html_entities_in_utf16(source: str, text: str, entities: list[tuple[object, ...]]) -> None:
    parsed_text, parsed = parse_html(source)
    assert (parsed_text, spans(parsed)) == (text, entities)


def test_html_link_targets() -> None:
    _, entities = parse_html('<a href="https://x.cn/?a=1&b=2">甲</a><a>telegram.org</a>')
    assert [e["url"] for e in entities] == ["https://x.cn/?a=1&b=2", "http://telegram.org"]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
        ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
        ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
        ("[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"),
        ("第1.5条", "Character '.' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_markdown_v2_errors_match_tdlib(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2(source)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("🏟 🏟_🏟 __🏟___", "🏟 🏟🏟 🏟", [("italic", 5, 5), ("underline", 8, 2)]),
        ("🏟 🏟```🏟\n\n🏟```", "🏟 🏟\n🏟", [("pre", 5, 3)]),
        (
            "*粗* ~删~ ||剧透|| `码` 1\\.5",
            "粗 删 剧透 码 1.5",
            [("bold", 0, 1), ("strikethrough", 2, 1), ("spoiler", 4, 2), ("code", 7, 1)],
        ),
        (">引用\n>第二行\n正文", "引用\n第二行\n正文", [("blockquote", 0, 6)]),
    ],
)
def test_markdown_v2_entities(source: str, text: str, entities: list[tuple[object, ...]]) -> None:
    parsed_text, parsed = parse_markdown_v2(source)
    assert (parsed_text, sorted(spans(parsed))) == (text, sorted(entities))


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*粗* _斜_ [链接](http://x.cn) 1.5")
    assert text == "粗 斜 链接 1.5"
    assert spans(entities) == [("bold", 0, 1), ("italic", 2, 1), ("text_link", 4, 2)]
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("*未闭合")


def test_format_text_limits_and_auto_entities() -> None:
    text, entities = format_text("<b>/start</b> 见 https://x.cn @zhang_san", "HTML", None, caption=False)
    assert text == "/start 见 https://x.cn @zhang_san"
    assert spans(entities) == [("bold", 0, 6), ("url", 9, 12), ("mention", 22, 10)]
    with pytest.raises(ApiError, match="message text is empty"):
        format_text("<b></b>", "HTML", None, caption=False)
    with pytest.raises(ApiError, match="message is too long"):
        format_text("<b>字</b>" * 4097, "HTML", None, caption=False)
    assert format_text("<b>字</b>" * 4096, "HTML", None, caption=False)[0] == "字" * 4096
    with pytest.raises(ApiError, match="message caption is too long"):
        format_text("字" * 1025, None, None, caption=True)
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None, caption=False)
