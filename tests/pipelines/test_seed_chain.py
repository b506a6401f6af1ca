"""The seed through the item chain's functions, as text and as HTML (generic extractor): 6/6 fields."""

from __future__ import annotations

import json

import pytest
from itemadapter import ItemAdapter

from crawler.extract.generic import extract_generic
from crawler.extract.page import extract_page
from crawler.items import Article
from crawler.text.junk import remove_junk
from pipelines.metadata import fill_metadata
from pipelines.normalize import normalize_article
from replica.site import _seed_mirror_page
from tests.conftest import FIXTURES

SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc"
EXPECTED = json.loads(SEED.with_suffix(".expected.json").read_text("utf-8"))
FIELDS = ("title", "published_at", "source", "author", "editor", "body")


def chain(fields) -> dict:
    article = ItemAdapter(
        Article(url="", title=fields.title, subtitle=fields.subtitle, meta_lines=fields.meta_lines,
                editor_lines=fields.editor_lines, body=fields.body, flags=[])
    )  # fmt: skip
    normalize_article(article)
    article["body"], _ = remove_junk(article["body"])
    fill_metadata(article)
    found = {name: article[name] for name in FIELDS}
    found["published_at"] = found["published_at"].isoformat()
    found["body"] = "\n".join(found["body"])
    return found


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(lambda: extract_page(SEED.with_suffix(".txt").read_text("utf-8")), id="text"),
        pytest.param(lambda: extract_generic(_seed_mirror_page()[0]), id="html-generic"),
        pytest.param(lambda: extract_page(_seed_mirror_page()[0]), id="html-profile"),
    ],
)
def test_seed_gives_all_six_fields(fields):
    assert chain(fields()) == {name: EXPECTED[name] for name in FIELDS}
