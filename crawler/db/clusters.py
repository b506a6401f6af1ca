"""Mirror clusters: the copies of one article (the same text, or a near duplicate by MinHash/LSH)
share a cluster whose id is its canonical article's (docs/archive.md, "Mirror clusters")."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, bindparam, delete, select, text, update
from sqlalchemy.orm import aliased

from crawler.db.models import Article, ArticleBand, ArticleFingerprint, Base
from crawler.db.upsert import insert
from crawler.text.fingerprint import NEAR_DUPLICATE, fingerprint, similarity

# The statements of every batch, built once (with expanding IN parameters): building them again for
# each batch cost as much as running them.
_articles = Base.metadata.tables[Article.__tablename__]
_canon = aliased(Article)
_CURRENT = select(Article.id, Article.cluster_id).where(Article.id.in_(bindparam("ids", expanding=True)))
_DROP_BANDS = delete(ArticleBand).where(ArticleBand.article_id.in_(bindparam("ids", expanding=True)))
_BY_SHA = (
    select(Article.content_sha256, Article.cluster_id, _canon.damaged)
    .join(_canon, _canon.id == Article.cluster_id)
    .where(Article.content_sha256.in_(bindparam("shas", expanding=True)))
)
_BY_BAND = (
    select(
        ArticleBand.key,
        ArticleBand.article_id,
        ArticleFingerprint.signature,
        Article.cluster_id,
        _canon.damaged,
    )
    .join(Article, Article.id == ArticleBand.article_id)
    .join(ArticleFingerprint, ArticleFingerprint.article_id == ArticleBand.article_id)
    .join(_canon, _canon.id == Article.cluster_id)
    .where(ArticleBand.key.in_(bindparam("keys", expanding=True)))
)
_SET_CLUSTER = (
    update(_articles).where(_articles.c.id == bindparam("article_id")).values(cluster_id=bindparam("cluster"))
)
_MOVE_CLUSTER = (
    update(_articles).where(_articles.c.cluster_id == bindparam("old")).values(cluster_id=bindparam("final"))
)
# On SQLite, a batch's band keys (16 per article) in one statement: rows as a JSON array of
# [key, article_id] (`WHERE true` parses ON CONFLICT as the upsert's, not a join's). Same rows
# as the executemany and no more CPU, but one step instead of one per row: the archive's writer
# thread lets the GIL go around each step and, beside a busy reactor, may wait the interpreter's
# switch interval to get it back each time (`python -m bench.store --busy 3`: 2.7-2.9 s a batch of
# 50 instead of 7.0 s beside a thread running Python; 0.1 s alone).
_BANDS_FROM_JSON = text(
    "INSERT INTO article_bands (key, article_id) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:rows) WHERE true "
    "ON CONFLICT DO NOTHING"
)


@cache
def _upserts(dialect: str) -> tuple[Executable, Executable]:
    """(fingerprint upsert, band insert) in the dialect's INSERT … ON CONFLICT."""
    fps = insert(dialect, ArticleFingerprint)
    signature = fps.on_conflict_do_update(
        index_elements=["article_id"], set_={"signature": fps.excluded.signature}
    )
    return signature, insert(dialect, ArticleBand).on_conflict_do_nothing()


@dataclass
class _Placed:
    id: int
    sha: str
    signature: bytes
    bands: tuple[int, ...]
    damaged: bool
    cluster: int | None


def place_in_clusters(
    conn: Connection,
    written: Sequence[tuple[int, dict[str, Any]]],
    stored: Mapping[int, int | None] | None = None,
) -> None:
    """Fingerprint new and changed articles and give each new one its mirror cluster.

    "Same article" is the same content hash, else an estimated Jaccard similarity of at least
    NEAR_DUPLICATE with an article sharing an LSH band. A cluster's canonical article is its
    first undamaged copy (see is_damaged): an original found after its mirror copies takes over.
    A changed article keeps its cluster. `stored`, when the caller knows it: the cluster of each
    written article stored before this transaction (an article not in it is new); else it is read.
    """
    placed: list[_Placed] = []
    for article_id, row in written:
        print_ = fingerprint(row["title"], row.get("subtitle"), row["body"])
        placed.append(_Placed(article_id, row["content_sha256"], print_.signature, print_.bands,
                              bool(row.get("damaged")), None))  # fmt: skip
    ids = [p.id for p in placed]
    if stored is None:
        stored = dict(conn.execute(_CURRENT, {"ids": ids}).all())
    for p in placed:
        p.cluster = stored.get(p.id)
    if old := [p.id for p in placed if p.id in stored]:  # a new article has no bands yet
        conn.execute(_DROP_BANDS, {"ids": old})
    signatures, band_rows = _upserts(conn.dialect.name)
    conn.execute(signatures, [{"article_id": p.id, "signature": p.signature} for p in placed])
    bands = [(key, p.id) for p in placed for key in set(p.bands)]
    pending = [p for p in placed if p.cluster is None]
    if pending:
        _cluster(conn, pending)
    if not bands:
        return
    if conn.dialect.name == "sqlite":
        conn.execute(_BANDS_FROM_JSON, {"rows": json.dumps(bands)})
    else:
        conn.execute(band_rows, [{"key": key, "article_id": article_id} for key, article_id in bands])


def _cluster(conn: Connection, pending: list[_Placed]) -> None:
    """Join each new article to the cluster of its best match (stored, or earlier in the batch)."""
    shas = {p.sha for p in pending}
    keys = {key for p in pending for key in p.bands}
    by_sha: dict[str, int] = {}
    damaged_canonical: dict[int, bool] = {}
    for sha, cluster, damaged in conn.execute(_BY_SHA, {"shas": list(shas)}):
        assert sha is not None and cluster is not None  # matched by content_sha256, joined on cluster_id
        by_sha.setdefault(sha, cluster)
        damaged_canonical[cluster] = damaged
    by_band: dict[int, list[tuple[int, bytes, int]]] = {}  # key -> (article, signature, cluster)
    if keys:
        for key, article_id, signature, cluster, damaged in conn.execute(_BY_BAND, {"keys": list(keys)}):
            assert cluster is not None  # joined on cluster_id
            by_band.setdefault(key, []).append((article_id, signature, cluster))
            damaged_canonical[cluster] = damaged
    moved: dict[int, int] = {}  # cluster -> the cluster it became (its new canonical article)

    def final(cluster: int) -> int:
        while cluster in moved:
            cluster = moved[cluster]
        return cluster

    for p in pending:
        match = by_sha.get(p.sha)
        if match is None:
            best = 0.0
            for key in p.bands:
                for article_id, signature, cluster in by_band.get(key, ()):
                    score = similarity(p.signature, signature) if article_id != p.id else 0.0
                    if score >= NEAR_DUPLICATE and score > best:
                        best, match = score, cluster
        if match is None:
            p.cluster = p.id
            damaged_canonical[p.id] = p.damaged
        else:
            match = final(match)
            if damaged_canonical.get(match, False) and not p.damaged:  # the original takes over
                moved[match] = p.id
                damaged_canonical[p.id] = False
                p.cluster = p.id
            else:
                p.cluster = match
        by_sha.setdefault(p.sha, p.cluster)
        for key in p.bands:
            by_band.setdefault(key, []).append((p.id, p.signature, p.cluster))
    for p in pending:
        p.cluster = final(p.cluster or p.id)
    conn.execute(_SET_CLUSTER, [{"article_id": p.id, "cluster": p.cluster} for p in pending])
    if moved:  # each old cluster's members to its final one: disjoint sets of rows, one executemany
        conn.execute(_MOVE_CLUSTER, [{"old": old, "final": final(old)} for old in moved])
