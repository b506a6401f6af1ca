"""`scrapy export --format jsonl|csv|parquet -o FILE [--query Q] [filters]`: the archive as data.

`--query Q` exports the articles matching a search query (every matching article, mirror copies
included; the query language of `scrapy search`). `--bom` starts a CSV with a UTF-8 byte-order
mark, so Excel opens its Chinese correctly. Columns are snake_case names, one value per cell;
`published_day` is the China day of publication (`YYYY-MM-DD`) beside the UTC `published_at`.

Rows are streamed from the database in batches (constant memory, whatever the archive's
size). Timestamps are UTC (`…+00:00` in JSONL and CSV, `timestamp[us, tz=UTC]` in Parquet);
`regions` and `flags` are JSON strings in every format, so all three load the same way:

    pandas.read_json(path, lines=True)        # *_at columns parsed as dates by pandas itself
    pandas.read_csv(path, parse_dates=["published_at", "fetched_at", "first_seen_at"])
    pandas.read_parquet(path)                 # typed by the file's schema
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.base import ArchiveCommand, Progress, add_filter_options, filter_from, parsed_query

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from crawler.db.search import ArticleFilter

BATCH = 2000  # rows fetched and written at a time
COLUMNS = (
    "id", "cluster_id", "canonical", "url", "canonical_url", "site", "spider", "title", "subtitle",
    "published_at", "published_day", "source", "author", "editor", "edition", "body", "regions", "flags",
    "encoding", "damaged", "revision", "content_sha256", "fetched_at", "first_seen_at",
)  # fmt: skip
_TIMES = {"published_at", "fetched_at", "first_seen_at"}
_JSON = {"regions", "flags"}


def export_rows(
    conn: Connection, where: ArticleFilter, ids: list[int] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export rows (JSON columns as strings, datetimes aware UTC), in id order.

    `ids`: only these articles (a query's hits), else every article the filter lets through.
    """
    from sqlalchemy import func, select

    from crawler.db import Article

    columns = [getattr(Article, name) for name in COLUMNS if name not in ("canonical", "cluster_id")]
    stmt = select(*columns, func.coalesce(Article.cluster_id, Article.id).label("cluster_id"))
    if ids is None:
        stmt = stmt.where(*where.clauses()).order_by(Article.id).execution_options(yield_per=BATCH)
        batches: Iterator[Any] = conn.execute(stmt).partitions()
    else:
        chunks = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
        batches = (conn.execute(stmt.where(Article.id.in_(c)).order_by(Article.id)).all() for c in chunks)
    for part in batches:
        batch = []
        for row in part:
            record = row._asdict()
            record["canonical"] = record["cluster_id"] == record["id"]
            for name in _JSON:
                record[name] = json.dumps(record[name] or [], ensure_ascii=False)
            batch.append({name: record[name] for name in COLUMNS})
        yield batch


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _text_rows(batch: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for record in batch:
        yield {name: _iso(value) if name in _TIMES else value for name, value in record.items()}


class _Jsonl:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in _text_rows(batch))

    def close(self) -> None:
        pass


class _Csv:
    def __init__(self, out: TextIO, bom: bool = False) -> None:
        if bom:
            out.write("\ufeff")  # Excel reads the file as UTF-8 only with it
        self.writer = csv.DictWriter(out, fieldnames=COLUMNS)
        self.writer.writeheader()

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.writer.writerows(_text_rows(batch))

    def close(self) -> None:
        pass


class _Parquet:
    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        stamp = pa.timestamp("us", tz="UTC")
        types: dict[str, pa.DataType] = {
            "id": pa.int64(), "cluster_id": pa.int64(), "canonical": pa.bool_(), "damaged": pa.bool_(),
            "revision": pa.int64(), **dict.fromkeys(_TIMES, stamp),
        }  # fmt: skip
        self.pa = pa
        self.schema = pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, batch: list[dict[str, Any]]) -> None:
        self.writer.write_table(self.pa.Table.from_pylist(batch, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "--format jsonl|csv|parquet -o FILE [--query Q] [--bom] [filters]"

    def short_desc(self) -> str:
        return "Write the archive (or a filtered part) to JSON lines, CSV or Parquet, streaming"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--format", choices=("jsonl", "csv", "parquet"), help="default: from the extension"
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="where to write ('-' = stdout, not parquet)"
        )
        parser.add_argument("--query", metavar="Q", help="only the articles matching this search query")
        parser.add_argument("--bom", action="store_true", help="CSV: a UTF-8 byte-order mark first (Excel)")
        add_filter_options(parser)

    def run(self, args: list[str], opts: Any) -> None:
        from sqlalchemy import func, select

        from crawler.db import Article
        from crawler.db.search import matching_ids

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if not opts.output:
            raise UsageError("give the output file: -o FILE")
        fmt = opts.format or Path(opts.output).suffix.lstrip(".").lower()
        if fmt not in ("jsonl", "csv", "parquet"):
            raise UsageError("give --format jsonl, csv or parquet")
        if fmt == "parquet" and opts.output == "-":
            raise UsageError("parquet needs a file, not stdout")
        if opts.bom and fmt != "csv":
            raise UsageError("--bom is for CSV only")
        query = None
        if opts.query is not None:
            query = parsed_query(self, [opts.query])
            if query is None:
                return
        where = filter_from(opts)
        engine = self.archive()
        path = Path(opts.output)
        try:
            with engine.connect() as conn:
                ids = None if query is None else matching_ids(conn, query, where)
                total = (
                    len(ids)
                    if ids is not None
                    else (conn.scalar(select(func.count()).select_from(Article).where(*where.clauses())) or 0)
                )
                progress = Progress(total)
                with _open(path, fmt) as out:
                    writer = (
                        _Parquet(path) if fmt == "parquet" else _Jsonl(out) if fmt == "jsonl"
                        else _Csv(out, opts.bom)
                    )  # fmt: skip
                    try:
                        for batch in export_rows(conn, where, ids):
                            writer.write(batch)
                            progress.advance(len(batch))
                    finally:
                        writer.close()
        finally:
            engine.dispose()
        progress.stop()
        sys.stderr.write(f"Exported {progress.done} articles to {path} in {progress.elapsed:.1f} s\n")


class _open:
    """The text output (stdout for '-'); nothing to open for Parquet, which writes the file itself."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.handle: TextIO | None = None

    def __enter__(self) -> TextIO:
        if self.fmt == "parquet":
            return sys.stdout
        if str(self.path) == "-":
            return sys.stdout
        self.handle = self.path.open("w", encoding="utf-8", newline="")
        return self.handle

    def __exit__(self, *exc: Any) -> None:
        if self.handle is not None:
            self.handle.close()
