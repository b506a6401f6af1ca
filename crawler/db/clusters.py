"""Mirror clusters: the copies of one article (the same text, or a near duplicate by MinHash/LSH)
share a cluster whose id is its canonical article's (docs/archive.md, "Mirror clusters")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.orm import aliased

from crawler.db.models import Article, ArticleBand, ArticleFingerprint, Base
from crawler.db.upsert import insert
from crawler.text.fingerprint import NEAR_DUPLICATE, fingerprint, similarity


@dataclass
class _Placed:
    id: int
    sha: str
    signature: bytes
    bands: tuple[int, ...]
    damaged: bool
    cluster: int | None


def place_in_clusters(conn: Connection, written: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Fingerprint new and changed articles and give each new one its mirror cluster.

    "Same article" is the same content hash, else an estimated Jaccard similarity of at least
    NEAR_DUPLICATE with an article sharing an LSH band. A cluster's canonical article is its
    first undamaged copy (see is_damaged): an original found after its mirror copies takes over.
    A changed article keeps its cluster.
    """
    placed: list[_Placed] = []
    for article_id, row in written:
        print_ = fingerprint(row["title"], row.get("subtitle"), row["body"])
        placed.append(_Placed(article_id, row["content_sha256"], print_.signature, print_.bands,
                              bool(row.get("damaged")), None))  # fmt: skip
    ids = [p.id for p in placed]
    current = dict(conn.execute(select(Article.id, Article.cluster_id).where(Article.id.in_(ids))).all())
    for p in placed:
        p.cluster = current.get(p.id)
    conn.execute(delete(ArticleBand).where(ArticleBand.article_id.in_(ids)))
    fps = insert(conn, ArticleFingerprint)
    conn.execute(
        fps.on_conflict_do_update(index_elements=["article_id"], set_={"signature": fps.excluded.signature}),
        [{"article_id": p.id, "signature": p.signature} for p in placed],
    )
    bands = [{"key": key, "article_id": p.id} for p in placed for key in set(p.bands)]
    pending = [p for p in placed if p.cluster is None]
    if pending:
        _cluster(conn, pending)
    if bands:
        conn.execute(insert(conn, ArticleBand).on_conflict_do_nothing(), bands)


def _cluster(conn: Connection, pending: list[_Placed]) -> None:
    """Join each new article to the cluster of its best match (stored, or earlier in the batch)."""
    canon = aliased(Article)
    shas = {p.sha for p in pending}
    keys = {key for p in pending for key in p.bands}
    by_sha: dict[str, int] = {}
    damaged_canonical: dict[int, bool] = {}
    for sha, cluster, damaged in conn.execute(
        select(Article.content_sha256, Article.cluster_id, canon.damaged)
        .join(canon, canon.id == Article.cluster_id)
        .where(Article.content_sha256.in_(shas))
    ):
        assert sha is not None and cluster is not None  # matched by content_sha256, joined on cluster_id
        by_sha.setdefault(sha, cluster)
        damaged_canonical[cluster] = damaged
    by_band: dict[int, list[tuple[int, bytes, int]]] = {}  # key -> (article, signature, cluster)
    if keys:
        for key, article_id, signature, cluster, damaged in conn.execute(
            select(ArticleBand.key, ArticleBand.article_id, ArticleFingerprint.signature, Article.cluster_id,
                   canon.damaged)
            .join(Article, Article.id == ArticleBand.article_id)
            .join(ArticleFingerprint, ArticleFingerprint.article_id == ArticleBand.article_id)
            .join(canon, canon.id == Article.cluster_id)
            .where(ArticleBand.key.in_(keys))
        ):  # fmt: skip
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
    articles = Base.metadata.tables[Article.__tablename__]
    conn.execute(
        update(articles)
        .where(articles.c.id == bindparam("article_id"))
        .values(cluster_id=bindparam("cluster")),
        [{"article_id": p.id, "cluster": p.cluster} for p in pending],
    )
    if moved:  # each old cluster's members to its final one: disjoint sets of rows, one executemany
        conn.execute(
            update(articles)
            .where(articles.c.cluster_id == bindparam("old"))
            .values(cluster_id=bindparam("final")),
            [{"old": old, "final": final(old)} for old in moved],
        )
