"""Raw pages for the chain's tests: an article in the news CMS layout, or a plain-text capture."""

from __future__ import annotations

from html import escape

from crawler.article import RawPage

URL = "http://x.gov.cn/xwzx/202101/t20210104_1.html"  # a URL that names its day
UNDATED_URL = "http://x.cn/article_show.aspx?id=1"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def cms_html(title: str, body: list[str], meta_lines: list[str] = (), editor_lines: list[str] = ()) -> str:
    """The page of crawler.extract.profiles.NEWS_CMS holding these raw fields."""
    meta = "".join(f'<div class="info">{escape(line)}</div>' for line in meta_lines)
    editor = "".join(f'<div class="editor">{escape(line)}</div>' for line in editor_lines)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body)
    return (
        f'<html><head><title>{escape(title)}</title></head><body><div class="article">'
        f'<h1 class="title">{escape(title)}</h1>{meta}<div class="content">{paragraphs}</div>{editor}'
        "</div></body></html>"
    )


def cms_page(
    title: str = "标题",
    body: list[str] = ("正文。",),
    meta_lines: list[str] = (),
    editor_lines: list[str] = (),
    *,
    url: str = URL,
    **context,
) -> RawPage:
    """A raw page in the news CMS layout (UTF-8, declared in the header)."""
    html = cms_html(title, list(body), list(meta_lines), list(editor_lines))
    return RawPage(html.encode("utf-8"), url, HTML, **context)
