"""The archive in Datasette: this project's search, readable labels, facets and charts.

Registered as the `xcgb` entry point of the `datasette` group (pyproject.toml), so once the
project is installed (`make setup`), plain `datasette FILE.sqlite3` loads it. For every
database that is an archive (it has an `articles` table):

- the canned query `search` with the parameter `q`: the clusters `scrapy search` finds for q,
  in the same order (it calls crawler.db.search.search through the SQL function
  `xcgb_search(q, limit)`), e.g. `/DB/search.json?q=乡村+治理&_shape=array`;
- the articles table's search box (`?_search=q`) leads to that query;
- labels and descriptions of the tables and columns (docs/schema.md in short), facets on site,
  day, source and province (`_province=贵州省`, a facet over article_regions);
- the charts of `scrapy stats --plot` at `/-/charts/DB.png`.

A malformed query is answered with its one-line error, as `scrapy search` gives it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlencode

from datasette import Response, hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args
from sqlalchemy import Engine, create_engine

from crawler.charts import archive_chart
from crawler.db.query import parse
from crawler.db.search import BadQuery, search, snippet

SEARCH_LIMIT = 1000  # clusters the canned query lists at most
ARCHIVE_TABLE = "articles"

SEARCH_SQL = f"""\
select
  json_extract(hit.value, '$.rank') as rank,
  articles.id as id,
  json_extract(hit.value, '$.matched_id') as matched_id,
  json_extract(hit.value, '$.copies') as copies,
  articles.published_day as published_day,
  articles.site as site,
  articles.title as title,
  articles.source as source,
  xcgb_snippet(:q, articles.title, articles.subtitle, articles.body) as snippet,
  articles.url as url
from json_each(xcgb_search(:q, {SEARCH_LIMIT})) as hit
join articles on articles.id = json_extract(hit.value, '$.id')
order by hit.key"""

DESCRIPTIONS = {
    "articles": (
        "Articles", "One row per article (canonical URL). published_at is UTC; published_day is the "
        "China day (YYYY-MM-DD). cluster_id = the mirror cluster's canonical article."
    ),
    "article_regions": ("Regions of articles", "The provinces, prefectures, counties each article is about."),
    "article_urls": ("Addresses seen", "Every URL an article was found at."),
    "article_revisions": ("Earlier versions", "An article's text before a re-check or re-clean changed it."),
    "raw_pages": ("Raw pages", "Pages as fetched (zlib-compressed body), to re-clean from."),
    "crawl_runs": ("Harvest runs", "One row per run of a spider (times UTC)."),
}  # fmt: skip
COLUMNS = {
    "articles": {
        "published_at": "When published, UTC (add 8 hours for China time)",
        "published_day": "Day of publication in China, YYYY-MM-DD",
        "site": "Host the article was harvested from",
        "source": "来源: the outlet the article credits",
        "subtitle": "Kicker (引题/副题)",
        "body": "Cleaned text, paragraphs separated by newlines",
        "regions": "Regions as JSON: [{code, name, level}] (also the article_regions table)",
        "flags": "What decoding and cleaning did (JSON list)",
        "cluster_id": "Mirror cluster: the id of its canonical article",
        "damaged": "1 = arrived from a spam mirror (Traditional script or inline pinyin)",
        "revision": "1 + the earlier versions kept in article_revisions",
    },
    "article_regions": {
        "code": "6-digit administrative division code",
        "level": "province, prefecture or county",
    },
}


def _metadata_for_archive(database: str) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name, (title, description) in DESCRIPTIONS.items():
        tables[name] = {"title": title, "description": description, "columns": COLUMNS.get(name, {})}
    tables["articles"].update(
        label_column="title",
        facets=["site", "published_day", "source", {"province": "name"}],
        sort_desc="published_at",
    )
    tables["article_regions"].update(facets=["level", "name"])
    tables["article_search"] = {"hidden": True}
    links = (f'<a href="/{database}/search">Search the articles</a> · '
             f'<a href="/-/charts/{database}.png">Charts</a>')  # fmt: skip
    return {"tables": tables, "description_html": links}


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:
    return {
        "title": "乡村干部报 archive",
        "description_html": (
            "Harvested rural-governance news. Search with the <code>search</code> query of a database "
            '(words: AND; <code>OR</code>; <code>-word</code>: NOT; <code>"a phrase"</code>); '
            "charts at <code>/-/charts/DATABASE.png</code>; columns explained in docs/schema.md."
        ),
        "databases": {name: _metadata_for_archive(name) for name in datasette.databases if name[:1] != "_"},
    }


# --- the search, as SQL functions -------------------------------------------------------------


class _Archives:
    """A read-only SQLAlchemy engine per database file, for the search functions and the charts."""

    def __init__(self) -> None:
        self.engines: dict[str, Engine] = {}
        self.lock = threading.Lock()

    def engine(self, path: str) -> Engine:
        with self.lock:
            if path not in self.engines:
                self.engines[path] = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
            return self.engines[path]


ARCHIVES = _Archives()


def search_json(path: str, query: str, limit: int) -> str:
    """The hits of `scrapy search` for `query`, as a JSON list of {rank, id, matched_id, copies}.

    A blank query finds nothing (the form before a search); a malformed one never gets here
    (answered by asgi_wrapper with its error line: SQLite would hide the message).
    """
    if not query.strip():
        return "[]"
    parsed = parse(query)
    with ARCHIVES.engine(path).connect() as conn:
        hits = search(conn, parsed, limit=limit)
    return json.dumps([{"rank": rank, "id": h.cluster_id, "matched_id": h.matched_id, "copies": h.copies}
                       for rank, h in enumerate(hits, 1)])  # fmt: skip


def snippet_of(query: str, title: str, subtitle: str | None, body: str) -> str:
    """The snippet `scrapy search` shows: around the first hit of the body, else the title."""
    terms = parse(query).terms
    for text in (body, title, subtitle or ""):
        if any(term in text.lower() for term in terms):
            return snippet(text, terms)
    return snippet(body, terms)


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    path = datasette.databases[database].path if database in datasette.databases else None
    if not path:
        return
    conn.create_function("xcgb_search", 2, lambda q, limit: search_json(path, q or "", int(limit)))
    conn.create_function("xcgb_snippet", 4, snippet_of)


async def _is_archive(datasette: Any, database: str) -> bool:
    db = datasette.databases.get(database)
    return db is not None and db.path is not None and await db.table_exists(ARCHIVE_TABLE)


@hookimpl
def canned_queries(datasette: Any, database: str, actor: Any) -> Any:
    async def inner() -> dict[str, Any]:
        if not await _is_archive(datasette, database):
            return {}
        return {
            "search": {
                "sql": SEARCH_SQL,
                "title": "Search the articles",
                "hide_sql": True,
                "description": (
                    "The hits of `scrapy search q`, one per mirror cluster, best first: words side by side "
                    'must all occur; OR; -word excludes; "a phrase"; 90后 or 2.3万亩 match as written.'
                ),
            }
        }

    return inner


# --- the table's search box and the province facet ----------------------------------------------


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if table != ARCHIVE_TABLE:
        return None
    province = request.args.get("_province")
    where, params, said = [], {}, []
    if province:
        where.append("id in (select article_id from article_regions where level = 'province' "
                     "and name = :xcgb_province)")  # fmt: skip
        params["xcgb_province"] = province
        said.append(f"about {province}")
    return FilterArguments(where, params, said, {"supports_search": True})


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """`/DB/articles?_search=q` (the table's search box) answers with the `search` query for q;
    `/DB/search?q=…` with a malformed q is answered 400 with the error line of `scrapy search`."""

    def wrap(app: Any) -> Any:
        async def searched(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                answer = _search_answer(scope)
                if answer is not None:
                    await answer.asgi_send(send)
                    return
            await app(scope, receive, send)

        return searched

    return wrap


def _search_answer(scope: dict[str, Any]) -> Response | None:
    parts = scope.get("path", "").split("/")
    if len(parts) != 3:
        return None
    database, page = parts[1], parts[2]
    name, _, suffix = page.partition(".")
    suffix = f".{suffix}" if suffix else ""
    args = parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
    if name == ARCHIVE_TABLE and args.get("_search", [""])[0].strip():
        extra = {k: v[0] for k, v in args.items() if k in ("_shape", "_size")}
        query = urlencode({"q": args["_search"][0], **extra})
        return Response.redirect(f"/{database}/search{suffix}?{query}")
    if name == "search" and args.get("q", [""])[0].strip():
        try:
            parse(args["q"][0])
        except BadQuery as problem:
            if suffix == ".json":
                return Response.json({"ok": False, "error": f"error: {problem}"}, status=400)
            return Response.text(f"error: {problem}\n", status=400)
    return None


class ProvinceFacet(Facet):  # type: ignore[misc]
    """Articles per province (from article_regions), toggling `_province=NAME`."""

    type = "province"

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        if self.table != ARCHIVE_TABLE or not self.get_configs():
            return [], []
        size = self.get_facet_size()
        sql = (
            "select name as value, count(*) as count from article_regions where level = 'province' "
            f"and article_id in (select id from ({self.sql})) group by name order by count desc, value "
            f"limit {size + 1}"
        )
        rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                     custom_time_limit=self.ds.setting("facet_time_limit_ms"))  # fmt: skip
        chosen = self.request.args.get("_province")
        values = []
        for row in rows.rows[:size]:
            selected = row["value"] == chosen
            toggle = (path_with_removed_args(self.request, {"_province": row["value"]}) if selected
                      else path_with_added_args(self.request, {"_province": row["value"]}))  # fmt: skip
            values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                           "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                           "selected": selected})  # fmt: skip
        result = {"name": "province", "type": self.type, "hideable": False, "toggle_url": "",
                  "results": values, "truncated": len(rows.rows) > size}  # fmt: skip
        return [result], []


@hookimpl
def register_facet_classes() -> list[type]:
    return [ProvinceFacet]


# --- charts ---------------------------------------------------------------------------------


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/charts/(?P<database>[^/]+)\.png$", charts)]


async def charts(datasette: Any, request: Any) -> Response:
    database = request.url_vars["database"]
    if not await _is_archive(datasette, database):
        return Response.text(f"no archive named {database}", status=404)
    path = datasette.databases[database].path

    def draw() -> bytes:
        with ARCHIVES.engine(path).connect() as conn:
            return archive_chart(conn)

    png = await asyncio.get_running_loop().run_in_executor(None, draw)
    return Response(png, content_type="image/png")
