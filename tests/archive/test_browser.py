"""Once in a real browser: the Datasette search page of the archive renders the hits of `scrapy search`
(skipped without Chromium: it is a Debian package, not a requirement)."""

from __future__ import annotations

import pytest

from crawler.db import make_engine
from crawler.db.search import search
from tests.archive.screenshot import QUERY, chromium, search_page

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium() is None, reason="no chromium: apt-get install chromium to run this"),
]


def test_the_search_page_shows_the_hits_in_chromium(written_archive, tmp_path):
    engine = make_engine(f"sqlite:///{written_archive}")
    with engine.connect() as conn:
        hits = search(conn, QUERY, limit=1000)
    engine.dispose()
    shot = tmp_path / "search.png"
    dom = search_page(written_archive, shot, QUERY)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    assert f"{len(hits)} row" in dom
    for hit in hits[:5]:
        assert f">{hit.cluster_id}<" in dom
