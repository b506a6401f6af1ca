"""Stage 1: decode the raw page from the evidence and pull out the raw article fields.

Pages that cannot be an article are refused here, before any parsing, with the error kind the
fault ledger counts (crawler.harvest.faults): a binary body served as text (`binary`), a page
over HARVEST_EXTRACT_MAX_BYTES (`too_large`) or nested deeper than HARVEST_EXTRACT_MAX_DEPTH
(`too_deep`), and one whose bytes are not text in any charset we decode (`undecodable`: more
than HARVEST_EXTRACT_MAX_DECODE_ERRORS replaced bytes, or a decoding that reads as noise).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract import NotAnArticle, extract_page
from crawler.extract.limits import PageRefused, binary_signature, printable
from crawler.harvest.faults import FaultyPage
from crawler.text.decoding import PLAUSIBLE, Decoded, decode_page, plausibility
from crawler.text.pinyin import strip_ruby

NOISE = PLAUSIBLE / 2  # a detected decoding this implausible is noise, not a language


def decode_errors(decoded: Decoded) -> int:
    """How many bytes the decoding had to replace (its `decode-errors:N` flag)."""
    return sum(int(flag.split(":", 1)[1]) for flag in decoded.flags if flag.startswith("decode-errors:"))


class ExtractPipeline:
    def __init__(
        self, stats: Any, max_bytes: int, max_depth: int, max_decode_errors: int, forums: bool = False
    ) -> None:
        self.stats = stats
        self.forums = forums  # keep forum and Q&A threads as articles
        self.max_bytes = max_bytes  # 0: no limit
        self.max_depth = max_depth  # 0: no limit
        self.max_decode_errors = max_decode_errors

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.getint("HARVEST_EXTRACT_MAX_BYTES"),
            settings.getint("HARVEST_EXTRACT_MAX_DEPTH"),
            settings.getint("HARVEST_EXTRACT_MAX_DECODE_ERRORS"),
            settings.getbool("HARVEST_EXTRACT_FORUMS"),
        )

    def refuse(self, kind: str, reason: str) -> FaultyPage:
        self.stats.inc_value(f"harvest/extract/refused/{kind}")
        return FaultyPage(kind, reason)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        body: bytes = article["raw_body"]
        if self.max_bytes and len(body) > self.max_bytes:
            raise self.refuse("too_large", f"too large: {len(body):,} bytes (limit {self.max_bytes:,})")
        if signature := binary_signature(body):
            raise self.refuse("binary", f"binary: {signature} served as a page")
        headers = article.get("raw_headers") or {}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        decoded = decode_page(body, content_type)
        errors = decode_errors(decoded)
        if errors > self.max_decode_errors:
            raise self.refuse("undecodable", f"undecodable: {errors} invalid bytes in {decoded.encoding}")
        if "encoding-from:detected" in decoded.flags and plausibility(decoded.text) < NOISE:
            raise self.refuse("undecodable", f"undecodable: reads as noise in {decoded.encoding}")
        article["encoding"] = decoded.encoding
        article["flags"] = [*(article.get("flags") or []), *decoded.flags]
        self.stats.inc_value(f"harvest/extract/encoding/{decoded.encoding}")
        try:
            fields = extract_page(
                strip_ruby(printable(decoded.text)),
                article.get("profile"),
                max_chars=self.max_bytes,
                max_depth=self.max_depth,
                forums=self.forums,
            )
        except PageRefused as refused:
            raise self.refuse(refused.kind, str(refused)) from None
        except NotAnArticle as reason:
            self.stats.inc_value("harvest/extract/not_article")
            self.stats.inc_value(f"harvest/extract/not_article/{reason.kind}")  # forum, list, other
            raise DropItem(f"not an article: {reason}") from None
        article["profile"] = fields.profile
        article["title"] = fields.title
        article["subtitle"] = fields.subtitle
        article["meta_lines"] = fields.meta_lines
        article["editor_lines"] = fields.editor_lines
        article["body"] = fields.body
        return item
