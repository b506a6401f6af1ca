"""Site profiles: the selectors of each known layout, declared once, as data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """CSS selectors of one layout; empty means the layout has no such part."""

    name: str
    title: str
    body: str  # the paragraph elements of the article text
    subtitle: str = ""
    meta: str = ""  # element(s) holding the date / 来源 / 作者 line
    editor: str = ""  # element(s) holding the 责编 line
    paywall: tuple[str, ...] = ()  # texts that stand in for the body behind a paywall


FOUNDER_EPAPER = Profile(
    name="founder_epaper",  # the Founder (方正) e-paper system: 乡村干部报 and hundreds of papers
    title="div.newsdetatit h3",
    subtitle="div.newsdetatit h2, div.newsdetatit h4",
    meta="div.newsdetatit p",
    body="div.newsdetatext p",
    paywall=("请购买该报纸后再访问",),
)

NEWS_CMS = Profile(
    name="news_cms",  # 乡村干部报网's CMS (and its mirrors, which keep the template)
    title="div.article h1.title",
    meta="div.article div.info",
    body="div.article div.content p",
    editor="div.article div.editor",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (FOUNDER_EPAPER, NEWS_CMS)}
