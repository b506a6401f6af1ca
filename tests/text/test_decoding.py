"""Encoding decisions on real bytes: BOM, header, meta, then the statistical check."""

import codecs
import logging

import pytest

from crawler.text.decoding import decode_page, header_charset, meta_charset, normalize_label

ARTICLE = "近年来，锦屏县围绕“党建强、产业兴、群众富”的目标，充分发挥基层党组织引领作用。"
TRADITIONAL = "近年來，錦屏縣圍繞“黨建強、產業興、群眾富”的目標，充分發揮基層黨組織引領作用。"
GB18030_ONLY = "南汉高祖刘䶮的故事，㐀字在扩展区，"  # 䶮 and 㐀 are not in GBK


def html(text: str, charset: str | None = None) -> str:
    """A small article page, optionally declaring its charset in a meta tag."""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>要聞</title></head><body><p>{text}</p></body></html>"


def test_gbk_labelled_gb2312_decodes_as_gb18030() -> None:
    decoded = decode_page(html(ARTICLE).encode("gbk"), "text/html; charset=gb2312")
    assert ARTICLE in decoded.text
    assert decoded.encoding == "gb18030"
    assert decoded.flags == ("encoding:gb18030", "encoding-from:http-header")


def test_a_mirror_page_with_tone_marked_pinyin_keeps_its_gbk_label() -> None:
    mirror = "近年來(lái)，錦屏縣圍繞“黨建強(qiáng)、產(chǎn)業(yè)興”的目標(biāo)，著力轉(zhuǎn)變。" * 3
    decoded = decode_page(html(mirror).encode("gbk"), "text/html; charset=gb2312")
    assert mirror in decoded.text
    assert decoded.flags == ("encoding:gb18030", "encoding-from:http-header")


def test_utf8_bytes_labelled_gb2312_are_implausible_as_gb18030() -> None:
    decoded = decode_page(html(ARTICLE * 2).encode("utf-8"), "text/html; charset=gb2312")
    assert ARTICLE in decoded.text
    assert decoded.encoding == "utf-8"
    assert "encoding-header-lied:gb2312" in decoded.flags


def test_gb18030_only_characters_under_a_gbk_label() -> None:
    body = html(GB18030_ONLY * 3).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gbk")
    decoded = decode_page(body, "text/html; charset=GBK")
    assert GB18030_ONLY in decoded.text
    assert decoded.encoding == "gb18030"


def test_meta_charset_is_used_without_a_header() -> None:
    decoded = decode_page(html(ARTICLE, "gbk").encode("gbk"), "text/html")
    assert ARTICLE in decoded.text
    assert decoded.flags == ("encoding:gb18030", "encoding-from:meta")


@pytest.mark.parametrize("text", [ARTICLE, TRADITIONAL])
def test_undeclared_gbk_is_detected(text: str) -> None:
    for body in (html(text).encode("gbk"), text.encode("gbk")):  # an HTML page, a text capture
        decoded = decode_page(body)
        assert text in decoded.text
        assert decoded.encoding == "gb18030"
        assert "encoding-from:detected" in decoded.flags


def test_a_header_that_lies_is_overruled() -> None:
    decoded = decode_page(html(ARTICLE).encode("gbk"), "text/html; charset=utf-8")
    assert ARTICLE in decoded.text
    assert decoded.encoding == "gb18030"
    assert "encoding-from:detected" in decoded.flags
    assert "encoding-header-lied:utf-8" in decoded.flags


def test_a_latin1_header_on_utf8_bytes_is_implausible() -> None:
    decoded = decode_page(html(ARTICLE).encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert ARTICLE in decoded.text
    assert decoded.encoding == "utf-8"
    assert "encoding-header-lied:ISO-8859-1" in decoded.flags


def test_big5_label_decodes_as_big5hkscs() -> None:
    decoded = decode_page(html(TRADITIONAL).encode("big5"), "text/html; charset=big5")
    assert TRADITIONAL in decoded.text
    assert decoded.flags == ("encoding:big5hkscs", "encoding-from:http-header")


def test_undeclared_big5_is_detected() -> None:
    decoded = decode_page(html(TRADITIONAL).encode("big5"))
    assert TRADITIONAL in decoded.text
    assert decoded.encoding == "big5hkscs"


def test_utf8_bom_wins_over_a_wrong_header() -> None:
    decoded = decode_page(codecs.BOM_UTF8 + ARTICLE.encode("utf-8"), "text/plain; charset=gbk")
    assert decoded.text == ARTICLE  # the BOM is not part of the text
    assert decoded.flags == ("encoding:utf-8", "encoding-from:bom")


def test_correct_utf8_header_is_trusted() -> None:
    decoded = decode_page(html(ARTICLE).encode("utf-8"), "text/html; charset=UTF-8")
    assert decoded.flags == ("encoding:utf-8", "encoding-from:http-header")


def test_bytes_nothing_decodes_are_kept_with_marks() -> None:
    body = ARTICLE.encode("utf-8") + b"\xff\xfe\xfd" + ARTICLE.encode("utf-8")
    decoded = decode_page(body[1:] + b"\x80")  # no BOM, invalid everywhere
    assert "\ufffd" in decoded.text
    assert any(flag.startswith("decode-errors:") for flag in decoded.flags)
    assert decoded.encoding == "utf-8"
    assert ARTICLE[1:] in decoded.text


def test_ascii_page_without_declaration() -> None:
    decoded = decode_page(b"<html><body>Hello</body></html>")
    assert decoded.text == "<html><body>Hello</body></html>"
    assert decoded.encoding == "utf-8"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("no-such-charset", None),
    ],
)
def test_labels_map_to_supersets(label: str, codec: str | None) -> None:
    assert normalize_label(label) == codec


def test_declarations_are_read() -> None:
    assert header_charset('text/html; charset="GB2312"') == "GB2312"
    assert header_charset("text/html") is None
    assert meta_charset(b'<head><meta charset="gbk"></head>') == "gbk"
    assert meta_charset(b"<head><title>x</title></head>") is None


def test_gbk_page_with_broken_bytes_is_gb18030_not_a_single_byte_code_page() -> None:
    prose = "乡村振兴要久久为功，基层党组织带领群众发展产业，村民收入逐年提高。" * 20
    text = f"<html><body><p>{prose}</p></body></html>"
    body = text.encode("gbk")
    body = body[:200] + b"\xff\xfe" + body[200:600] + b"\x80" + body[600:]
    decoded = decode_page(body)
    assert decoded.encoding == "gb18030"
    assert "乡村振兴要久久为功" in decoded.text
    assert "decode-errors:3" in decoded.flags


def test_guessing_makes_no_debug_records_of_charset_normalizer(caplog: pytest.LogCaptureFixture) -> None:
    """Every logger at DEBUG, as in a crawl: the guesser's step-by-step records are not even made."""
    body = ("<p>" + "乡村振兴战略实施以来，各地农村面貌发生了深刻变化。" * 20 + "</p>").encode("gbk")
    with caplog.at_level(logging.DEBUG):
        decoded = decode_page(body)
    assert decoded.encoding == "gb18030"  # guessed: nothing declared
    assert not [record for record in caplog.records if record.name.startswith("charset_normalizer")]
    assert logging.getLogger("charset_normalizer").isEnabledFor(logging.WARNING)  # its warnings still show
