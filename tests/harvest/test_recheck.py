"""Recent articles are fetched again; a changed text is stored as a new revision, the old one kept."""

from __future__ import annotations

from datetime import date

import pytest

from replica.evolution import CORRECTION, correct_articles
from replica.site import build_site
from tests.harvest.replica import db_url_in, harvest_in_process, query, replica, url_of

pytestmark = pytest.mark.slow

ARTICLES = 60
END = date.today()  # the newest news articles are inside the 3-day window


def harvest_news(db_url: str, info: dict) -> None:
    """`scrapy harvest --once --spider xcgb_news` in this process; it must exit 0 (finished, verdict ok)."""
    harvest_in_process(db_url, info, "xcgb_news")


def test_corrected_articles_become_revisions_and_nothing_counts_as_new(tmp_path):
    db_url = db_url_in(tmp_path)
    args = ("--articles", str(ARTICLES), "--end-date", END.isoformat())
    with replica(*args) as info:
        harvest_news(db_url, info)
        port = info["port"]
    stored = query(db_url, "SELECT count(*) FROM articles")[0][0]

    with replica(*args, "--correct", "2", "--port", str(port)) as info:
        harvest_news(db_url, info)
        corrected = {url_of(info, e) for e in correct_articles(build_site(ARTICLES, END), 2)}

    [(new, updated, unchanged)] = query(
        db_url, "SELECT articles_new, articles_updated, articles_unchanged FROM crawl_runs WHERE id = 2"
    )
    assert (new, updated) == (0, 2)
    assert unchanged >= 1, "the other recent articles were re-checked and found the same"
    assert query(db_url, "SELECT count(*) FROM articles")[0][0] == stored
    rows = query(
        db_url,
        "SELECT a.url, a.revision, a.body, r.revision, r.body FROM articles a "
        "JOIN article_revisions r ON r.article_id = a.id",
    )
    assert {url for url, *_ in rows} == corrected
    for _, revision, body, old_revision, old_body in rows:
        assert (revision, old_revision) == (2, 1)
        assert body.endswith(CORRECTION) and not old_body.endswith(CORRECTION)
        assert body.startswith(old_body)
