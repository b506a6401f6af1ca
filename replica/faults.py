"""A hostile web, part one: faulty article pages (replica/server.py serves each fault)."""

from __future__ import annotations

import random

from replica.model import FaultEntry, Site

# Each fault the replica can put on a page, and the harvester error kind it must be counted
# under (crawler.harvest.faults). Several faults may share a kind.
PAGE_FAULTS: dict[str, str] = {
    "truncate": "truncated",  # chunked body cut half-way, then the connection closes
    "length": "truncated",  # a Content-Length twice the body, then the connection closes
    "close": "connection",  # the connection closes before any answer
    "gzip": "decompression",  # Content-Encoding: gzip whose data fails to inflate
    "binary": "binary",  # random bytes served as text/html
    "huge": "too_large",  # 20 MB + 1 byte (over DOWNLOAD_MAXSIZE), streamed without a Content-Length
    "big": "too_large",  # an 8 MB page: under DOWNLOAD_MAXSIZE, over the extractor's limit
    "deep": "too_deep",  # the article inside 10,000 nested <div>
    "charset": "undecodable",  # invalid bytes in the charset the page declares
    "loop": "redirect_loop",  # a redirect to itself with a new query, forever
    "offsite": "offsite",  # a redirect to another host
    "stall": "timeout",  # 30 s before the first byte
}


def plan_faults(site: Site, rate: float, seed: int, kinds: list[str] | None = None) -> None:
    """Put a fault on `rate` of the article pages, chosen with `seed`, kinds dealt in turn."""
    kinds = list(kinds or PAGE_FAULTS)
    unknown = set(kinds) - set(PAGE_FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(PAGE_FAULTS)}")
    rng = random.Random(seed)
    candidates = [e for e in site.manifest if not e.paywalled]
    chosen = rng.sample(candidates, k=min(len(candidates), round(rate * len(candidates))))
    rng.shuffle(kinds)
    for n, entry in enumerate(sorted(chosen, key=lambda e: (e.host, e.path))):
        fault = kinds[n % len(kinds)]
        site.faults[(entry.host, entry.path)] = FaultEntry(entry.host, entry.path, fault, PAGE_FAULTS[fault])
