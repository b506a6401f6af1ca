"""A hostile web, part two: crawl traps, e-paper page lists linking days far away and a channel
list that never ends (their pages are made up on request: there are infinitely many)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from replica import templates
from replica.model import EPAPER_PREFIX, MAIN, NEWS_PREFIX, FaultEntry, Page, Site, utf8_page

TRAP_KINDS = {"epaper_dates": "date_bound", "endless_list": "pagination_trap"}
TRAP_CHANNEL = "jcdj"  # the channel whose list pages go on forever
TRAP_DAYS = (timedelta(days=3650), timedelta(days=-36500))  # far future, far past


def add_traps(site: Site) -> None:
    """Crawl traps: e-paper page lists linking days far away, a channel list that never ends."""
    newest = max(site.issue_days)
    far = [newest + delta for delta in TRAP_DAYS]
    prefix = f"{EPAPER_PREFIX}pc/layout/{newest:%Y%m}/{newest:%d}/"
    for (host, path), page in list(site.pages.items()):
        if host == MAIN and path.startswith(prefix):
            links = "".join(
                f'<p><a href="{_trap_layout_href(day, prefix)}">第01版：要闻</a></p>' for day in far
            )
            html = page.body.decode("utf-8").replace(
                '\n</div>\n<div class="paper">', f'\n{links}\n</div>\n<div class="paper">', 1
            )
            site.pages[(host, path)] = Page(200, html.encode("utf-8"), page.content_type)
    for day in far:
        path = f"{EPAPER_PREFIX}pc/layout/{day:%Y%m}/{day:%d}/node_1.html"
        site.faults[(MAIN, path)] = FaultEntry(MAIN, path, "epaper_dates", TRAP_KINDS["epaper_dates"])
    # The channel's last list page gets a 下一页 to pages that repeat its first page, forever.
    folder = f"{NEWS_PREFIX}{TRAP_CHANNEL}/"
    lists = sorted(
        (path for host, path in site.pages if host == MAIN and path.startswith(folder) and "/index" in path),
        key=_list_number,
    )  # fmt: skip
    last = lists[-1]
    nxt = f"index_{_list_number(last) + 1}.html"
    html = site.pages[(MAIN, last)].body.decode("utf-8")
    if 'class="next"' not in html:
        html = html.replace(
            "</ul>\n", f'</ul>\n<div class="page"><a class="next" href="{nxt}">下一页</a></div>', 1
        )
    site.pages[(MAIN, last)] = utf8_page(html)
    site.endless = (
        f"{NEWS_PREFIX}{TRAP_CHANNEL}/",
        _list_number(last) + 1,
        site.pages[(MAIN, lists[0])].body,
    )
    path = f"{NEWS_PREFIX}{TRAP_CHANNEL}/{nxt}"
    site.faults[(MAIN, path)] = FaultEntry(MAIN, path, "endless_list", TRAP_KINDS["endless_list"])


def _trap_layout_href(day: date, prefix: str) -> str:
    return f"../../../layout/{day:%Y%m}/{day:%d}/node_1.html"


def _list_number(path: str) -> int:
    name = path.rsplit("/", 1)[1]
    return 0 if name == "index.html" else int(name[len("index_") : -len(".html")])


_TRAP_LAYOUT = re.compile(r"^/epaper/pc/layout/(\d{4})(\d{2})/(\d{2})/node_1\.html$")
_ENDLESS = re.compile(r"^index_(\d+)\.html$")


def trap_page(site: Site, host: str, path: str) -> Page | None:
    """A page of a crawl trap, made up on request (there are infinitely many), or None."""
    if host != MAIN or not site.faults:
        return None
    if (match := _TRAP_LAYOUT.match(path)) and site.issue_days:
        day = date(int(match[1]), int(match[2]), int(match[3]))
        newest = max(site.issue_days)
        future, past = (newest + delta for delta in TRAP_DAYS)
        if past < day < future:
            return None  # a day of the real calendar: an issue, or a 404
        step = timedelta(days=1 if day > newest else -1)
        article = next(e for e in site.manifest if e.site == "epaper" and not e.paywalled)
        href = f"../../../con/{article.path.split('/con/', 1)[1]}"
        html = templates.epaper_layout(day, 1, ["第01版：要闻"], [(href, article.title)]).replace(
            '<p><a href="node_1.html"',
            f'<p><a href="../../../layout/{day + step:%Y%m}/{day + step:%d}/node_1.html">第01版：要闻</a></p>'
            '<p><a href="node_1.html"',
        )
        return utf8_page(html)
    if site.endless is not None and path.startswith(site.endless[0]):
        match = _ENDLESS.match(path[len(site.endless[0]) :])
        if match and int(match[1]) >= site.endless[1]:
            html = site.endless[2].decode("utf-8")
            nxt = f"index_{int(match[1]) + 1}.html"
            if 'class="next"' in html:
                html = re.sub(r'class="next" href="[^"]*"', f'class="next" href="{nxt}"', html)
            else:
                html = html.replace(
                    "</ul>\n", f'</ul>\n<div class="page"><a class="next" href="{nxt}">下一页</a></div>', 1
                )
            return utf8_page(html)
    return None
