"""Property-based fuzzing of the extractor and the cleaning functions (Hypothesis).

Random bytes, random Unicode and mutated real pages (the replica's, in every charset it
serves, and the generic fixtures): no exception but a refusal escapes, the text that comes out
is valid Unicode without lone surrogates or control characters, and cleaning is idempotent.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from crawler.article import Article, Options, RawPage, Refusal, RefusalKind, build_article
from crawler.extract import Extracted, NotAnArticle, extract_page
from crawler.extract.limits import binary_signature, markup_depth, printable
from crawler.facts import facts_of, flags_of
from crawler.text.byline import parse_byline, split_editor
from crawler.text.clean import clean_text
from crawler.text.dates import parse_date
from crawler.text.decoding import decode_page
from crawler.text.junk import remove_junk
from crawler.text.mojibake import repair_mojibake
from crawler.text.pinyin import strip_pinyin, strip_ruby
from crawler.text.script import convert_to_simplified
from replica.site import build_site

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "generic"
CONTENT_TYPES = st.sampled_from(
    [None, "text/html", "text/html; charset=utf-8", "text/html; charset=gb2312", "text/html; charset=big5",
     "text/html; charset=bogus", "text/plain; charset=utf-16"]
)  # fmt: skip
# Text the pipeline hands to the cleaning functions: what printable() leaves.
CLEAN_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\n\t"),
    max_size=300,
)
CHINESE = st.text(
    st.sampled_from("乡村振兴基层治理干部村官聯系習近ā́(lián)（）。，、：责编来源作者 2021年1月4日|县市"),
    max_size=200,
)
MARKUP = [b"<div>" * 300, b"</p></div>", b"<!--", b"<script>", b"<ruby>", b"<rt>", b"\x00", b"\xef\xbb\xbf",
          b"&#0;&#xD800;", b"<"]  # fmt: skip
LIMITS = Options(max_bytes=5 * 1024 * 1024, max_depth=256, max_decode_errors=16)


def assert_clean_unicode(text: str) -> None:
    """Valid Unicode (encodable as UTF-8), no lone surrogate, no control character but whitespace."""
    text.encode("utf-8")
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t\r"]
    assert not bad, f"control or surrogate characters {bad!r} in {text[:200]!r}"


def assert_fields_clean(fields: Extracted | Article) -> None:
    get = lambda name: getattr(fields, name, None)  # noqa: E731
    for name in ("title", "subtitle", "source", "author", "editor"):
        if isinstance(value := get(name), str):
            assert_clean_unicode(value)
    for name in ("body", "meta_lines", "editor_lines"):
        for line in get(name) or []:
            assert_clean_unicode(line)


@lru_cache(maxsize=1)
def real_pages() -> list[tuple[bytes, str]]:
    """(bytes, Content-Type) of real pages: replica articles of every charset, generic fixtures."""
    site = build_site(24, date(2026, 11, 27))
    seen: set[str] = set()
    pages = []
    for (host, path), page in sorted(site.pages.items()):
        if page.status == 200 and path.endswith(".html") and (host, page.content_type) not in seen | {None}:
            kind = (host, page.content_type, "content_" in path or "/t2" in path)
            if str(kind) not in seen:
                seen.add(str(kind))
                pages.append((page.body, page.content_type))
    pages += [(p.read_bytes(), "text/html") for p in sorted(FIXTURES.glob("*.html"))]
    return pages


@st.composite
def mutated_page(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A real page, cut, spliced, with random bytes or markup inserted, or its header changed."""
    body, content_type = draw(st.sampled_from(real_pages()))
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "insert", "markup", "duplicate", "truncate", "flip"]))
        if action == "cut":
            del data[at : at + draw(st.integers(1, 2000))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif action == "markup":
            data[at:at] = draw(st.sampled_from(MARKUP))
        elif action == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 500))]
        elif action == "truncate":
            del data[at:]
        elif data and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
    return bytes(data), draw(st.one_of(st.just(content_type), CONTENT_TYPES))


def run_chain(body: bytes, content_type: str | None) -> Article | None:
    """The chain, as a crawl runs it; None when it refused the page (a refusal it can explain)."""
    headers = {"Content-Type": content_type} if content_type else {}
    page = RawPage(body, "http://www.example.cn/xczx/202101/t20210104_1.html", headers)
    outcome = build_article(page, LIMITS)
    if isinstance(outcome, Refusal):
        assert outcome.kind in RefusalKind and outcome.message
        return None
    assert facts_of(outcome.flags) == list(outcome.facts)  # the stored flags read back as the facts
    return outcome


# --- decoding and extraction -------------------------------------------------------------------


@given(st.binary(max_size=4000), CONTENT_TYPES)
def test_decoding_random_bytes_gives_valid_unicode(body, content_type):
    decoded = decode_page(body, content_type)
    decoded.text.encode("utf-8")  # no lone surrogates
    assert_clean_unicode(printable(decoded.text))


@given(st.text(max_size=2000))
def test_extracting_random_unicode_refuses_or_returns_fields(text):
    try:
        fields = extract_page(printable(text))
    except NotAnArticle:
        return
    assert_fields_clean(fields)


@given(st.text(st.sampled_from("<>/ div p h1 a=\"'!-x乡村。，\n"), max_size=3000))
def test_extracting_random_markup_refuses_or_returns_fields(text):
    try:
        fields = extract_page(text)
    except NotAnArticle:
        return
    assert_fields_clean(fields)


@given(st.binary(max_size=3000))
def test_limits_scan_anything(body):
    assert binary_signature(body) is None or isinstance(binary_signature(body), str)
    text = body.decode("latin-1")
    # the depth scan stops as soon as the depth passes its limit, and not before
    assert markup_depth(text, 50) == min(markup_depth(text, len(text) + 1), 51)


@given(mutated_page())
def test_the_item_chain_survives_mutated_real_pages(page):
    article = run_chain(*page)
    event("an article came out" if article is not None else "refused")
    if article is not None:
        assert_fields_clean(article)
        assert article.title and article.body


@given(st.binary(max_size=3000), CONTENT_TYPES)
def test_the_item_chain_survives_random_bytes(body, content_type):
    article = run_chain(body, content_type)
    if article is not None:
        assert_fields_clean(article)


FLAG_PARTS = [
    "encoding", "encoding-from", "decode-errors", "encoding-label-unknown", "encoding-meta-lied", "junk",
    "date-missing", "date-from-url", "title", "subtitle", "body[0]", "meta_lines[12]", "body[x]",
    "mojibake-repaired", "mojibake-unrepaired", "pinyin-removed", "script", "t2s", "s2t", "0", "07", "12",
    "ascii-lost", "place-run", "", " ",
]  # fmt: skip


@given(st.lists(st.sampled_from(FLAG_PARTS), min_size=1, max_size=5).map(":".join) | st.text(max_size=40))
def test_any_stored_flag_reads_back_as_it_was_written(flag):
    assert flags_of(facts_of([flag])) == [flag]


# --- cleaning ------------------------------------------------------------------------------------


@given(st.one_of(CLEAN_TEXT, CHINESE))
def test_clean_text_is_idempotent_and_clean(text):
    once = clean_text(text).text
    assert_clean_unicode(once)
    assert clean_text(once).text == once


@given(st.lists(st.one_of(CLEAN_TEXT, CHINESE), max_size=8))
def test_remove_junk_is_idempotent(paragraphs):
    once, _ = remove_junk(paragraphs)
    for line in once:
        assert_clean_unicode(line)
    assert remove_junk(once)[0] == once


@given(st.text(max_size=300))
def test_cleaning_functions_take_any_unicode(text):
    """Every cleaning function accepts any text (controls included) without raising."""
    strip_pinyin(text)
    repair_mojibake(text)
    convert_to_simplified(printable(text))  # OpenCC takes what the extract stage leaves
    strip_ruby(text)
    parse_byline(text)
    parse_date(text)
    split_editor([text])
    clean_text(printable(text))
