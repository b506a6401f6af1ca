"""Charts of the archive (matplotlib): articles per month per site, and the top provinces.

One function, `archive_chart`, draws both on one PNG; `scrapy stats --plot FILE.png` writes it
and the Datasette plugin serves it at `/-/charts/DATABASE.png`. Months are China months
(articles.published_day); provinces come from article_regions. Chinese names need a CJK font
(Debian: fonts-noto-cjk); without one, provinces are labelled by their 6-digit codes.
"""

from __future__ import annotations

import io
from functools import lru_cache

from sqlalchemy import Connection, desc, func, select

from crawler.db.models import Article, ArticleRegion

TOP_PROVINCES = 12
_CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han Sans", "WenQuanYi", "Droid Sans Fallback",
              "AR PL", "SimHei", "Microsoft YaHei", "PingFang")  # fmt: skip


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(font.name.startswith(name) for name in _CJK_FONTS):
            return str(font.name)
    return None


def chart_data(
    conn: Connection, top: int = TOP_PROVINCES
) -> tuple[dict[str, dict[str, int]], list[tuple[str, str, int]]]:
    """({site: {month: articles}}, [(province code, name, articles)] most first)."""
    month = func.substr(Article.published_day, 1, 7)
    per_month: dict[str, dict[str, int]] = {}
    for site, when, count in conn.execute(
        select(Article.site, month, func.count())
        .where(Article.published_day.is_not(None))
        .group_by(Article.site, month)
    ):
        per_month.setdefault(site, {})[when] = count
    provinces = conn.execute(
        select(ArticleRegion.code, ArticleRegion.name, func.count().label("n"))
        .where(ArticleRegion.level == "province")
        .group_by(ArticleRegion.code, ArticleRegion.name)
        .order_by(desc("n"), ArticleRegion.code)
        .limit(top)
    ).all()
    return per_month, [(code, name, n) for code, name, n in provinces]


def archive_chart(conn: Connection, top: int = TOP_PROVINCES) -> bytes:
    """A PNG: articles per month per site (lines) above the top provinces (bars)."""
    from matplotlib.figure import Figure

    per_month, provinces = chart_data(conn, top)
    font = cjk_font()
    figure = Figure(figsize=(10, 8), layout="constrained")
    months_axes, provinces_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    months = sorted({m for counts in per_month.values() for m in counts})
    for site, counts in sorted(per_month.items()):
        months_axes.plot(months, [counts.get(m, 0) for m in months], marker="o", label=site)
    months_axes.set_title("Articles per month (China time of publication), per site")
    months_axes.set_ylabel("articles")
    if per_month:
        months_axes.legend(loc="upper left", fontsize="small")
    months_axes.tick_params(axis="x", labelrotation=45)
    labels = [name if font else code for code, name, _ in provinces]
    provinces_axes.barh(labels[::-1], [n for *_, n in provinces][::-1])
    provinces_axes.set_title(f"Top {len(provinces)} provinces (articles about each)")
    provinces_axes.set_xlabel("articles")
    if font:
        for label in provinces_axes.get_yticklabels():
            label.set_fontfamily(font)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    return out.getvalue()
