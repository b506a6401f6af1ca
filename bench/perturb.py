"""Perturbation tests of title, date and author extraction on news-dev's DEV pages (python -m bench.perturb).

The dev pages are few; the pages the project will meet vary in ways they do not. So each dev
article is varied the way real sites vary, and the chain (crawler.article.build_article, as
bench.extraction runs it) is asked again:

  title   the <title> rewritten (`标题_频道_站名`, `标题 - 站名`, `站名|标题`, `【站名】标题` …),
          og:title added or removed, the headline's <h1> turned into a plain <div>, a logo <h1>
          and sidebar <h2>s added. Pages whose headline the project reads right and finds on the
          page as an element; the answer is that headline.
  date    the page's own meta lines (the date, 来源, author lines the project read) and its date
          <meta> tags are taken out (pages where no date is left), then one header line is put
          under the headline in one of the forms sites write (`发布时间：`, `日期:`, `2024年3月1日
          星期五`, `2024/03/01`, `2024-3-1`, 来源 and date on one line with spaces, nbsp or
          full-width colons), with or without a sidebar of newer dated links, a copyright year in
          the footer, or the date only in the URL. The answer is the date put in (or none).
  author  the same pages with no author left, then a byline put in: `记者 张三 李四`, `文/张三`,
          `作者：张三`, `本报记者 张三`, `（记者 张三 通讯员 李四）` opening or closing the body,
          `张三 摄`, names with 、 or spaces, organisations that are no author. The answer is the
          names put in (or none).

Pages are read in place from ../shared/corpus/news-dev, never copied; held-out pages are never
read. The figures: per variant, the share of pages that stay right; then the failures by variant.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lxml import etree, html

from bench.extraction import NEWS_DEV, ProductChain, Result, _squash, load_dev, names, simplified
from crawler.text.dates import CHINA
from crawler.text.decoding import decode_page

URL = "http://www.example.com/news/content_58213.html"  # no date in it
WHEN = date(2024, 3, 1)  # a Friday
NEWER = "2025-06-18"  # a sidebar's and a footer's dates: newer than WHEN
HEADERS = {"Content-Type": "text/html; charset=utf-8"}


@dataclass
class Case:
    """One variant of one page: the html and URL to run, the answer to check."""

    variant: str
    html: str
    url: str = URL
    title: str | None = None
    day: date | None = None  # the expected day (None with check_day: no date)
    check_day: bool = False
    authors: frozenset[str] | None = None  # expected names (empty: none)


# --- finding things on the page -------------------------------------------------------------


def _text(node: etree._Element) -> str:
    return _squash(simplified(node.text_content()))


def deepest_holding(root: etree._Element, text: str, slack: float = 2.0) -> etree._Element | None:
    """The deepest element whose text holds `text` and is not much longer than it."""
    wanted = _squash(simplified(text))
    if not wanted:
        return None
    found = None
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag in ("html", "head", "title", "script", "style"):
            continue
        own = _text(node)
        if wanted in own and len(own) <= slack * len(wanted) + 10:
            found = node  # iter() is depth first: a later hit inside is deeper
    return found


MARK = "data-perturb"  # marks the headline and the body's first and last paragraphs on a copy


def _mark(node: etree._Element | None, name: str) -> None:
    if node is not None:
        node.set(MARK, f"{node.get(MARK, '')} {name}".strip())


def _at(root: etree._Element, name: str) -> etree._Element | None:
    found = root.xpath(f"//*[contains(concat(' ', @{MARK}, ' '), ' {name} ')]")
    return found[0] if found else None


def find_headline(root: etree._Element, title: str, first: etree._Element | None) -> etree._Element | None:
    """The element showing the headline: a heading if one holds it, else the closest element above
    the body's first paragraph that holds it and is not a link (a sidebar may list the headline)."""
    wanted = _squash(simplified(title))
    if not wanted:
        return None
    order = {node: i for i, node in enumerate(root.iter())}
    hits = []
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag in ("html", "head", "title", "body"):
            continue
        own = _text(node)
        if wanted in own and len(own) <= 1.2 * len(wanted) + 10:
            hits.append(node)
    headings = [n for n in hits if n.tag in ("h1", "h2", "h3")]
    # the headings, else the deepest ones
    hits = headings or [n for n in hits if not any(c in hits for c in n if isinstance(c.tag, str))]
    hits = [n for n in hits if n.tag != "a" and not any(a.tag == "a" for a in n.iterancestors())] or hits
    limit = order.get(first, len(order)) if first is not None else len(order)
    above = [n for n in hits if order[n] < limit]
    return (above or hits or [None])[-1]


def _remove(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    if node.tail and node.tail.strip():
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _serialise(root: etree._Element) -> str:
    for meta in root.xpath("//meta[@charset or translate(@http-equiv,'CONTENT-TYPE','content-type')]"):
        meta.getparent().remove(meta)
    return "<!DOCTYPE html>\n" + html.tostring(root, encoding="unicode")


def _fragment(markup: str) -> etree._Element:
    return html.fragment_fromstring(markup, create_parent=False)


def _set_title(root: etree._Element, text: str) -> None:
    head = root.find("head")
    if head is None:
        head = etree.SubElement(root, "head")
        root.insert(0, head)
    for node in head.findall("title"):
        head.remove(node)
    title = etree.SubElement(head, "title")
    title.text = text


def _set_og(root: etree._Element, text: str | None) -> None:
    for node in root.xpath("//meta[@property='og:title']"):
        node.getparent().remove(node)
    if text is not None:
        head = root.find("head")
        etree.SubElement(head, "meta", property="og:title", content=text)


# --- the variants ------------------------------------------------------------------------------

SITE, CHANNEL, COUNTY = "新华网", "时政频道", "平江县人民政府门户网站"

TITLE_FORMS: dict[str, Callable[[str], str]] = {
    "title_channel_site": lambda t: f"{t}_{CHANNEL}_{SITE}",
    "title - site": lambda t: f"{t} - {SITE}",
    "site|title": lambda t: f"{SITE}|{t}",
    "【site】title": lambda t: f"【{SITE}】{t}",
    "title--channel--site": lambda t: f"{t}--时政--人民网",
    "title_county portal": lambda t: f"{t}_{COUNTY}",
    "title | site (spaces)": lambda t: f"{t} | 澎湃新闻",
    "site only": lambda t: SITE,
    "title——site": lambda t: f"{t}——{SITE}",
    "title – site": lambda t: f"{t} – {SITE}",
    "title-site (no spaces)": lambda t: f"{t}-{SITE}",
    "site - channel - title": lambda t: f"{SITE} - 时政 - {t}",
    "title _ channel _ site": lambda t: f"{t} _ 时政 _ {SITE}",
}


def title_cases(root: etree._Element, title: str) -> list[Case]:
    cases = []
    for name, form in TITLE_FORMS.items():
        page = copy.deepcopy(root)
        _set_title(page, form(title))
        _set_og(page, None)
        cases.append(Case(f"title: {name}", _serialise(page), title=title))
    page = copy.deepcopy(root)
    _set_title(page, f"{title}_{SITE}")
    _set_og(page, title)
    cases.append(Case("title: og:title = headline", _serialise(page), title=title))
    page = copy.deepcopy(root)
    _set_title(page, f"{title}_{SITE}")
    _set_og(page, f"{title}_{SITE}")
    cases.append(Case("title: og:title with site", _serialise(page), title=title))
    for name, form in (("h1 → div", "title_channel_site"), ("h1 → div, site|title", "site|title")):
        page = copy.deepcopy(root)
        _set_title(page, TITLE_FORMS[form](title))
        _set_og(page, None)
        node = _at(page, "headline")
        node.tag = "div"
        for key in list(node.attrib):
            del node.attrib[key]
        cases.append(Case(f"title: {name}", _serialise(page), title=title))
    page = copy.deepcopy(root)
    _set_title(page, f"{title}_{SITE}")
    body = page.find("body")
    if body is not None:
        body.insert(0, _fragment(f'<div class="logo"><h1><a href="/">{SITE}</a></h1></div>'))
        side = "".join(
            f"<li><a href='/a/{i}.html'>乡村振兴工作推进会在多地召开第{i}期</a></li>" for i in range(6)
        )
        body.append(_fragment(f'<div class="side"><h2>热点推荐</h2><ul>{side}</ul><h2>图片新闻</h2></div>'))
        cases.append(Case("title: logo h1 + sidebar h2s", _serialise(page), title=title))
    return cases


DATE_LINES: dict[str, str] = {
    "发布时间：Y-M-D h:m": "发布时间：2024-03-01 09:30",
    "日期:Y/M/D": "日期:2024/03/01",
    "Y年M月D日 星期五": "2024年3月1日 星期五",
    "Y-M-D unpadded": "2024-3-1",
    "Y/M/D h:m:s unpadded": "2024/3/1 9:30:00",
    "Y.M.D labelled 时间": "时间：2024.03.01",
    "来源 + date, full-width space": "来源：新华网\u3000\u30002024-03-01 09:30",
    "date + 来源": "2024-03-01 09:30 来源：人民日报",
    "发布时间 + nbsp + 来源": "发布时间：2024-03-01\u00a0\u00a0来源：县政府办",
    "county header: 日期 来源 浏览次数": "发布日期：2024年03月01日　　来源：本站　　浏览次数：1234",
    "full-width colons": "发布时间：2024－03－01　来源：平江县农业农村局",
    "更新时间 then 发布时间": "更新时间：2025-01-02 10:00 发布时间：2024-03-01 09:30",
    "作者 来源 时间 one line": "作者：王建国 来源：新华社 时间：2024-03-01",
    "[Y-M-D] bracketed": "[2024-03-01]",
    "Y.M.D unpadded": "2024.3.1",
    "时间：Y年M月D日 h:m": "时间：2024年03月01日 10:20",
    "date 来源 作者 浏览": "2024-03-01 09:30 来源：新华社 作者：王建国 浏览：123",
    "label on its own line": "</div><div class='info'><span>发布日期：</span></div><div>2024-03-01",
}

SIDEBAR = (
    '<div class="hotnews"><h3>热点新闻</h3><ul>'
    + "".join(
        f"<li><a href='/n/{i}.html'>全县春季农业生产工作会议召开第{i}次</a><span>{NEWER}</span></li>"
        for i in range(6)
    )
    + "</ul></div>"
)
FOOTER = f'<div class="copyright">Copyright © {NEWER[:4]} 新华网 版权所有 京ICP备12345678号</div>'

AUTHOR_LINES: dict[str, tuple[str, frozenset[str]]] = {
    "记者 A B": ("记者 王建国 李晓明", frozenset({"王建国", "李晓明"})),
    "文/A": ("文/王建国", frozenset({"王建国"})),
    "作者：A": ("作者：王建国", frozenset({"王建国"})),
    "本报记者 A": ("本报记者 王建国", frozenset({"王建国"})),
    "作者：A、B": ("作者：王建国、李晓明", frozenset({"王建国", "李晓明"})),
    "来源 + 作者": ("来源：人民网  作者：王建国", frozenset({"王建国"})),
    "date 来源 作者 one line": ("2024-03-01 09:30  来源：新华社  作者：王建国", frozenset({"王建国"})),
    "作者：compound surname": ("作者：欧阳明月", frozenset({"欧阳明月"})),
    "作者：A spaced": ("作者：王  军", frozenset({"王军"})),
    "记者 A 通讯员 B": ("记者 王建国 通讯员 李晓明", frozenset({"王建国", "李晓明"})),
    "A 摄 (header)": ("王建国 摄", frozenset({"王建国"})),
    "organisation as 作者": ("来源：平江县农业农村局  作者：平江县农业农村局", frozenset()),
    "责任编辑 only": ("责任编辑：李晓明", frozenset()),
    "作者：A B (space)": ("作者：王建国 李晓明", frozenset({"王建国", "李晓明"})),
    "记者：A": ("记者：王建国", frozenset({"王建国"})),
    "文丨A": ("文丨王建国", frozenset({"王建国"})),
    "撰文丨A": ("撰文丨王建国", frozenset({"王建国"})),
    "作者 | A": ("作者 | 王建国", frozenset({"王建国"})),
    "【作者】A": ("【作者】王建国", frozenset({"王建国"})),
    "作者：佚名": ("来源：新华网 作者：佚名", frozenset()),
    "文/A 图/B": ("文/王建国 图/李晓明", frozenset({"王建国", "李晓明"})),
}
AUTHOR_IN_BODY: dict[str, tuple[str, str, frozenset[str]]] = {
    # where, text, names
    "（记者 A 通讯员 B） opening": (
        "open",
        "本报讯（记者 王建国 通讯员 李晓明）",
        frozenset({"王建国", "李晓明"}),
    ),
    "（记者 A） opening, no 本报讯": ("open", "（记者 王建国）", frozenset({"王建国"})),
    "（记者 A 通讯员 B） closing": (
        "close",
        "（记者 王建国 通讯员 李晓明）",
        frozenset({"王建国", "李晓明"}),
    ),
    "A 摄 closing": ("close", "王建国 摄", frozenset({"王建国"})),
    "文/A opening paragraph": ("own", "文/王建国", frozenset({"王建国"})),
}


def _strip_meta(root: etree._Element, base: Result, meta_lines: list[str]) -> bool:
    """Take the page's meta lines and date/author <meta> tags out; False if one is not found."""
    for node in root.xpath(
        "//meta[contains(translate(@name|@property|@itemprop,'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
        "'abcdefghijklmnopqrstuvwxyz'),'date') or contains(@name|@property|@itemprop,'time') or "
        "@name='author' or contains(@property,'author')]"
    ):
        node.getparent().remove(node)
    for line in meta_lines:
        node = deepest_holding(root, line, slack=1.5)
        if node is None:
            return False
        _remove(node)
    return True


def _insert_after(root: etree._Element, name: str, markup: str) -> None:
    node = _at(root, name)
    for element in reversed(html.fragments_fromstring(markup)):
        if isinstance(element, str):
            continue
        node.addnext(element)


def meta_cases(root: etree._Element, date_clean: bool, author_clean: bool) -> list[Case]:
    cases = []
    headline_path = "headline"
    first_path = "first" if _at(root, "first") is not None else None
    last_path = "last" if _at(root, "last") is not None else None
    if date_clean:
        for name, line in DATE_LINES.items():
            page = copy.deepcopy(root)
            _insert_after(page, headline_path, f'<div class="info">{line}</div>')
            cases.append(Case(f"date: {name}", _serialise(page), day=WHEN, check_day=True))
        page = copy.deepcopy(root)
        _insert_after(page, headline_path, '<div class="info">发布时间：2024-03-01</div>')
        page.find("body").insert(0, _fragment(SIDEBAR))
        cases.append(
            Case("date: + sidebar of newer dates before", _serialise(page), day=WHEN, check_day=True)
        )
        if last_path:
            page = copy.deepcopy(root)
            _insert_after(page, headline_path, '<div class="info">2024-03-01</div>')
            _insert_after(page, last_path, SIDEBAR)
            cases.append(
                Case(
                    "date: bare + sidebar of newer dates after body",
                    _serialise(page),
                    day=WHEN,
                    check_day=True,
                )
            )
        page = copy.deepcopy(root)
        _insert_after(page, headline_path, '<div class="info">来源：新华网 2024-03-01</div>')
        page.find("body").append(_fragment(FOOTER))
        cases.append(Case("date: + footer copyright year", _serialise(page), day=WHEN, check_day=True))
        page = copy.deepcopy(root)
        page.find("body").append(_fragment(FOOTER))
        cases.append(Case("date: none, only a footer copyright year", _serialise(page), check_day=True))
        page = copy.deepcopy(root)
        cases.append(
            Case(
                "date: only in the URL (TRS)",
                _serialise(page),
                url="http://www.pingjiang.gov.cn/xxgk/202403/t20240301_123456.html",
                day=WHEN,
                check_day=True,
            )
        )
    if author_clean:
        for name, (line, who) in AUTHOR_LINES.items():
            page = copy.deepcopy(root)
            _insert_after(page, headline_path, f'<div class="info">{line}</div>')
            cases.append(Case(f"author: {name}", _serialise(page), authors=who))
        for name, (where, text, who) in AUTHOR_IN_BODY.items():
            path = first_path if where in ("open", "own") else last_path
            if path is None:
                continue
            page = copy.deepcopy(root)
            node = _at(page, path)
            if node is None:
                continue
            if where == "open":
                node.text = text + (node.text or "")
            elif where == "own":
                node.addprevious(_fragment(f"<p>{text}</p>"))
            else:
                node.addnext(_fragment(f"<p>{text}</p>"))
            cases.append(Case(f"author: {name}", _serialise(page), authors=who))
    return cases


# --- running --------------------------------------------------------------------------------


def check(case: Case, result: Result) -> tuple[bool, str]:
    """Whether the chain's answer is right, and what it gave."""
    if result.rejected:
        return False, f"refused: {result.reason[:60]}"
    if case.title is not None:
        return _squash(simplified(result.title)) == _squash(simplified(case.title)), f"title {result.title!r}"
    if case.check_day:
        got = result.published.astimezone(CHINA).date() if result.published else None
        return got == case.day, f"day {got}"
    if case.authors is not None:
        got_names = names(simplified(result.author))
        return got_names == case.authors, f"author {result.author!r}"
    raise ValueError(case)


def run(limit: int | None, only: str | None, worst: int, dump: Path | None = None) -> int:
    chain = ProductChain()
    pages = [p for p in load_dev(("dev",)) if p.kind == "article"][:limit]
    tally: dict[str, list[bool]] = {}
    failures: dict[str, list[str]] = {}
    skipped = {"title": 0, "date": 0, "author": 0, "control": 0}
    for page in pages:
        base = chain.run(page.raw, URL)
        if base.rejected:
            continue
        text = decode_page(page.raw, None).text
        root = html.document_fromstring(text)
        # the first paragraph of the text: a sentence, not a kicker or a caption
        opening = next((p for p in base.paragraphs if len(p) >= 10 and p[-1] in "。！？”」）)"), None)
        first = deepest_holding(root, opening) if opening else None
        headline = find_headline(root, base.title or "", first)
        if headline is None or headline.tag in ("body", "html"):
            skipped["title"] += 1
            skipped["date"] += 1
            skipped["author"] += 1
            continue
        _mark(headline, "headline")
        if base.paragraphs:
            _mark(first, "first")
            _mark(deepest_holding(root, base.paragraphs[-1]), "last")
        cases: list[Case] = []
        title_right = page.titles and any(
            _squash(simplified(base.title)) == _squash(simplified(t)) for t in page.titles
        )
        control = chain.run(_serialise(copy.deepcopy(root)).encode(), URL, HEADERS)
        if control.rejected or control.title != base.title:
            skipped["control"] += 1  # the page reads otherwise once re-serialised: not varied
            continue
        if title_right:
            shown = " ".join(headline.text_content().split())  # in the page's own script
            cases += title_cases(
                root,
                shown if _squash(simplified(shown)) == _squash(simplified(base.title)) else base.title or "",
            )
        else:
            skipped["title"] += 1
        stripped = copy.deepcopy(root)
        article = _article(chain, page.raw)
        if article is None or not _strip_meta(stripped, base, article.meta_lines + article.editor_lines):
            skipped["date"] += 1
            skipped["author"] += 1
        else:
            bare = chain.run(_serialise(copy.deepcopy(stripped)).encode(), URL, HEADERS)
            date_clean = not bare.rejected and bare.published is None
            author_clean = not bare.rejected and not bare.author
            skipped["date"] += not date_clean
            skipped["author"] += not author_clean
            if _at(stripped, "headline") is not None:
                cases += meta_cases(stripped, date_clean, author_clean)
        for case in cases:
            if only and only not in case.variant:
                continue
            result = chain.run(case.html.encode(), case.url, HEADERS)
            ok, got = check(case, result)
            tally.setdefault(case.variant, []).append(ok)
            if not ok and dump:
                dump.mkdir(parents=True, exist_ok=True)
                slug = "".join(c if c.isalnum() else "_" for c in case.variant)[:40]
                (dump / f"{page.file.removesuffix('.html')}__{slug}.html").write_text(case.html, "utf-8")
            if not ok:
                want = (
                    case.title
                    or (case.day if case.check_day else None)
                    or " ".join(sorted(case.authors or ()))
                )
                failures.setdefault(case.variant, []).append(f"{page.file}: {got} | want {want or None}")
    print(f"## perturbations of news-dev's dev articles ({len(pages)} pages, {NEWS_DEV})")
    print(f"pages not varied (headline or meta not found, a date or author left once stripped): {skipped}")
    print()
    print("| variant | right | share |")
    print("|---|---:|---:|")
    totals: dict[str, list[bool]] = {}
    for variant, values in tally.items():
        totals.setdefault(variant.split(":")[0], []).extend(values)
        print(f"| {variant} | {sum(values)}/{len(values)} | {sum(values) / len(values):.2f} |")
    for kind, values in totals.items():
        print(f"| **{kind}, all variants** | {sum(values)}/{len(values)} | {sum(values) / len(values):.2f} |")
    print()
    for variant, lines in failures.items():
        print(f"{variant}: {len(lines)} wrong")
        for line in lines[:worst]:
            print(f"  {line}")
    return 0


def _article(chain: ProductChain, raw: bytes):
    from crawler.article import RawPage, Refusal, build_article

    outcome = build_article(RawPage(raw, URL, {}), chain.options)
    return None if isinstance(outcome, Refusal) else outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perturb", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, help="only the first N dev articles")
    parser.add_argument("--only", help="only the variants whose name holds this")
    parser.add_argument("--worst", type=int, default=6, help="failures listed per variant")
    parser.add_argument("--dump", type=Path, help="write each failing variant's page here (outside the repo)")
    args = parser.parse_args(argv)
    if not NEWS_DEV.is_dir():
        print(f"perturb: skipped: the shared corpus is not at {NEWS_DEV}")
        return 0
    return run(args.limit, args.only, args.worst, args.dump)


if __name__ == "__main__":
    sys.exit(main())
