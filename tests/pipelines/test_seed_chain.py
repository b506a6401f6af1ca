"""The seed through the chain (crawler.article), as text and as HTML (profile and generic): 6/6 fields."""

from __future__ import annotations

import json

import pytest

from crawler.article import Article, RawPage, build_article
from replica.site import _seed_mirror_page
from tests.conftest import FIXTURES

SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc"
EXPECTED = json.loads(SEED.with_suffix(".expected.json").read_text("utf-8"))
FIELDS = ("title", "published_at", "source", "author", "editor", "body")


def chain(page: RawPage) -> tuple[str, dict]:
    article = build_article(page)
    assert isinstance(article, Article), article
    found = {name: getattr(article, name) for name in FIELDS}
    found["published_at"] = found["published_at"].isoformat()
    found["body"] = "\n".join(found["body"])
    return article.profile, found


def mirror_page(profile: str | None) -> RawPage:
    html = _seed_mirror_page()[0]
    return RawPage(html.encode("utf-8"), "", {"Content-Type": "text/html; charset=utf-8"}, profile=profile)


@pytest.mark.parametrize(
    ("page", "layout"),
    [
        pytest.param(lambda: RawPage(SEED.with_suffix(".txt").read_bytes(), ""), "text", id="text"),
        pytest.param(lambda: mirror_page("generic"), "generic", id="html-generic"),
        pytest.param(lambda: mirror_page(None), "news_cms", id="html-profile"),
    ],
)
def test_seed_gives_all_six_fields(page, layout):
    assert chain(page()) == (layout, {name: EXPECTED[name] for name in FIELDS})
