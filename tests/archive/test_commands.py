"""Each archive command through `scrapy <command>` on a real crawl of the replica.

The commands run in this process (tests/commands/runner.py: scrapy.cmdline.execute, as the
`scrapy` script runs them); `show` and `stats` also run once as a real `scrapy` process.
"""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest

from crawler.commands.base import CHINA
from crawler.db.query import article_text, parse
from tests.archive.conftest import stored_articles
from tests.commands.runner import Result, scrapy
from tests.conftest import ROOT, run_scrapy

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def in_the_project(monkeypatch):
    monkeypatch.chdir(ROOT)  # where `scrapy` finds scrapy.cfg


def scrapy_on(db_url: str, *args: str, check: bool = True) -> Result:
    """`scrapy ARGS -s HARVEST_DB_URL=db_url` in this process."""
    result = scrapy(*args, "-s", f"HARVEST_DB_URL={db_url}")
    if check and result.status != 0:
        raise AssertionError(f"scrapy {' '.join(args)} exited {result.status}:\n{result.err[-4000:]}")
    return result


def url_of(path) -> str:
    return f"sqlite:///{path}"


def clusters(articles) -> dict[int, list]:
    found: dict[int, list] = {}
    for article in articles:
        found.setdefault(article.cluster_id, []).append(article)
    return found


def test_every_mirror_copy_is_clustered_with_its_original_and_nothing_else(archive_file, site):
    articles = stored_articles(url_of(archive_file))
    for members in clusters(articles).values():
        paths = {a.url.split("/", 3)[3] for a in members}
        assert len(paths) == 1, f"different stories in one cluster: {[a.url for a in members]}"
        [canonical] = [a for a in members if a.id == a.cluster_id]
        assert canonical.url.startswith("http://127.0.0.1"), "the original site's copy is canonical"
        assert not canonical.damaged
    mirrored = [a for a in articles if a.url.startswith("http://127.0.0.2")]
    assert len(mirrored) == len(site.articles("mirror"))
    assert all(a.cluster_id != a.id and a.damaged for a in mirrored)


def test_search_finds_one_result_per_cluster_with_a_marked_snippet(archive_file):
    result = scrapy_on(url_of(archive_file), "search", "党建", "--limit", "200", "--format", "json")
    hits = json.loads(result.out)
    articles = stored_articles(url_of(archive_file))
    expected = {a.cluster_id for a in articles if "党建" in f"{a.title}\n{a.subtitle or ''}\n{a.body}"}
    assert {h["id"] for h in hits} == expected
    assert len(hits) == len(expected)
    assert all("【党建】" in h["snippet"] for h in hits)
    assert any(h["copies"] == 2 for h in hits), "the seed story is on the mirror too"
    table = scrapy_on(url_of(archive_file), "search", "党建", "--limit", "3").out
    assert "【党建】" in table and "3 results" in table


def test_search_filters_and_csv(archive_file):
    articles = stored_articles(url_of(archive_file))
    site = articles[0].site
    result = scrapy_on(url_of(archive_file), "search", "村", "--site", site, "--since", "2026-11-20",
                       "--until", "2026-11-27", "--limit", "500", "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(result.out.splitlines()))
    expected = {
        a.cluster_id for a in articles
        if a.site == site and a.published_at
        and "2026-11-20" <= a.published_at.astimezone(CHINA).date().isoformat() <= "2026-11-27"
        and "村" in f"{a.title}\n{a.subtitle or ''}\n{a.body}"
    }  # fmt: skip
    assert rows and all(
        r["site"] == site and "2026-11-20" <= r["published_at"][:10] <= "2026-11-27" for r in rows
    )
    assert {int(r["id"]) for r in rows} == expected


@pytest.mark.parametrize("query", ['"', "*", ":", "(", "AND", "NEAR(", "", "-茶", "OR 茶"])
def test_hostile_queries_never_give_a_traceback(archive_file, query):
    result = scrapy_on(url_of(archive_file), "search", query, check=False)
    assert "Traceback" not in result.err
    assert result.status in (0, 2)
    if result.status == 2:
        assert result.err.startswith("error: ") and result.err.count("\n") == 1


def test_search_counts_all_hits_and_prints_a_concordance(archive_file):
    articles = stored_articles(url_of(archive_file))
    query = "油茶 OR 电商 -光山"
    matching = [a for a in articles if parse(query).matches(article_text(a.title, a.subtitle, a.body))]
    assert matching, "the replica holds no such article: pick another query"
    count = scrapy_on(url_of(archive_file), "search", query, "--count").out
    assert count == f"{len({a.cluster_id for a in matching})}\n"
    kwic = scrapy_on(url_of(archive_file), "search", query, "--format", "kwic", "--limit", "5").out
    lines = kwic.splitlines()
    assert len(lines) == min(5, len({a.cluster_id for a in matching})) + 1
    assert all(("【油茶】" in line or "【电商】" in line) for line in lines[:-1])
    assert lines[-1].startswith(f"{count.strip()} hits in all ({len(matching)} matching articles")


def test_export_writes_the_hits_of_a_query_and_a_csv_excel_reads(archive_file, tmp_path):
    articles = stored_articles(url_of(archive_file))
    query = '"乡村 振兴" -党建'
    expected = [a.id for a in articles if parse(query).matches(article_text(a.title, a.subtitle, a.body))]
    assert expected
    out = tmp_path / "hits.csv"
    scrapy_on(url_of(archive_file), "export", "--query", query, "--bom", "-o", str(out))
    assert out.read_bytes().startswith("\ufeffid,".encode())
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines(keepends=True)))
    assert [int(r["id"]) for r in rows] == expected
    dated = [a for a in articles if a.id in expected and a.published_at]
    days = {a.published_at.astimezone(CHINA).date().isoformat() for a in dated}
    assert {r["published_day"] for r in rows} >= days
    bad = scrapy_on(url_of(archive_file), "export", "--query", '"乡村', "-o", str(out), check=False)
    assert bad.status == 2 and bad.err.startswith("error: unclosed quote")


def test_show_prints_the_article_and_its_provenance(archive_file):
    articles = stored_articles(url_of(archive_file))
    mirror = next(a for a in articles if a.url.startswith("http://127.0.0.2"))
    shown = json.loads(
        scrapy_on(url_of(archive_file), "show", mirror.url + "?utm_source=wx", "--format", "json").out
    )
    assert shown["id"] == mirror.id and shown["body"] == mirror.body
    assert shown["cluster"]["canonical_id"] == mirror.cluster_id
    assert {m["url"] for m in shown["cluster"]["members"]} == {
        a.url for a in articles if a.cluster_id == mirror.cluster_id
    }
    assert shown["seen_at"][0]["url"] == mirror.url and shown["seen_at"][0]["host"] == "127.0.0.2"
    assert shown["fetches"] and shown["fetches"][0]["status"] == 200
    assert any("script:t2s" in f for f in shown["flags"])
    text = run_scrapy("show", str(mirror.cluster_id), "-s", f"HARVEST_DB_URL={url_of(archive_file)}").stdout
    assert "Cluster (canonical" in text and mirror.url in text and "Revisions" in text
    missing = scrapy_on(url_of(archive_file), "show", "999999", check=False)
    assert missing.status == 1 and "no article" in missing.err


def test_export_writes_all_three_formats(archive_file, tmp_path):
    articles = stored_articles(url_of(archive_file))
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"articles.{fmt}"
        scrapy_on(url_of(archive_file), "export", "--format", fmt, "-o", str(out))
        if fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        elif fmt == "csv":
            rows = list(csv.DictReader(out.read_text("utf-8").splitlines(keepends=True)))
        else:
            table = pq.read_table(out)
            assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
            assert str(table.schema.field("id").type) == "int64"
            rows = table.to_pylist()
        assert len(rows) == len(articles)
        assert [str(r["title"]) for r in rows] == [a.title for a in articles]
        assert json.loads(rows[0]["regions"]) == articles[0].regions
    filtered = tmp_path / "mirror.jsonl"
    scrapy_on(url_of(archive_file), "export", "-o", str(filtered), "--site", articles[-1].site)
    assert len(filtered.read_text("utf-8").splitlines()) == sum(a.site == articles[-1].site for a in articles)


def test_export_opens_in_pandas_with_proper_dtypes(archive_file, tmp_path):
    pandas = pytest.importorskip(
        "pandas", reason="pandas is not a dependency: pip install pandas to run this"
    )
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"articles.{fmt}"
        scrapy_on(url_of(archive_file), "export", "-o", str(out))
        if fmt == "jsonl":
            frame = pandas.read_json(out, lines=True)
        elif fmt == "csv":
            frame = pandas.read_csv(out, parse_dates=["published_at", "fetched_at", "first_seen_at"])
        else:
            frame = pandas.read_parquet(out)
        assert str(frame["published_at"].dtype).startswith("datetime64") and "UTC" in str(
            frame["published_at"].dtype
        )
        assert str(frame["id"].dtype) == "int64" and str(frame["damaged"].dtype) == "bool"


def test_stats_summarises_the_archive(archive_file, site, tmp_path):
    chart = tmp_path / "charts.png"
    result = scrapy_on(url_of(archive_file), "stats", "--format", "json", "--plot", str(chart))
    stats = json.loads(result.out)
    assert chart.read_bytes().startswith(b"\x89PNG") and chart.stat().st_size > 10_000
    articles = stored_articles(url_of(archive_file))
    assert stats["articles"] == len(articles)
    assert sum(r["articles"] for r in stats["per_site_month"]) == len(articles)
    assert stats["clusters"]["with_copies"] == len(site.articles("mirror"))
    assert stats["junk_removed"]["by_kind"].get("place-run", 0) >= 1
    assert stats["top_sources"][0]["articles"] >= stats["top_sources"][-1]["articles"]
    assert {r["spider"] for r in stats["last_runs"]} == {"xcgb_epaper", "xcgb_news"}
    text = run_scrapy("stats", "-s", f"HARVEST_DB_URL={url_of(archive_file)}").stdout
    assert "Mirror clusters" in text and "Last harvest runs" in text


def test_commands_refuse_a_missing_archive(tmp_path):
    result = scrapy_on(url_of(tmp_path / "none.sqlite3"), "stats", check=False)
    assert result.status == 2 and "no archive at" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "none.sqlite3").exists()
